/**
 * Service tiers (Bedrock's `service_tier`; the gateway prices and budgets by them): the one list,
 * read by the configuration schema, the key admin API, the stores, pricing and the Bedrock provider.
 */

export const serviceTiers = ['default', 'flex', 'priority', 'reserved'] as const;

export type ServiceTier = (typeof serviceTiers)[number];

const known: ReadonlySet<string> = new Set(serviceTiers);

export function isServiceTier(value: unknown): value is ServiceTier {
  return typeof value === 'string' && known.has(value);
}
