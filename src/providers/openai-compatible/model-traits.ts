import { defaultOpenAICapabilities, type OpenAIModelCapabilities } from '../../config/openai-model-catalog.ts';
import type { OpenAICompatibleQuirks } from './quirks.ts';

/**
 * What one model at one provider takes, pure: the catalog's knowledge of the model
 * (config/openai-models.ts: its entry, or the families its id matches) over the provider's quirks.
 * The request converter reads only this and the quirks; no model id pattern lives in code.
 */

export interface ModelTraits {
  readonly tools: boolean;
  readonly images: boolean;
  /** The PDF form: the provider's (`quirks.pdf`), `base64` for a model said to take PDFs on a provider without a form, false for none. */
  readonly pdf: false | 'base64' | 'url';
  /** Takes the provider's reasoning knob. */
  readonly reasoning: boolean;
  /** Groq: `reasoning_effort` + `include_reasoning` rather than `reasoning_format`. */
  readonly reasoningEffort: boolean;
  readonly maxCompletionTokens: boolean;
  /** The `reasoning_effort` values the model takes, lowest first. */
  readonly efforts: readonly string[];
}

export function modelTraits(quirks: OpenAICompatibleQuirks, known: Partial<OpenAIModelCapabilities> = {}): ModelTraits {
  return {
    tools: known.tools ?? true,
    images: known.images ?? quirks.images,
    pdf: known.pdf === false ? false : known.pdf === true ? quirks.pdf || 'base64' : quirks.pdf,
    reasoning: quirks.reasoning !== 'none' && (known.reasoning ?? true),
    reasoningEffort: known.reasoningEffort ?? false,
    maxCompletionTokens: known.maxCompletionTokens ?? false,
    efforts: known.efforts ?? defaultOpenAICapabilities.efforts,
  };
}

/** Anthropic's efforts, lowest first (`output_config.effort`). */
const anthropicEfforts = ['low', 'medium', 'high', 'xhigh', 'max'];

/**
 * Anthropic's effort -> the one the model takes: the same word when it takes it; `max` the
 * model's highest; another the nearest above it the model takes, else its highest (DeepSeek's
 * low/high/max: `medium` is `high`; GPT-5's up to high: `xhigh` and `max` are `high`; GPT-5.2:
 * `max` is `xhigh`). Pure.
 */
export function providerEffort(effort: string, efforts: readonly string[]): string {
  const highest = efforts.at(-1) ?? effort;
  if (effort === 'max') return highest;
  if (efforts.includes(effort)) return effort;
  const above = anthropicEfforts.slice(anthropicEfforts.indexOf(effort) + 1).find((candidate) => efforts.includes(candidate));
  return above ?? highest;
}
