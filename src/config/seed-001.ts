/**
 * Seed 001's `config.yaml` (shared/seeds/001, spec/seed-projects.md §2), translated to this
 * gateway's shape before validation, so its users keep their file:
 *
 *   providers.bedrock.region / profile_name      -> bedrock.region / bedrock.profile
 *   server.read_timeout ("300s")                 -> anthropic and bedrock idle_timeout_ms
 *   server.write_timeout, server.idle_timeout    -> dropped (no equivalent)
 *   routing.enable                               -> routing.routes_enabled (false: the routes are not used)
 *   routing.retry_timeout_millis                 -> routing.max_retry_wait_ms
 *   routing.rate_limit_seconds                   -> routing.cooldown_ms
 *   routing.models[{model, provider_sequence[{name, variants[{model, region, endpoint}]}]}]
 *                                                -> routes[{match, targets[{provider, model, region, endpoint}]}]
 *
 * Seed 001 matched a model key exactly, else a non-default key contained in the requested id,
 * else `default`: keys become globs `*key*` in file order, `default` last. Pure.
 */

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `tree` is in seed 001's shape (its `routing` or `providers` sections). */
export function isSeed001(tree: Tree): boolean {
  const routing = tree.routing;
  return tree.providers !== undefined || (isTree(routing) && (Array.isArray(routing.models) || routing.enable !== undefined || routing.retry_timeout_millis !== undefined || routing.rate_limit_seconds !== undefined));
}

function seconds(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(value);
  if (match === null) return value;
  const amount = Number(match[1]);
  return Math.round(match[2] === 'ms' ? amount : match[2] === 'm' ? amount * 60_000 : amount * 1000);
}

function toRoutes(models: unknown[]): Tree[] {
  const routes = models.filter(isTree).map((entry) => {
    const key = String(entry.model ?? '');
    const sequence = Array.isArray(entry.provider_sequence) ? entry.provider_sequence.filter(isTree) : [];
    const targets = sequence.flatMap((provider) =>
      (Array.isArray(provider.variants) ? provider.variants.filter(isTree) : []).map((variant) => ({
        provider: provider.name,
        ...(variant.model === undefined ? {} : { model: variant.model }),
        ...(variant.region === undefined ? {} : { region: variant.region }),
        ...(variant.endpoint === undefined ? {} : { endpoint: variant.endpoint }),
      })),
    );
    return { match: key === 'default' ? 'default' : `*${key}*`, targets };
  });
  // Exact keys first (seed 001 tried an exact match before containment), then containment, then default.
  const keyed = routes.filter((route) => route.match !== 'default');
  const exact = keyed.map((route) => ({ ...route, match: route.match.slice(1, -1) })).filter((route) => !/^[a-z0-9]+$/.test(route.match));
  return [...exact, ...keyed, ...routes.filter((route) => route.match === 'default')];
}

export function fromSeed001(tree: Tree): Tree {
  const { providers, routing, server, ...rest } = tree;
  const result: Tree = { ...rest };
  if (isTree(server)) {
    const { read_timeout: readTimeout, write_timeout: _write, idle_timeout: _idle, ...serverRest } = server;
    result.server = serverRest;
    if (readTimeout !== undefined) {
      result.anthropic = { ...(isTree(rest.anthropic) ? rest.anthropic : {}), idle_timeout_ms: seconds(readTimeout) };
      result.bedrock = { ...(isTree(rest.bedrock) ? rest.bedrock : {}), idle_timeout_ms: seconds(readTimeout) };
    }
  }
  const bedrock = isTree(providers) && isTree(providers.bedrock) ? providers.bedrock : undefined;
  if (bedrock !== undefined) {
    result.bedrock = {
      ...(isTree(result.bedrock) ? result.bedrock : {}),
      ...(bedrock.region === undefined ? {} : { region: bedrock.region }),
      ...(bedrock.profile_name === undefined ? {} : { profile: bedrock.profile_name }),
    };
  }
  if (isTree(routing)) {
    const { enable, models, retry_timeout_millis: retryMillis, rate_limit_seconds: rateLimitSeconds, ...routingRest } = routing;
    result.routing = {
      ...routingRest,
      ...(enable === undefined ? {} : { routes_enabled: enable }),
      ...(retryMillis === undefined ? {} : { max_retry_wait_ms: retryMillis }),
      ...(rateLimitSeconds === undefined ? {} : { cooldown_ms: Number(rateLimitSeconds) * 1000 }),
    };
    if (Array.isArray(models)) result.routes = [...(Array.isArray(rest.routes) ? rest.routes : []), ...toRoutes(models)];
  }
  return result;
}
