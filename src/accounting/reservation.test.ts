import { describe, expect, it } from 'vitest';
import { COUNT_MARGIN, reservedInput, worstCaseMicros, type RequestSize } from './reservation.ts';

const sonnet = { input: 3, output: 15, cache_read: 0.3, cache_write_5m: 3.75, cache_write_1h: 6 };
const haiku = { input: 1, output: 5 };
const size: RequestSize = { inputBound: 10_000, inputEstimate: 2_500, maxTokens: 1_000, cacheWrite: 'none' };

describe('worstCaseMicros', () => {
  it('prices the input bound and max_tokens at the dearest target', () => {
    const targets = [
      { pricing: haiku, tier: undefined, inputTokens: 10_000 },
      { pricing: sonnet, tier: undefined, inputTokens: 10_000 },
    ];
    expect(worstCaseMicros(targets, size, undefined)).toBe(10_000 * 3 + 1_000 * 15);
  });

  it('prices the input as a cache write when the request may write the cache', () => {
    const targets = [{ pricing: sonnet, tier: undefined, inputTokens: 10_000 }];
    expect(worstCaseMicros(targets, { ...size, cacheWrite: '5m' }, undefined)).toBe(10_000 * 3.75 + 15_000);
    expect(worstCaseMicros(targets, { ...size, cacheWrite: '1h' }, undefined)).toBe(10_000 * 6 + 15_000);
    // Without cache prices, Anthropic's multipliers apply (2× for an hour).
    expect(worstCaseMicros([{ pricing: haiku, tier: undefined, inputTokens: 10_000 }], { ...size, cacheWrite: '1h' }, undefined)).toBe(10_000 * 2 + 5_000);
  });

  it('applies the priority multiplier when the key or a Bedrock target asks for it, never the flex discount', () => {
    const target = { pricing: haiku, inputTokens: 10_000 };
    const base = 10_000 + 5_000;
    expect(worstCaseMicros([{ ...target, tier: 'flex' }], size, 'flex')).toBe(base);
    expect(worstCaseMicros([{ ...target, tier: 'priority' }], size, undefined)).toBe(base * 1.75);
    expect(worstCaseMicros([{ ...target, tier: undefined }], size, 'priority')).toBe(base * 1.75);
  });
});

describe('reservedInput', () => {
  it('is the bound, or the counted size with its margin but never above the bound', () => {
    expect(reservedInput(size, undefined)).toBe(10_000);
    expect(reservedInput(size, 4_000)).toBe(Math.ceil(4_000 * COUNT_MARGIN));
    expect(reservedInput(size, 9_900)).toBe(10_000);
  });
});
