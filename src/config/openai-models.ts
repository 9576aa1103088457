import { openAIModelCatalog, type OpenAIModelCapabilities, type OpenAIModelEntry, type OpenAIProviderModels } from './openai-model-catalog.ts';
import { openAIQuirkPresets, type OpenAIEndpointConfig, type OpenAIModelConfig } from './schema-openai.ts';

/**
 * Lookups over the OpenAI-compatible model catalog (openai-model-catalog.ts) merged with each
 * endpoint's configured `models`, pure. Keyed by endpoint name then model id (`Map`s: ids are
 * user-supplied). An endpoint gets the built-in models of its own name (`openai`, `groq`, a
 * named `deepseek`); its quirks preset lends it the preset's knowledge of what models take
 * (families and entries), never the preset's list or prices: a vLLM with the `openai` preset
 * does not serve or bill like OpenAI.
 */

export interface OpenAIModels {
  /** The endpoint's entry for `model` (built in under its name, or configured). */
  find(provider: string, model: string): OpenAIModelEntry | undefined;
  /** What `model` takes at `provider`, as far as the catalog knows; the provider's quirks fill in the rest. */
  capabilities(provider: string, model: string): Partial<OpenAIModelCapabilities>;
  /** The models an endpoint lists, in catalog order then configuration order. */
  listed(provider: string): readonly OpenAIModelEntry[];
}

interface EndpointModels {
  readonly list: readonly OpenAIModelEntry[];
  readonly byId: ReadonlyMap<string, OpenAIModelEntry>;
  /** The preset's knowledge, for models the endpoint does not list. */
  readonly preset: OpenAIProviderModels | undefined;
  /** `quirks.reasoning_models` / `max_completion_tokens_models`: decide over the built-in knowledge. */
  readonly reasoningPattern?: RegExp;
  readonly maxCompletionPattern?: RegExp;
  /** Ids set by configuration `models` (their fields win over the patterns). */
  readonly configured: ReadonlyMap<string, OpenAIModelConfig>;
}

const presetNames: ReadonlySet<string> = new Set(openAIQuirkPresets);

export function createOpenAIModels(config: Readonly<Record<string, OpenAIEndpointConfig>> = {}, catalog: Readonly<Record<string, OpenAIProviderModels>> = openAIModelCatalog): OpenAIModels {
  const endpoints = new Map<string, EndpointModels>();
  const names = new Set([...Object.keys(catalog), ...Object.keys(config)]);
  for (const name of names) endpoints.set(name, endpointModels(name, config[name], catalog));
  return {
    find: (provider, model) => endpoints.get(provider)?.byId.get(model),
    capabilities: (provider, model) => capabilitiesOf(endpoints.get(provider), model),
    listed: (provider) => endpoints.get(provider)?.list ?? [],
  };
}

function endpointModels(name: string, config: OpenAIEndpointConfig | undefined, catalog: Readonly<Record<string, OpenAIProviderModels>>): EndpointModels {
  const own = catalog[name]?.models ?? [];
  const list = [...own];
  const configured = new Map<string, OpenAIModelConfig>();
  for (const entry of config?.models ?? []) {
    configured.set(entry.id, entry);
    const index = list.findIndex((candidate) => candidate.id === entry.id);
    const merged = mergeModel(entry, index === -1 ? undefined : list[index]);
    if (index === -1) list.push(merged);
    else list[index] = merged;
  }
  const presetName = config?.quirks.preset ?? (presetNames.has(name) ? name : 'generic');
  const reasoning = config?.quirks.reasoning_models;
  const maxCompletion = config?.quirks.max_completion_tokens_models;
  return {
    list,
    byId: new Map(list.map((entry) => [entry.id, entry])),
    preset: catalog[presetName],
    ...(reasoning === undefined ? {} : { reasoningPattern: new RegExp(reasoning) }),
    ...(maxCompletion === undefined ? {} : { maxCompletionPattern: new RegExp(maxCompletion) }),
    configured,
  };
}

function mergeModel(entry: OpenAIModelConfig, base: OpenAIModelEntry | undefined): OpenAIModelEntry {
  const contextWindow = entry.context_window ?? base?.contextWindow;
  const maxOutputTokens = entry.max_output_tokens ?? base?.maxOutputTokens;
  const pricing = entry.pricing ?? base?.pricing;
  return {
    id: entry.id,
    displayName: entry.display_name ?? base?.displayName ?? entry.id,
    ...(contextWindow === undefined ? {} : { contextWindow }),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    capabilities: { ...base?.capabilities, ...configuredCapabilities(entry) },
    ...(pricing === undefined ? {} : { pricing }),
  };
}

function configuredCapabilities(entry: OpenAIModelConfig): Partial<OpenAIModelCapabilities> {
  const fields: { [K in keyof OpenAIModelCapabilities]?: OpenAIModelCapabilities[K] | undefined } = {
    tools: entry.tools,
    images: entry.images,
    pdf: entry.pdf,
    reasoning: entry.reasoning,
    reasoningEffort: entry.reasoning_effort,
    maxCompletionTokens: entry.max_completion_tokens,
    efforts: entry.efforts,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/**
 * The endpoint's entry, else the preset's entry for the same id, else every preset family the id
 * matches (the first to set a field wins); the configured patterns decide reasoning and
 * `max_completion_tokens` over the built-in knowledge, a configured model's own fields over them.
 */
function capabilitiesOf(endpoint: EndpointModels | undefined, model: string): Partial<OpenAIModelCapabilities> {
  if (endpoint === undefined) return {};
  const known = endpoint.byId.get(model)?.capabilities ?? endpoint.preset?.models.find((entry) => entry.id === model)?.capabilities;
  const families: Partial<OpenAIModelCapabilities> = {};
  for (const family of [...(endpoint.preset?.families ?? [])].reverse()) if (family.pattern.test(model)) Object.assign(families, family.capabilities);
  const capabilities: { -readonly [K in keyof OpenAIModelCapabilities]?: OpenAIModelCapabilities[K] } = { ...families, ...known };
  if (endpoint.reasoningPattern !== undefined) capabilities.reasoning = endpoint.reasoningPattern.test(model);
  if (endpoint.maxCompletionPattern !== undefined) capabilities.maxCompletionTokens = endpoint.maxCompletionPattern.test(model);
  const configured = endpoint.configured.get(model);
  return configured === undefined ? capabilities : { ...capabilities, ...configuredCapabilities(configured) };
}
