import type { Pricing } from './model-catalog.ts';

/**
 * The OpenAI-compatible providers' models as data (docs/providers.md, "Model catalog"): per
 * provider, the models it serves with their context window, largest output, what they take
 * (tools, images, PDFs, a reasoning knob, `max_completion_tokens`) and their list prices, each
 * dated with its source. `families` give the same knowledge to ids not listed (a dated snapshot,
 * a new model of a known line) by pattern: every matching family applies, the first one to set a
 * field wins, and an exact entry wins over all of them. Configuration adds or overrides models
 * per endpoint (`openai_compatible.<name>.models`).
 *
 * Prices were read from the providers' pricing pages through dated copies (the gateway's builders
 * had no live access to them); `priced_at` says when, `source` where. Check them before trusting
 * a budget to them, and override any in the configuration. Models without a price are listed and
 * routed but a key with a budget needs `pricing.default` (or a `models:` price) to use them.
 */

export interface OpenAIModelCapabilities {
  /** Function tools (`tools`); a request with tools to a model without is a 400. */
  readonly tools: boolean;
  /** Image parts. */
  readonly images: boolean;
  /** PDF `file` parts (in the form the provider takes, quirks.ts `pdf`). */
  readonly pdf: boolean;
  /** Takes the provider's reasoning knob (thinking is dropped and listed for the others). */
  readonly reasoning: boolean;
  /** Groq: takes `reasoning_effort` + `include_reasoning` (gpt-oss) rather than `reasoning_format`. */
  readonly reasoningEffort: boolean;
  /** Takes `max_completion_tokens`, refusing `max_tokens` (OpenAI's reasoning models, Cerebras). */
  readonly maxCompletionTokens: boolean;
  /** The `reasoning_effort` values the model takes, lowest first (Anthropic's `max` goes to the last). */
  readonly efforts: readonly string[];
}

export interface OpenAIModelEntry {
  readonly id: string;
  readonly displayName: string;
  /** Input context window, tokens. */
  readonly contextWindow?: number;
  /** The largest `max_tokens` the model takes. */
  readonly maxOutputTokens?: number;
  readonly capabilities: Partial<OpenAIModelCapabilities>;
  readonly pricing?: Pricing;
}

export interface OpenAIModelFamily {
  readonly pattern: RegExp;
  readonly capabilities: Partial<OpenAIModelCapabilities>;
}

export interface OpenAIProviderModels {
  readonly models: readonly OpenAIModelEntry[];
  readonly families: readonly OpenAIModelFamily[];
}

/** When nothing says otherwise: tools yes; images, PDFs and reasoning as the provider's quirks say. */
export const defaultOpenAICapabilities: Pick<OpenAIModelCapabilities, 'tools' | 'reasoningEffort' | 'maxCompletionTokens' | 'efforts'> = { tools: true, reasoningEffort: false, maxCompletionTokens: false, efforts: ['low', 'medium', 'high'] };

const OPENAI_PRICES = 'https://openai.com/api/pricing (standard tier; cache writes are free, cache reads as listed)';
const GROQ_PRICES = 'https://groq.com/pricing (on-demand; cached input at half price where the model caches)';
const CEREBRAS_PRICES = 'https://www.cerebras.ai/pricing (pay as you go)';
const OPENROUTER_PRICES = "https://openrouter.ai/models (OpenRouter bills the serving provider's list price)";
const DEEPSEEK_PRICES = 'https://api-docs.deepseek.com/quick_start/pricing';

/** A price with no cache-write surcharge (OpenAI-compatible providers charge cache writes as input). */
function price(input: number, output: number, cacheRead: number | undefined, pricedAt: string, source: string): Pricing {
  return { input, output, ...(cacheRead === undefined ? {} : { cache_read: cacheRead }), cache_write_5m: input, cache_write_1h: input, priced_at: pricedAt, source };
}

const openaiPrice = (input: number, output: number, cacheRead: number, pricedAt = '2026-03') => price(input, output, cacheRead, pricedAt, OPENAI_PRICES);
const vision = { images: true, pdf: true } as const;
const reasoner = { ...vision, reasoning: true, maxCompletionTokens: true } as const;
/** OpenAI's efforts by line (its API reference): GPT-5 adds `minimal`, 5.1 `none`, 5.2 `xhigh`. */
const gpt5Efforts = ['minimal', 'low', 'medium', 'high'];
const gpt51Efforts = ['none', 'low', 'medium', 'high'];
const gpt52Efforts = ['none', 'low', 'medium', 'high', 'xhigh'];
const textOnly = { images: false, pdf: false } as const;

