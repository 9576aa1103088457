import type { Pricing } from '../config/model-catalog.ts';
import type { ServiceTier } from '../service-tier.ts';
import { toMicros } from '../store/accounting.ts';
import { costUsd } from '../usage/cost.ts';
import type { TokenUsage } from '../usage/usage.ts';

/**
 * What a budget reservation holds (issue 10 A3), as pure functions: the most the request can
 * cost on any target it may be served by. Input is priced on a true upper bound of its tokens
 * (request/input-bound.ts), or on the exact count asked of the upstream when only that fits,
 * at the dearest rate it can be billed at (a cache write when the request marks `cache_control`),
 * output on `max_tokens`, with the Bedrock priority multiplier when the key or the target asks
 * for that tier (a flex request may be served at the default tier, so flex is not discounted).
 */

/** What a reservation prices, read from the body (only for keys with a budget). */
export interface RequestSize {
  /** A true upper bound of the input tokens. */
  readonly inputBound: number;
  /** A close estimate of them (~4 characters a token): only decides whether an exact count is worth asking for. */
  readonly inputEstimate: number;
  readonly maxTokens: number;
  /** Whether the input may be billed as a cache write, and for which TTL. */
  readonly cacheWrite: 'none' | '5m' | '1h';
}

/** The input tokens an upstream counted for one target's model. */
export interface CountedInput {
  readonly model: string;
  readonly tokens: number;
}

/**
 * count_tokens "may differ by a small amount" from what a Message is billed (Anthropic's words):
 * a counted size is reserved with this much headroom.
 */
export const COUNT_MARGIN = 1.05;

export interface ReservedTarget {
  readonly pricing: Pricing;
  /** The Bedrock tier the target asks for (undefined for Anthropic). */
  readonly tier: ServiceTier | undefined;
  /** The input tokens to price on this target. */
  readonly inputTokens: number;
}

/** The input tokens reserved for a target: the counted size with its margin (never above the bound), else the bound. */
export function reservedInput(size: RequestSize, counted: number | undefined): number {
  return counted === undefined ? size.inputBound : Math.min(size.inputBound, Math.ceil(counted * COUNT_MARGIN));
}

function reservationTier(keyTier: ServiceTier | undefined, targetTier: ServiceTier | undefined): ServiceTier {
  return keyTier === 'priority' || targetTier === 'priority' ? 'priority' : 'default';
}

/** The dearest cost among the targets, in micro-dollars. */
export function worstCaseMicros(targets: readonly ReservedTarget[], size: RequestSize, keyTier: ServiceTier | undefined): number {
  let worst = 0;
  for (const target of targets) {
    const tier = reservationTier(keyTier, target.tier);
    const tokens = target.inputTokens;
    const none = { input: 0, output: size.maxTokens, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
    const ways: TokenUsage[] = [{ ...none, input: tokens }];
    if (size.cacheWrite !== 'none') ways.push({ ...none, cacheWrite5m: tokens });
    if (size.cacheWrite === '1h') ways.push({ ...none, cacheWrite1h: tokens });
    for (const usage of ways) worst = Math.max(worst, toMicros(costUsd(usage, target.pricing, tier)));
  }
  return worst;
}
