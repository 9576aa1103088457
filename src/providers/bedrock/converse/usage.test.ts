import { describe, expect, it } from 'vitest';
import { fromConverseUsage } from './usage.ts';

describe('fromConverseUsage', () => {
  it.each([
    ['plain usage, cache fields defaulting to 0', { inputTokens: 25, outputTokens: 9, totalTokens: 34 }, { input_tokens: 25, output_tokens: 9, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }],
    [
      'cache reads and writes',
      { inputTokens: 25, outputTokens: 9, totalTokens: 1559, cacheReadInputTokens: 1025, cacheWriteInputTokens: 500 },
      { input_tokens: 25, output_tokens: 9, cache_read_input_tokens: 1025, cache_creation_input_tokens: 500 },
    ],
    [
      'cacheDetails per TTL, 1h before 5m',
      { inputTokens: 3, outputTokens: 1, cacheWriteInputTokens: 3072, cacheDetails: [{ ttl: '1h', inputTokens: 2048 }, { ttl: '5m', inputTokens: 1024 }] },
      { input_tokens: 3, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 3072, cache_creation: { ephemeral_5m_input_tokens: 1024, ephemeral_1h_input_tokens: 2048 } },
    ],
    [
      'an empty cacheDetails list',
      { inputTokens: 3, outputTokens: 1, cacheDetails: [] },
      { input_tokens: 3, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 } },
    ],
    ['null optional fields', { inputTokens: 3, outputTokens: 1, cacheReadInputTokens: null, cacheDetails: null }, { input_tokens: 3, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }],
  ])('converts %s', (_name, usage, expected) => {
    expect(fromConverseUsage(usage)).toEqual(expected);
  });

  it.each([
    [undefined, 'Bedrock Converse sent a response without usage.'],
    [{ outputTokens: 1 }, 'Bedrock Converse sent usage without inputTokens.'],
    [{ inputTokens: '3', outputTokens: 1 }, 'Bedrock Converse sent usage.inputTokens that is not a token count.'],
    [{ inputTokens: 3, outputTokens: -1 }, 'Bedrock Converse sent usage.outputTokens that is not a token count.'],
    [{ inputTokens: 3, outputTokens: 1, cacheDetails: {} }, 'Bedrock Converse sent usage.cacheDetails that is not a list.'],
    [{ inputTokens: 3, outputTokens: 1, cacheDetails: [{ ttl: '1d', inputTokens: 4 }] }, 'Bedrock Converse sent a usage.cacheDetails entry with an unknown ttl "1d".'],
  ])('rejects malformed usage %j', (usage, message) => {
    expect(() => fromConverseUsage(usage)).toThrow(expect.objectContaining({ code: 'GW_UPSTREAM_PROTOCOL', provider: 'bedrock', message }));
  });
});
