import { claudeCapabilities, type ModelCapabilities } from '../config/model-catalog.ts';
import { bedrockModelId, isBedrockModelId, stripProfilePrefix, type ModelCatalog } from '../config/models.ts';
import type { GatewayConfig, RouteConfig, TargetConfig } from '../config/schema.ts';
import { isUsableEndpoint, openAIEndpoints, reservedProviderNames } from '../config/schema-openai.ts';
import { GatewayError } from '../errors.ts';
import type { Target } from '../config/targets.ts';

/**
 * Model -> the ordered targets that may serve it, pure. A configured route matching the model
 * (exact id, catalog alias, glob such as `claude-sonnet-*`, or `default`) wins; otherwise a model
 * named by its Bedrock id goes to Bedrock as it is, a model an OpenAI-compatible endpoint with a
 * key lists in the catalog to that endpoint (every one listing it, in order), and everything else
 * to Anthropic. A bare
 * word such as `haiku` matches every id containing it (seed 001's rule). A Bedrock
 * target without an explicit model uses the catalog's mapping for its region; a model Bedrock
 * does not serve is a 404 naming it, never a substitute.
 */

export interface Resolver {
  resolve(model: string): Target[];
}

export interface ResolverOptions {
  /** Whether Bedrock has credentials (zero configuration falls back to it only then). */
  readonly bedrockAvailable?: () => boolean;
}

export function createResolver(config: Pick<GatewayConfig, 'bedrock' | 'routes'> & Partial<Pick<GatewayConfig, 'routing' | 'openai_compatible'>>, catalog: ModelCatalog, options: ResolverOptions = {}): Resolver {
  // ROUTING_ENABLE=false (seed 001): the routes stay in the configuration but none applies.
  const routes = config.routing?.routes_enabled === false ? [] : config.routes.map((route) => ({ route, test: matcher(route.match, catalog) }));
  const fallback = config.routing?.bedrock_fallback ?? false;
  const openAIFallback = config.routing?.openai_fallback === false ? [] : openAIFallbackTargets(config.openai_compatible ?? {});
  const openAIListed = openAIListedTargets(config.openai_compatible ?? {}, catalog);
  return {
    resolve(model) {
      // A provider's own model id goes straight to it: catch-all routes (`default`, `*`, bare
      // family words) never capture one; an explicit id or glob written for it does.
      const direct = isBedrockModelId(model);
      const route = routes.find((candidate) => (!direct || !isCatchAll(candidate.route.match)) && candidate.test(model))?.route;
      if (route !== undefined) return usableTargets(route.targets, model, config.bedrock, catalog);
      if (isBedrockModelId(model)) return [toTarget({ provider: 'bedrock' }, model, config.bedrock, catalog)];
      // A model an OpenAI-compatible endpoint lists (GET /v1/models shows it) goes to the endpoints that list it.
      const listed = openAIListed.get(model);
      if (listed !== undefined) return [...listed];
      // Zero configuration: Anthropic, then Bedrock with the catalog's mapping when it can serve,
      // then each OpenAI-compatible provider with a key and a fallback model.
      const anthropic: Target = { provider: 'anthropic', model };
      if (!fallback || !config.bedrock.enabled || options.bedrockAvailable?.() !== true) return [anthropic, ...openAIFallback];
      return [...usableTargets([{ provider: 'anthropic' }, { provider: 'bedrock' }], model, config.bedrock, catalog), ...openAIFallback];
    },
  };
}

/** The OpenAI-compatible targets of the zero-configuration chain: those with a key (or a named endpoint) and a `fallback_model`. */
function openAIFallbackTargets(endpoints: GatewayConfig['openai_compatible']): Target[] {
  return openAIEndpoints(endpoints).flatMap((endpoint) =>
    endpoint.fallback_model === undefined || !isUsableEndpoint(endpoint) ? [] : [{ provider: endpoint.name, model: endpoint.fallback_model, options: { wire: 'openai' } } as const],
  );
}

/** Model id -> the usable OpenAI-compatible endpoints whose catalog lists it, in endpoint order. */
function openAIListedTargets(endpoints: GatewayConfig['openai_compatible'], catalog: ModelCatalog): ReadonlyMap<string, readonly Target[]> {
  const listed = new Map<string, Target[]>();
  for (const endpoint of openAIEndpoints(endpoints)) {
    if (!isUsableEndpoint(endpoint)) continue;
    for (const { id } of catalog.openai.listed(endpoint.name)) {
      const targets = listed.get(id) ?? [];
      targets.push({ provider: endpoint.name, model: id, options: { wire: 'openai' } });
      listed.set(id, targets);
    }
  }
  return listed;
}

