import { z } from 'zod';
import { httpUrl, positiveMs, pricingSchema, secret } from './schema-primitives.ts';

/**
 * OpenAI-compatible providers (docs/providers.md): the built-in `openai`, `groq`, `cerebras` and
 * `openrouter`, and any number of named endpoints (vLLM, Ollama, LM Studio, llama.cpp, Together,
 * Fireworks, DeepSeek…), each `{base_url, api_key | api_key_env, headers, quirks}`. The quirks are
 * data: a preset (`generic` unless the name is a built-in one) with overrides. Targets name an
 * endpoint by its key: `{provider: groq, model: llama-3.3-70b-versatile}`.
 */

/** The providers known without configuration, in the order of the zero-configuration fallback. */
export const builtinOpenAIProviders = ['openai', 'groq', 'cerebras', 'openrouter'] as const;
export type BuiltinOpenAIProvider = (typeof builtinOpenAIProviders)[number];

/** Presets of quirks (providers/openai-compatible/quirks.ts). */
export const openAIQuirkPresets = ['openai', 'groq', 'cerebras', 'openrouter', 'deepseek', 'generic'] as const;

export const defaultOpenAIBaseUrls: Readonly<Record<BuiltinOpenAIProvider, string>> = {
  openai: 'https://api.openai.com/v1',
  groq: 'https://api.groq.com/openai/v1',
  cerebras: 'https://api.cerebras.ai/v1',
  openrouter: 'https://openrouter.ai/api/v1',
};

/** Names a route cannot give an OpenAI-compatible endpoint (another provider's). */
export const reservedProviderNames: ReadonlySet<string> = new Set(['anthropic', 'bedrock']);

const regex = z
  .string()
  .min(1)
  .refine((value) => {
    try {
      new RegExp(value);
      return true;
    } catch {
      return false;
    }
  }, 'must be a regular expression');

export const openAIQuirksSchema = z
  .object({
    /** The preset the rest overrides; default: the endpoint's own for a built-in name, else `generic`. */
    preset: z.enum(openAIQuirkPresets).optional(),
    reasoning: z.enum(['effort', 'openrouter', 'groq', 'deepseek', 'none']).optional(),
    /** Models that take the reasoning knob (a regular expression); default: the preset's. */
    reasoning_models: regex.optional(),
    /** Models that take `max_completion_tokens` instead of `max_tokens`. */
    max_completion_tokens_models: regex.optional(),
    images: z.boolean().optional(),
    pdf: z.union([z.literal(false), z.enum(['base64', 'url'])]).optional(),
    top_k: z.boolean().optional(),
    max_stop_sequences: z.number().int().positive().optional(),
    parallel_tool_calls: z.boolean().optional(),
    structured_outputs: z.boolean().optional(),
    user_field: z.enum(['user', 'safety_identifier', 'none']).optional(),
    stream_usage: z.boolean().optional(),
    replay_reasoning: z.boolean().optional(),
  })
  .strict();

/**
 * A model of an endpoint (openai-model-catalog.ts): added to the built-in catalog, or merged over
 * the built-in entry with the same id. Listed by `GET /v1/models`, routed by its id, priced.
 */
export const openAIModelSchema = z
  .object({
    id: z.string().trim().min(1),
    display_name: z.string().trim().min(1).optional(),
    context_window: z.number().int().positive().optional(),
    max_output_tokens: z.number().int().positive().optional(),
    tools: z.boolean().optional(),
    images: z.boolean().optional(),
    pdf: z.boolean().optional(),
    reasoning: z.boolean().optional(),
    /** Groq-style: `reasoning_effort` + `include_reasoning` rather than `reasoning_format`. */
    reasoning_effort: z.boolean().optional(),
    max_completion_tokens: z.boolean().optional(),
    /** The `reasoning_effort` values it takes, lowest first (Anthropic's `max` is sent as the last). */
    efforts: z.array(z.string().trim().min(1)).min(1).optional(),
    pricing: pricingSchema.optional(),
  })
  .strict();

