import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retry-after.ts';

const now = Date.parse('2026-11-22T10:00:00Z');

describe('retryAfterMs', () => {
  it.each([
    [{ 'retry-after': '7' }, 7_000],
    [{ 'retry-after': '0' }, 0],
    [{ 'retry-after': '1.5' }, 1_500],
    [{ 'retry-after-ms': '250', 'retry-after': '7' }, 250],
    [{ 'retry-after': 'Sun, 22 Nov 2026 10:00:30 GMT' }, 30_000],
    [{ 'retry-after': 'Sun, 22 Nov 2026 09:59:00 GMT' }, 0],
    [{ 'anthropic-ratelimit-requests-reset': '2026-11-22T10:00:12Z', 'anthropic-ratelimit-tokens-reset': '2026-11-22T10:00:40Z' }, 40_000],
    [{ 'anthropic-ratelimit-unified-status': 'rejected', 'anthropic-ratelimit-unified-reset': String(now / 1000 + 3600) }, 3_600_000],
    [{ 'anthropic-ratelimit-unified-5h-status': 'allowed', 'anthropic-ratelimit-unified-5h-reset': String(now / 1000 + 600), 'anthropic-ratelimit-unified-7d-status': 'rejected', 'anthropic-ratelimit-unified-7d-reset': String(now / 1000 + 7200) }, 7_200_000],
    [{ 'retry-after': '32.2' }, 32_200],
    [{ 'retry-after-ms': '1500.5' }, 1_501],
    [{ 'anthropic-ratelimit-requests-reset': '2026-11-22T10:00:12Z', 'anthropic-ratelimit-requests-remaining': '40', 'anthropic-ratelimit-tokens-reset': '2026-11-22T10:00:05Z', 'anthropic-ratelimit-tokens-remaining': '0' }, 5_000],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%j -> %s', (headers, expected) => {
    expect(retryAfterMs(headers, now)).toBe(expected);
  });

  it('reads the reset headers only for a 429', () => {
    expect(retryAfterMs({ 'anthropic-ratelimit-requests-reset': '2026-11-22T10:00:12Z', 'anthropic-ratelimit-requests-remaining': '0' }, now, false)).toBeUndefined();
  });
});