/**
 * The route's targets that can serve `model`: a target that cannot (Bedrock disabled, no Bedrock
 * id for the model) is left out, so it never spoils a target before it; only when none is left
 * is the first reason the answer.
 */
function usableTargets(targets: readonly TargetConfig[], model: string, bedrock: GatewayConfig['bedrock'], catalog: ModelCatalog): Target[] {
  const usable: Target[] = [];
  let firstProblem: unknown;
  for (const target of targets) {
    try {
      usable.push(toTarget(target, model, bedrock, catalog));
    } catch (error) {
      firstProblem ??= error;
    }
  }
  if (usable.length === 0) throw firstProblem;
  return usable;
}

function isCatchAll(pattern: string): boolean {
  return pattern === 'default' || pattern === '*' || /^[a-z0-9]+$/.test(pattern);
}

function matcher(pattern: string, catalog: ModelCatalog): (model: string) => boolean {
  if (pattern === 'default' || pattern === '*') return () => true;
  if (/[*?]/.test(pattern)) {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
    const regex = new RegExp(`^${source}$`);
    return (model) => regex.test(model);
  }
  const entry = catalog.find(pattern);
  if (entry === undefined && /^[a-z0-9]+$/.test(pattern)) {
    // A bare family word (`haiku`, `sonnet`, `opus`) matches every model id that contains it.
    return (model) => model.includes(pattern);
  }
  return (model) => model === pattern || (entry !== undefined && catalog.find(model) === entry);
}

const genericCapabilities: ModelCapabilities = { family: 'other', images: true, documents: true, reasoning: true, cachePoints: false };

function toTarget(target: TargetConfig, requested: string, bedrock: GatewayConfig['bedrock'], catalog: ModelCatalog): Target {
  // An OpenAI-compatible provider takes its own model ids, passed as they are.
  if (!reservedProviderNames.has(target.provider)) return { provider: target.provider, model: target.model ?? requested, options: { wire: 'openai' } };
  if (target.provider === 'anthropic') {
    // A Bedrock-form Claude id goes to Anthropic under its Anthropic id.
    const normalised = isBedrockModelId(requested) ? catalog.fromBedrockId(requested)?.id : undefined;
    return { provider: 'anthropic', model: target.model ?? normalised ?? requested };
  }
  if (!bedrock.enabled) throw new GatewayError('GW_MODEL_NOT_FOUND', `model: ${requested} would be served by Bedrock, which is disabled in this gateway's configuration.`);
  const region = target.region ?? bedrock.region;
  const wanted = target.model ?? requested;
  let model: string;
  let entry = isBedrockModelId(wanted) ? catalog.fromBedrockId(wanted) : catalog.find(wanted);
  if (isBedrockModelId(wanted)) model = wanted;
  else {
    const mapped = entry === undefined ? undefined : bedrockModelId(entry, region);
    if (mapped === undefined) {
      throw new GatewayError('GW_MODEL_NOT_FOUND', `model: ${wanted} is not available on AWS Bedrock (the model catalog has no Bedrock id for it; add one under models: in the configuration).`);
    }
    model = mapped;
  }
  entry ??= catalog.fromBedrockId(model);
  const claude = stripProfilePrefix(model).startsWith('anthropic.') || (model.startsWith('arn:') && model.includes('anthropic.'));
  const known = entry?.bedrock;
  const defaultApi = known?.api ?? (claude ? 'invoke' : 'converse');
  const api = target.api ?? (defaultApi === 'invoke' ? bedrock.claude_api : defaultApi);
  return {
    provider: 'bedrock',
    model,
    options: {
      region,
      ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
      api,
      serviceTier: target.service_tier ?? bedrock.service_tier,
      capabilities: known?.capabilities ?? (claude ? claudeCapabilities : genericCapabilities),
      ...(known?.betas === undefined ? {} : { betas: known.betas }),
      ...(known?.serviceTiers === undefined ? {} : { serviceTiers: known.serviceTiers }),
    },
  };
}

export type { RouteConfig };
