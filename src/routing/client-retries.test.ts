import { describe, expect, it } from 'vitest';
import { clientRetriesItself, maySameTargetRetry, type SameTargetRetry } from './client-retries.ts';

describe('clientRetriesItself', () => {
  it.each([
    [{}, false],
    [{ 'x-api-key': 'sk-ant-api03-x' }, false],
    [{ 'x-stainless-retry-count': '0' }, true],
    [{ 'x-stainless-retry-count': '2' }, true],
    [{ 'x-stainless-retry-count': ['0', '1'] }, true],
    [{ 'x-stainless-retry-count': '' }, true],
  ])('%j -> %s', (headers, expected) => {
    expect(clientRetriesItself(headers)).toBe(expected);
  });
});

describe('maySameTargetRetry', () => {
  const base: SameTargetRetry = { trigger: 'rate_limited', retryAfterMs: 1_000, thresholdMs: 30_000, retried: false, clientRetries: false };
  it.each<[string, Partial<SameTargetRetry>, boolean]>([
    ['a short rate limit, a client that does not retry', {}, true],
    ['a wait exactly at the threshold', { retryAfterMs: 30_000 }, true],
    ['a wait past the threshold', { retryAfterMs: 30_001 }, false],
    ['no retry-after', { retryAfterMs: undefined }, false],
    ['already retried once', { retried: true }, false],
    ['a client that retries by itself', { clientRetries: true }, false],
    ['an overload (never waited for)', { trigger: 'overloaded' }, false],
  ])('%s', (_name, change, expected) => {
    expect(maySameTargetRetry({ ...base, ...change })).toBe(expected);
  });
});
