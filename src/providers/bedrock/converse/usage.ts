import type { CacheCreation } from '@anthropic-ai/sdk/resources/messages';
import { isRecord, optionalCount, protocolError, requiredCount } from './values.ts';

/**
 * Converse `TokenUsage` -> Anthropic usage (protocols.md §4.6). `inputTokens` is the uncached
 * input, the same meaning as Anthropic's `input_tokens`; cache reads and writes default to 0;
 * `cacheDetails` (per TTL writes) becomes `cache_creation` when Bedrock sends it.
 */

/** The usage the gateway reports, in `message_delta` and in a non-streaming `Message`. */
export interface ConverseAnthropicUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_read_input_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_creation?: CacheCreation;
}

/** Validates and converts `usage` (unknown upstream JSON); malformed usage is a protocol error. */
export function fromConverseUsage(usage: unknown): ConverseAnthropicUsage {
  if (!isRecord(usage)) throw protocolError('a response without usage.');
  const converted: ConverseAnthropicUsage = {
    input_tokens: requiredCount(usage, 'inputTokens', 'usage'),
    output_tokens: requiredCount(usage, 'outputTokens', 'usage'),
    cache_read_input_tokens: optionalCount(usage, 'cacheReadInputTokens', 'usage') ?? 0,
    cache_creation_input_tokens: optionalCount(usage, 'cacheWriteInputTokens', 'usage') ?? 0,
  };
  const details = usage.cacheDetails;
  if (details === undefined || details === null) return converted;
  return { ...converted, cache_creation: cacheCreation(details) };
}

function cacheCreation(details: unknown): CacheCreation {
  if (!Array.isArray(details)) throw protocolError('usage.cacheDetails that is not a list.');
  const creation: CacheCreation = { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 };
  for (const detail of details) {
    if (!isRecord(detail)) throw protocolError('a usage.cacheDetails entry that is not an object.');
    const tokens = requiredCount(detail, 'inputTokens', 'usage.cacheDetails[]');
    if (detail.ttl === '1h') creation.ephemeral_1h_input_tokens += tokens;
    else if (detail.ttl === '5m') creation.ephemeral_5m_input_tokens += tokens;
    else throw protocolError(`a usage.cacheDetails entry with an unknown ttl ${JSON.stringify(detail.ttl)}.`);
  }
  return creation;
}
