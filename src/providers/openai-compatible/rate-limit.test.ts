import { describe, expect, it } from 'vitest';
import { openAIRetryAfterMs, parseDurationMs } from './rate-limit.ts';

const now = Date.parse('2026-12-07T20:00:00Z');

describe('parseDurationMs', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['2m59.56s', 179_560],
    ['20ms', 20],
    ['1h2m', 3_720_000],
    ['7.66s', 7660],
    ['11.382867', 11_383],
    ['', undefined],
    ['soon', undefined],
    ['1x', undefined],
  ])('%s -> %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
});

describe('openAIRetryAfterMs', () => {
  it('prefers retry-after-ms, then retry-after (seconds or a date)', () => {
    expect(openAIRetryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }, now)).toBe(250);
    expect(openAIRetryAfterMs({ 'retry-after': '3' }, now)).toBe(3000);
    expect(openAIRetryAfterMs({ 'retry-after': 'Mon, 07 Dec 2026 20:00:05 GMT' }, now)).toBe(5000);
  });

  it('takes the latest reset among exhausted buckets (OpenAI, Groq)', () => {
    const headers = {
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '6m0s',
    };
    expect(openAIRetryAfterMs(headers, now)).toBe(360_000);
    expect(openAIRetryAfterMs({ ...headers, 'x-ratelimit-remaining-tokens': '5000' }, now)).toBe(1000);
    expect(openAIRetryAfterMs(headers, now, false)).toBeUndefined();
  });

  it('reads Cerebras second counts and OpenRouter epoch milliseconds', () => {
    expect(openAIRetryAfterMs({ 'x-ratelimit-remaining-tokens-minute': '0', 'x-ratelimit-reset-tokens-minute': '11.5', 'x-ratelimit-remaining-requests-day': '14000', 'x-ratelimit-reset-requests-day': '33011.38' }, now)).toBe(11_500);
    expect(openAIRetryAfterMs({ 'x-ratelimit-reset': String(now + 42_000) }, now)).toBe(42_000);
    expect(openAIRetryAfterMs({}, now)).toBeUndefined();
  });
});
