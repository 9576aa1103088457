import { GatewayError } from '../../errors.ts';

/** Small readers for JSON that enters as `unknown`, shared by the OpenAI-compatible converters. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Malformed data from the upstream (a 502 before the commit point, one error event after it). */
export function protocolError(provider: string, message: string): GatewayError {
  return new GatewayError('GW_UPSTREAM_PROTOCOL', `${provider} sent ${message}`, { provider });
}

/** A 400 naming the field path and the feature the provider (or this model) cannot take. */
export function unsupported(provider: string, path: string, text: string): GatewayError {
  return new GatewayError('GW_UNSUPPORTED_FEATURE', `${path}: ${text}`, { provider });
}

/** A non-negative integer field, or undefined when absent or not a count. */
export function countOf(record: Record<string, unknown> | undefined, key: string): number | undefined {
  const value = record?.[key];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

export function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}
