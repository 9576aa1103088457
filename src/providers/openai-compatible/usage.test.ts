import { describe, expect, it } from 'vitest';
import { estimatedUsage, fromOpenAIUsage, usageOf } from './usage.ts';

describe('fromOpenAIUsage', () => {
  it('takes cached tokens out of prompt_tokens (OpenAI counts them inside)', () => {
    const usage = { prompt_tokens: 1000, completion_tokens: 50, total_tokens: 1050, prompt_tokens_details: { cached_tokens: 800 }, completion_tokens_details: { reasoning_tokens: 20 } };
    expect(fromOpenAIUsage(usage)).toEqual({ input_tokens: 200, output_tokens: 50, cache_read_input_tokens: 800, cache_creation_input_tokens: 0 });
  });

  it('reads cache writes (OpenRouter) and DeepSeek prompt_cache_hit_tokens', () => {
    expect(fromOpenAIUsage({ prompt_tokens: 1000, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 300 } })).toEqual({
      input_tokens: 600,
      output_tokens: 5,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 300,
    });
    expect(fromOpenAIUsage({ prompt_tokens: 64, completion_tokens: 5, prompt_cache_hit_tokens: 60, prompt_cache_miss_tokens: 4 })).toEqual({
      input_tokens: 4,
      output_tokens: 5,
      cache_read_input_tokens: 60,
      cache_creation_input_tokens: 0,
    });
  });

  it('is undefined without counts, and reads Groq x_groq.usage', () => {
    expect(fromOpenAIUsage(undefined)).toBeUndefined();
    expect(fromOpenAIUsage({ total_tokens: 3 })).toBeUndefined();
    expect(usageOf({ x_groq: { id: 'req_1', usage: { prompt_tokens: 3, completion_tokens: 2 } } })).toEqual({ prompt_tokens: 3, completion_tokens: 2 });
  });

  it('estimates about 4 characters a token', () => {
    expect(estimatedUsage(12, 9)).toEqual({ input_tokens: 12, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    expect(estimatedUsage(0, 0).output_tokens).toBe(0);
  });
});
