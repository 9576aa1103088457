import { describe, expect, it } from 'vitest';
import { repeatedHeader } from './request-intake.ts';

describe('repeatedHeader', () => {
  const names = new Set(['x-api-key', 'authorization', 'x-gateway-key']);

  it.each([
    [['Authorization', 'Bearer a', 'authorization', 'Bearer b'], 'authorization'],
    [['x-api-key', 'a', 'Host', 'h', 'X-Api-Key', 'b'], 'x-api-key'],
    [['x-api-key', 'a', 'authorization', 'Bearer b', 'x-gateway-key', 'c'], undefined],
    [['accept', 'a', 'accept', 'b'], undefined],
    [[], undefined],
  ])('%j: %s', (rawHeaders, expected) => {
    expect(repeatedHeader(rawHeaders, names)).toBe(expected);
  });
});
