/**
 * What each OpenAI-compatible provider takes, as data (docs/providers.md). The request converter
 * reads only this: a field a provider cannot take is dropped and listed (for a header), a
 * feature it cannot take is a 400 naming it. Configuration can give a named endpoint (vLLM,
 * Ollama, DeepSeek…) its own quirks starting from `generic`. Sources: protocols.md §6.1, §6.6.
 * What each model takes (reasoning, `max_completion_tokens`, images, PDFs, tools) is the model
 * catalog's (config/openai-model-catalog.ts), read through model-traits.ts.
 */

/** How Anthropic's `thinking` reaches the provider's reasoning knob. */
export type ReasoningKnob =
  /** `reasoning_effort: low|medium|high` (OpenAI, Cerebras, most providers). */
  | 'effort'
  /** `reasoning: {max_tokens | effort, enabled}` (OpenRouter). */
  | 'openrouter'
  /** `reasoning_format: parsed|hidden`, `include_reasoning` + `reasoning_effort` for gpt-oss (Groq). */
  | 'groq'
  /** `thinking: {type: enabled|disabled}` (DeepSeek V3.x/V4). */
  | 'deepseek'
  /** No knob: a request with thinking has it dropped and listed. */
  | 'none';

export interface OpenAICompatibleQuirks {
  readonly reasoning: ReasoningKnob;
  /** Image parts (`image_url`), for models the catalog does not say. */
  readonly images: boolean;
  /** PDF documents as `{type:"file", file:{filename, file_data}}`; `url`: URLs too (the catalog says which models take them). */
  readonly pdf: false | 'base64' | 'url';
  /** `top_k` as an extra body field. */
  readonly topK: boolean;
  /** At most this many `stop` strings (more is a 400: fewer would change the answer). */
  readonly maxStopSequences?: number;
  /** `parallel_tool_calls`. */
  readonly parallelToolCalls: boolean;
  /** `response_format: {type:"json_schema"}` for Anthropic's output format. */
  readonly structuredOutputs: boolean;
  /** Where `metadata.user_id` goes; undefined: dropped and listed. */
  readonly userField?: 'user' | 'safety_identifier';
  /** `stream_options: {include_usage: true}` on streaming requests. */
  readonly streamUsage: boolean;
  /** Assistant thinking replayed as `reasoning_content` (DeepSeek wants it back with tool calls). */
  readonly replayReasoning: boolean;
}

export type KnownProvider = 'openai' | 'groq' | 'cerebras' | 'openrouter' | 'deepseek' | 'generic';

export const providerQuirks: Readonly<Record<KnownProvider, OpenAICompatibleQuirks>> = {
  openai: {
    reasoning: 'effort',
    images: true,
    pdf: 'base64',
    topK: false,
    maxStopSequences: 4,
    parallelToolCalls: true,
    structuredOutputs: true,
    userField: 'user',
    streamUsage: true,
    replayReasoning: false,
  },
  groq: {
    reasoning: 'groq',
    images: true,
    pdf: false,
    topK: false,
    maxStopSequences: 4,
    parallelToolCalls: true,
    structuredOutputs: true,
    userField: 'user',
    streamUsage: true,
    replayReasoning: false,
  },
  cerebras: {
    reasoning: 'effort',
    images: false,
    pdf: false,
    topK: false,
    maxStopSequences: 4,
    parallelToolCalls: true,
    structuredOutputs: true,
    userField: 'user',
    streamUsage: true,
    replayReasoning: false,
  },
  openrouter: {
    reasoning: 'openrouter',
    images: true,
    pdf: 'url',
    topK: true,
    parallelToolCalls: true,
    structuredOutputs: true,
    userField: 'user',
    streamUsage: true,
    replayReasoning: false,
  },
  deepseek: {
    reasoning: 'deepseek',
    images: false,
    pdf: false,
    topK: false,
    maxStopSequences: 16,
    parallelToolCalls: false,
    structuredOutputs: false,
    userField: 'user',
    streamUsage: true,
    replayReasoning: true,
  },
  generic: {
    reasoning: 'none',
    images: true,
    pdf: false,
    topK: true,
    parallelToolCalls: true,
    structuredOutputs: true,
    userField: 'user',
    streamUsage: true,
    replayReasoning: false,
  },
};