export const openAIEndpointSchema = z
  .object({
    /** The API base, up to `/chat/completions` excluded (`http://localhost:8000/v1`); built-in names have a default. */
    base_url: httpUrl.optional(),
    /** Sent as `Authorization: Bearer`; a key is the gateway's, never the client's. */
    api_key: secret,
    /** The environment variable holding the key (read at load time). */
    api_key_env: z.string().trim().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').optional(),
    /** Extra request headers (OpenRouter's HTTP-Referer and X-Title, a proxy's token…). */
    headers: z.record(z.string().trim().min(1), z.string()).default({}),
    quirks: openAIQuirksSchema.default({}),
    /** Models this endpoint serves, added to (or merged over) the built-in catalog's. */
    models: z.array(openAIModelSchema).default([]),
    /** The model the zero-configuration chain asks this endpoint for (after Anthropic and Bedrock); none: not in that chain. */
    fallback_model: z.string().trim().min(1).optional(),
    connect_timeout_ms: positiveMs.default(10_000),
    headers_timeout_ms: positiveMs.default(600_000),
    idle_timeout_ms: positiveMs.default(240_000),
    keep_alive_ms: positiveMs.default(30_000),
  })
  .strict();

export const openAICompatibleSchema = z.record(
  z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_-]*$/, 'must be a lower-case name (letters, digits, - and _)'),
  openAIEndpointSchema,
);

export type OpenAIEndpointConfig = z.infer<typeof openAIEndpointSchema>;
export type OpenAIQuirksConfig = z.infer<typeof openAIQuirksSchema>;
export type OpenAIModelConfig = z.infer<typeof openAIModelSchema>;

/** An OpenAI-compatible endpoint as the gateway uses it: built-in defaults applied. */
export interface OpenAIEndpoint extends Omit<OpenAIEndpointConfig, 'base_url' | 'api_key_env'> {
  readonly name: string;
  readonly base_url: string;
  /** A built-in provider (its key is required to call it). */
  readonly builtin: boolean;
}

export function isBuiltinOpenAIProvider(name: string): name is BuiltinOpenAIProvider {
  return (builtinOpenAIProviders as readonly string[]).includes(name);
}

/**
 * Every OpenAI-compatible endpoint the configuration knows: the four built-in ones (configured
 * or not) then the named ones, in file order. A named endpoint without `base_url` is left out
 * (the schema reports it).
 */
export function openAIEndpoints(config: Readonly<Record<string, OpenAIEndpointConfig>>): OpenAIEndpoint[] {
  const defaults = openAIEndpointSchema.parse({});
  const endpoints: OpenAIEndpoint[] = [];
  for (const name of builtinOpenAIProviders) {
    const { base_url: baseUrl, api_key_env: _env, ...rest } = config[name] ?? defaults;
    endpoints.push({ ...rest, name, base_url: baseUrl ?? defaultOpenAIBaseUrls[name], builtin: true });
  }
  for (const [name, entry] of Object.entries(config)) {
    if (isBuiltinOpenAIProvider(name) || entry.base_url === undefined) continue;
    const { base_url: baseUrl, api_key_env: _env, ...rest } = entry;
    endpoints.push({ ...rest, name, base_url: baseUrl, builtin: false });
  }
  return endpoints;
}

/** Whether a target may name `provider`: Anthropic, Bedrock, a built-in or a configured endpoint. */
export function isKnownProvider(provider: string, config: Readonly<Record<string, OpenAIEndpointConfig>>): boolean {
  return reservedProviderNames.has(provider) || isBuiltinOpenAIProvider(provider) || config[provider] !== undefined;
}

/** Whether the gateway can call an endpoint: a built-in one needs its key; a named one may take none (vLLM, Ollama). */
export function isUsableEndpoint(endpoint: Pick<OpenAIEndpoint, 'builtin' | 'api_key'>): boolean {
  return !endpoint.builtin || endpoint.api_key !== undefined;
}