function model(id: string, displayName: string, contextWindow: number | undefined, maxOutputTokens: number | undefined, capabilities: Partial<OpenAIModelCapabilities>, pricing?: Pricing): OpenAIModelEntry {
  return {
    id,
    displayName,
    ...(contextWindow === undefined ? {} : { contextWindow }),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    capabilities,
    ...(pricing === undefined ? {} : { pricing }),
  };
}

/** By provider (endpoint) name; a configured endpoint named like a preset (`deepseek`) gets its models too. */
export const openAIModelCatalog: Readonly<Record<string, OpenAIProviderModels>> = {
  openai: {
    models: [
      model('gpt-5.2', 'GPT-5.2', 400_000, 128_000, { ...reasoner, efforts: gpt52Efforts }, openaiPrice(1.75, 14, 0.175)),
      model('gpt-5.1', 'GPT-5.1', 400_000, 128_000, { ...reasoner, efforts: gpt51Efforts }, openaiPrice(1.25, 10, 0.125)),
      model('gpt-5', 'GPT-5', 400_000, 128_000, { ...reasoner, efforts: gpt5Efforts }, openaiPrice(1.25, 10, 0.125)),
      model('gpt-5-mini', 'GPT-5 mini', 400_000, 128_000, { ...reasoner, efforts: gpt5Efforts }, openaiPrice(0.25, 2, 0.025)),
      model('gpt-5-nano', 'GPT-5 nano', 400_000, 128_000, { ...reasoner, efforts: gpt5Efforts }, openaiPrice(0.05, 0.4, 0.005)),
      model('gpt-4.1', 'GPT-4.1', 1_047_576, 32_768, vision, openaiPrice(2, 8, 0.5)),
      model('gpt-4.1-mini', 'GPT-4.1 mini', 1_047_576, 32_768, vision, openaiPrice(0.4, 1.6, 0.1)),
      model('gpt-4.1-nano', 'GPT-4.1 nano', 1_047_576, 32_768, vision, openaiPrice(0.1, 0.4, 0.025)),
      model('gpt-4o', 'GPT-4o', 128_000, 16_384, vision, openaiPrice(2.5, 10, 1.25)),
      model('gpt-4o-mini', 'GPT-4o mini', 128_000, 16_384, vision, openaiPrice(0.15, 0.6, 0.075)),
      model('o3', 'o3', 200_000, 100_000, reasoner, openaiPrice(2, 8, 0.5)),
      model('o4-mini', 'o4-mini', 200_000, 100_000, reasoner, openaiPrice(1.1, 4.4, 0.275)),
      model('o3-mini', 'o3-mini', 200_000, 100_000, { ...reasoner, ...textOnly }, openaiPrice(1.1, 4.4, 0.55)),
    ],
    families: [
      // The reasoning lines take `reasoning_effort` and refuse `max_tokens`.
      { pattern: /^gpt-5\.([2-9]|\d{2,})/, capabilities: { efforts: gpt52Efforts } },
      { pattern: /^gpt-5\.1/, capabilities: { efforts: gpt51Efforts } },
      { pattern: /^gpt-5/, capabilities: { efforts: gpt5Efforts } },
      { pattern: /^(o\d|gpt-5)/, capabilities: { reasoning: true, maxCompletionTokens: true } },
      { pattern: /^gpt-(4o|4\.1|5)/, capabilities: vision },
      { pattern: /./, capabilities: { reasoning: false } },
    ],
  },
  groq: {
    models: [
      model('openai/gpt-oss-120b', 'gpt-oss 120B', 131_072, 65_536, { ...textOnly, reasoning: true, reasoningEffort: true }, price(0.15, 0.6, 0.075, '2026-06', GROQ_PRICES)),
      model('openai/gpt-oss-20b', 'gpt-oss 20B', 131_072, 65_536, { ...textOnly, reasoning: true, reasoningEffort: true }, price(0.075, 0.3, 0.0375, '2025-09', GROQ_PRICES)),
      model('llama-3.3-70b-versatile', 'Llama 3.3 70B Versatile', 131_072, 32_768, { ...textOnly, reasoning: false }, price(0.59, 0.79, undefined, '2025-08', GROQ_PRICES)),
      model('llama-3.1-8b-instant', 'Llama 3.1 8B Instant', 131_072, 131_072, { ...textOnly, reasoning: false }, price(0.05, 0.08, undefined, '2025-08', GROQ_PRICES)),
      model('meta-llama/llama-4-scout-17b-16e-instruct', 'Llama 4 Scout', 131_072, 8_192, { images: true, pdf: false, reasoning: false }, price(0.11, 0.34, undefined, '2025-08', GROQ_PRICES)),
      model('meta-llama/llama-4-maverick-17b-128e-instruct', 'Llama 4 Maverick', 131_072, 8_192, { images: true, pdf: false, reasoning: false }, price(0.2, 0.6, undefined, '2025-08', GROQ_PRICES)),
      model('qwen/qwen3-32b', 'Qwen3 32B', 131_072, 40_960, { ...textOnly, reasoning: true }, price(0.29, 0.59, undefined, '2025-08', GROQ_PRICES)),
      model('moonshotai/kimi-k2-instruct-0905', 'Kimi K2 Instruct', 262_144, 16_384, { ...textOnly, reasoning: false }, price(1, 3, 0.5, '2025-09', GROQ_PRICES)),
    ],
    families: [
      { pattern: /gpt-oss/, capabilities: { reasoning: true, reasoningEffort: true } },
      { pattern: /qwen3|qwq|deepseek-r1|reasoning/, capabilities: { reasoning: true } },
      { pattern: /llama-4/, capabilities: { images: true } },
      { pattern: /./, capabilities: { reasoning: false } },
    ],
  },
  cerebras: {
    models: [model('gpt-oss-120b', 'gpt-oss 120B', 131_072, undefined, { ...textOnly, reasoning: true }, price(0.35, 0.75, undefined, '2025-08', CEREBRAS_PRICES))],
    families: [
      { pattern: /gpt-oss|qwen-3/, capabilities: { reasoning: true } },
      // Cerebras documents `max_completion_tokens` for every model.
      { pattern: /./, capabilities: { reasoning: false, maxCompletionTokens: true } },
    ],
  },
  openrouter: {
    models: [
      model('anthropic/claude-sonnet-4.5', 'Claude Sonnet 4.5 (OpenRouter)', 1_000_000, 64_000, { ...vision, reasoning: true }, { ...price(3, 15, 0.3, '2025-10', OPENROUTER_PRICES), cache_write_5m: 3.75, cache_write_1h: 6 }),
      model('anthropic/claude-haiku-4.5', 'Claude Haiku 4.5 (OpenRouter)', 200_000, 64_000, { ...vision, reasoning: true }, { ...price(1, 5, 0.1, '2025-10', OPENROUTER_PRICES), cache_write_5m: 1.25, cache_write_1h: 2 }),
      model('openai/gpt-5', 'GPT-5 (OpenRouter)', 400_000, 128_000, { ...vision, reasoning: true }, price(1.25, 10, 0.125, '2025-10', OPENROUTER_PRICES)),
      model('openai/gpt-5-mini', 'GPT-5 mini (OpenRouter)', 400_000, 128_000, { ...vision, reasoning: true }, price(0.25, 2, 0.025, '2025-10', OPENROUTER_PRICES)),
      model('openai/gpt-4o-mini', 'GPT-4o mini (OpenRouter)', 128_000, 16_384, { ...vision, reasoning: false }, price(0.15, 0.6, 0.075, '2025-10', OPENROUTER_PRICES)),
      model('google/gemini-2.5-pro', 'Gemini 2.5 Pro (OpenRouter)', 1_048_576, 65_536, { ...vision, reasoning: true }, price(1.25, 10, undefined, '2025-10', OPENROUTER_PRICES)),
      model('google/gemini-2.5-flash', 'Gemini 2.5 Flash (OpenRouter)', 1_048_576, 65_535, { ...vision, reasoning: true }, price(0.3, 2.5, undefined, '2025-10', OPENROUTER_PRICES)),
    ],
    // OpenRouter takes `reasoning` for every model and ignores it where the model has none.
    families: [],
  },
  deepseek: {
    // DeepSeek's `reasoning_effort` (V3.2 and later) takes low, high and max.
    models: [
      model('deepseek-chat', 'DeepSeek V3.2 (non-thinking)', 128_000, 8_192, { ...textOnly, reasoning: true }, price(0.28, 0.42, 0.028, '2025-10', DEEPSEEK_PRICES)),
      model('deepseek-reasoner', 'DeepSeek V3.2 (thinking)', 128_000, 65_536, { ...textOnly, reasoning: true }, price(0.28, 0.42, 0.028, '2025-10', DEEPSEEK_PRICES)),
    ],
    families: [{ pattern: /./, capabilities: { efforts: ['low', 'high', 'max'] } }],
  },
};
