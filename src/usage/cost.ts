import type { Pricing } from '../config/model-catalog.ts';
import type { ServiceTier } from '../service-tier.ts';
import type { TokenUsage } from './usage.ts';

/**
 * The price of an answer in USD from the catalog's per-million-token prices, with the Bedrock
 * service tier multiplier of the tier actually used (seeds 002/004: flex 0.5, priority 1.75;
 * default and reserved 1). Cache reads and writes fall back to Anthropic's multipliers of the
 * input price (0.1, 1.25 for 5 minutes, 2 for 1 hour) when the entry has none. Pure.
 */

export const tierMultipliers: Readonly<Record<ServiceTier, number>> = { default: 1, flex: 0.5, priority: 1.75, reserved: 1 };

export function costUsd(usage: TokenUsage, pricing: Pricing, tier: ServiceTier = 'default'): number {
  const perToken = (perMillion: number) => perMillion / 1_000_000;
  const total =
    usage.input * perToken(pricing.input) +
    usage.output * perToken(pricing.output) +
    usage.cacheRead * perToken(pricing.cache_read ?? pricing.input * 0.1) +
    usage.cacheWrite5m * perToken(pricing.cache_write_5m ?? pricing.input * 1.25) +
    usage.cacheWrite1h * perToken(pricing.cache_write_1h ?? pricing.input * 2);
  return total * tierMultipliers[tier];
}
