import { GatewayError } from '../../../errors.ts';
import type { ConverseModelProfile } from './profile.ts';
import { isRecord } from './values.ts';

/**
 * The state one request conversion carries between its parts: the target profile, the list of
 * what was dropped (for the log line), the cache points emitted so far (Anthropic's limit of 4
 * breakpoints applies to them) and the document names given so far (Converse wants them unique).
 * A new context is made for every conversion, so the converters stay pure from the outside.
 */

/** One Converse content, system or tool block: an object with exactly one member. */
export type ConverseBlock = Record<string, unknown>;

export interface ConversionContext {
  readonly profile: ConverseModelProfile;
  /** Field paths and features that were dropped, in the order they were met. */
  readonly removed: string[];
  cachePoints: number;
  documents: number;
  readonly documentNames: Set<string>;
}

/** Anthropic accepts at most 4 blocks with cache_control; Bedrock the same number of cache points. */
export const MAX_CACHE_POINTS = 4;

export function newConversionContext(profile: ConverseModelProfile): ConversionContext {
  return { profile, removed: [], cachePoints: 0, documents: 0, documentNames: new Set() };
}

/** A 400 naming the field path and the feature Converse (or this model) cannot take. */
export function unsupported(path: string, text: string): GatewayError {
  return new GatewayError('GW_UNSUPPORTED_FEATURE', `${path}: ${text}`, { provider: 'bedrock' });
}

/**
 * The `cachePoint` that stands for a `cache_control` breakpoint (at field path `path`): none
 * when there is no breakpoint, none (listed as removed) when the model has no cache points.
 */
export function cachePointFor(cacheControl: unknown, path: string, context: ConversionContext): ConverseBlock[] {
  if (!isRecord(cacheControl)) return [];
  if (!context.profile.cachePoints) {
    context.removed.push(path);
    return [];
  }
  context.cachePoints++;
  return [{ cachePoint: cacheControl.ttl === '1h' ? { type: 'default', ttl: '1h' } : { type: 'default' } }];
}

/** Throws Anthropic's own error when the request has more than 4 breakpoints. */
export function checkCachePointLimit(context: ConversionContext): void {
  if (context.cachePoints > MAX_CACHE_POINTS) {
    throw new GatewayError('GW_UNSUPPORTED_FEATURE', `A maximum of ${MAX_CACHE_POINTS} blocks with cache_control may be provided. Found ${context.cachePoints}.`, { provider: 'bedrock' });
  }
}

/** A string field, or a 400 naming it. */
export function requiredString(record: Record<string, unknown>, key: string, path: string): string {
  const value = record[key];
  if (typeof value !== 'string') throw unsupported(`${path}.${key}`, 'expected a string.');
  return value;
}
