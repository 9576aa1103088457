import type { FastifyInstance } from 'fastify';
import type { AppDependencies } from '../../app.ts';
import type { Target } from '../../config/targets.ts';
import { isBedrockTarget } from '../../config/targets.ts';
import { tierMultipliers } from '../../usage/cost.ts';

/**
 * What the admin UI's Models page shows, read-only (edits are in the configuration today):
 * - `GET /admin/models` (read-only sessions too: prices are no secret): every catalog model with
 *   its price per million tokens (input, output, cache read, cache write 5 m and 1 h; where the
 *   catalog has no cache price, the one cost.ts applies), the service tier multipliers, and the
 *   chain of targets a request for it takes now;
 * - `GET /admin/routing` (administrators): the configured routes and the cooldowns in force.
 */

function targetView(target: Target) {
  return { provider: target.provider, model: target.model, ...(isBedrockTarget(target) ? { region: target.options.region, api: target.options.api } : {}) };
}

/** The targets a request for `model` takes now, or why none serves it (a Bedrock-only model with Bedrock off). */
function chainOf(deps: AppDependencies, model: string): { targets: ReturnType<typeof targetView>[]; unavailable: string | null } {
  try {
    return { targets: deps.resolver.resolve(model).map(targetView), unavailable: null };
  } catch (error) {
    return { targets: [], unavailable: error instanceof Error ? error.message : String(error) };
  }
}

export function registerAdminModels(admin: FastifyInstance, deps: AppDependencies): void {
  admin.get('/admin/models', { config: { viewer: true } }, async () => ({
    tier_multipliers: tierMultipliers,
    data: deps.catalog.entries.map((entry) => {
      const pricing = entry.pricing;
      return {
        id: entry.id,
        display_name: entry.displayName,
        status: entry.status,
        aliases: entry.aliases,
        bedrock_id: entry.bedrock?.baseId ?? null,
        pricing:
          pricing === undefined
            ? null
            : {
                input: pricing.input,
                output: pricing.output,
                cache_read: pricing.cache_read ?? pricing.input * 0.1,
                cache_write_5m: pricing.cache_write_5m ?? pricing.input * 1.25,
                cache_write_1h: pricing.cache_write_1h ?? pricing.input * 2,
                priced_at: pricing.priced_at ?? null,
                source: pricing.source ?? null,
              },
        ...chainOf(deps, entry.id),
      };
    }),
  }));

  admin.get('/admin/routing', async () => {
    const now = deps.clock.now();
    return {
      routes_enabled: deps.config.routing.routes_enabled,
      // Targets as configured, without `endpoint` (a URL may carry credentials).
      routes: deps.config.routes.map((route) => ({ match: route.match, targets: route.targets.map((target) => ({ provider: target.provider, model: target.model ?? null, region: target.region ?? null })) })),
      cooldowns: (await deps.cooldowns.list(now)).map((entry) => ({ target: entry.key, reason: entry.reason, until: new Date(entry.until).toISOString(), remaining_seconds: Math.ceil((entry.until - now) / 1000) })),
    };
  });
}
