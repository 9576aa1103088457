import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const nested = (depth: number) => `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

describe('nestsDeeperThan', () => {
  it.each([
    ['{}', 1, false],
    ['{"a":[1,{"b":[]}]}', 4, false],
    ['{"a":[1,{"b":[]}]}', 3, true],
    // Brackets inside strings, escaped quotes and escaped backslashes do not count.
    ['{"a":"[[[[{{{{","b":"\\"[[[[","c":"\\\\"}', 1, false],
    ['{"a":"\\\\","b":[[]]}', 2, true],
  ] as const)('%s within %i levels: deeper is %s', (text, limit, deeper) => {
    expect(nestsDeeperThan(bytes(text), limit)).toBe(deeper);
  });

  it('counts objects and arrays alike, at the limit and one past it', () => {
    expect(nestsDeeperThan(bytes(nested(MAX_JSON_DEPTH)), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan(bytes(nested(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan(bytes(`{"a":${'{"b":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}}`), MAX_JSON_DEPTH)).toBe(true);
  });

  it('scans a million levels without recursion', () => {
    expect(nestsDeeperThan(bytes(`{"a":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`), MAX_JSON_DEPTH)).toBe(true);
  });
});
