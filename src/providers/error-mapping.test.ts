import { describe, expect, it } from 'vitest';
import { fromAnthropicError } from './anthropic/errors.ts';
import { fromBedrockError } from './bedrock/errors.ts';
import { fromOpenAIError } from './openai-compatible/errors.ts';

/**
 * Every provider reads an upstream status through the registry's one status table, so a status
 * means the same to routing whichever provider answered it (an Anthropic 520 used to be relayed
 * while a Bedrock 520 moved on). The one difference is Bedrock's own: its 401 is the gateway's
 * AWS credential (`credentials`, moves on), where Anthropic's is the client's (relayed).
 */
const statuses = [400, 402, 403, 404, 405, 408, 409, 410, 413, 415, 422, 429, 451, 499, 500, 501, 502, 503, 504, 505, 520, 521, 522, 524, 529, 530, 599];

describe('providers classify a status the same way', () => {
  it.each(statuses)('%i', (status) => {
    const anthropic = fromAnthropicError(status, {}, '');
    const bedrock = fromBedrockError(status, {}, '');
    expect({ code: bedrock.code, fallback: bedrock.fallback, retryable: bedrock.retryable }).toEqual({ code: anthropic.code, fallback: anthropic.fallback, retryable: anthropic.retryable });
  });

  it('every 5xx moves on, no 4xx but 408 and 429 does', () => {
    for (const status of statuses) {
      const fallback = fromAnthropicError(status, {}, '').fallback;
      expect(fallback !== undefined, String(status)).toBe(status >= 500 || status === 408 || status === 429);
    }
  });

  it('OpenAI-compatible providers too, except their 401 (the gateway’s key) and 402 (the gateway’s credits)', () => {
    for (const status of statuses) {
      const anthropic = fromAnthropicError(status, {}, '');
      const openai = fromOpenAIError(status, {}, '', { provider: 'openai', nowMs: 0 });
      if (status === 402) expect([openai.code, openai.fallback], String(status)).toEqual(['GW_UPSTREAM_CREDITS_EXHAUSTED', 'credentials']);
      else expect({ code: openai.code, fallback: openai.fallback, retryable: openai.retryable }, String(status)).toEqual({ code: anthropic.code, fallback: anthropic.fallback, retryable: anthropic.retryable });
    }
    expect(fromOpenAIError(401, {}, '', { provider: 'openai', nowMs: 0 }).fallback).toBe('credentials');
  });

  it('a 401 is the client’s at Anthropic, the gateway’s own at Bedrock', () => {
    expect(fromAnthropicError(401, {}, '').fallback).toBeUndefined();
    expect(fromBedrockError(401, {}, '').fallback).toBe('credentials');
  });
});
