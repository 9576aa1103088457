import { countOf, isRecord } from './values.ts';

/**
 * Chat Completions usage -> Anthropic usage (protocols.md §6.4). OpenAI's `prompt_tokens`
 * includes cached tokens; Anthropic's `input_tokens` does not, so the cache reads
 * (`prompt_tokens_details.cached_tokens`, DeepSeek's `prompt_cache_hit_tokens`) and writes
 * (`prompt_tokens_details.cache_write_tokens`) are taken out of it. `output_tokens` is
 * `completion_tokens`, which includes reasoning. Groq reports usage in `x_groq.usage` in
 * streams. Where nothing usable came, the usage is estimated (characters / 4) and marked.
 */

export interface OpenAIAnthropicUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_read_input_tokens: number;
  readonly cache_creation_input_tokens: number;
}

/** The usage object of a response or chunk: `usage`, else Groq's `x_groq.usage`. */
export function usageOf(record: Record<string, unknown>): Record<string, unknown> | undefined {
  if (isRecord(record.usage)) return record.usage;
  const groq = record.x_groq;
  return isRecord(groq) && isRecord(groq.usage) ? groq.usage : undefined;
}

/** Converts a usage object; undefined when it has no prompt or completion count. */
export function fromOpenAIUsage(usage: Record<string, unknown> | undefined): OpenAIAnthropicUsage | undefined {
  const prompt = countOf(usage, 'prompt_tokens');
  const completion = countOf(usage, 'completion_tokens');
  if (usage === undefined || prompt === undefined || completion === undefined) return undefined;
  const details = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : undefined;
  const cacheRead = countOf(details, 'cached_tokens') ?? countOf(usage, 'prompt_cache_hit_tokens') ?? 0;
  const cacheWrite = countOf(details, 'cache_write_tokens') ?? 0;
  return {
    input_tokens: Math.max(0, prompt - cacheRead - cacheWrite),
    output_tokens: completion,
    cache_read_input_tokens: cacheRead,
    cache_creation_input_tokens: cacheWrite,
  };
}

/** A token estimate for text the gateway saw (about 4 characters a token), at least 1 for any text. */
export function estimateTokens(characters: number): number {
  return characters === 0 ? 0 : Math.max(1, Math.ceil(characters / 4));
}

export function estimatedUsage(inputTokensEstimate: number, outputCharacters: number): OpenAIAnthropicUsage {
  return { input_tokens: inputTokensEstimate, output_tokens: estimateTokens(outputCharacters), cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
}
