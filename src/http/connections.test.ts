import { describe, expect, it } from 'vitest';
import { defaultMaxConnections } from './connections.ts';

describe('defaultMaxConnections', () => {
  it.each([
    ['Max open files            20000                20000                files     \n', 9_872],
    ['Max open files            1024                 4096                 files     \n', 384],
    ['Max open files            256                  256                  files     \n', 64],
    ['Max open files            unlimited            unlimited            files     \n', 50_000],
    [undefined, 4_096],
    ['no such line\n', 4_096],
  ])('%j gives %d', (limits, expected) => {
    expect(defaultMaxConnections(limits)).toBe(expected);
  });
});
