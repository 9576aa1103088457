import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyBudget, BodyLease, declaredLength, readBody } from './body-budget.ts';

function stream(chunks: readonly string[]): PassThrough {
  const payload = new PassThrough();
  for (const chunk of chunks) payload.write(chunk);
  payload.end();
  return payload;
}

describe('readBody within the in-flight budget', () => {
  it('takes a declared body as it arrives, and gives it back once', async () => {
    const budget = new BodyBudget(10);
    const lease = new BodyLease(budget);
    expect((await readBody(stream(['hello', 'world']), { limit: 100, length: 10, lease })).toString()).toBe('helloworld');
    expect(budget.used).toBe(10);
    lease.release();
    lease.release();
    expect(budget.used).toBe(0);
  });

  it('refuses a declared length that does not fit, taking nothing', async () => {
    const budget = new BodyBudget(10);
    budget.tryTake(5);
    await expect(readBody(stream(['x'.repeat(6)]), { limit: 100, length: 6, lease: new BodyLease(budget) })).rejects.toMatchObject({ code: 'GW_OVERLOADED', status: 529 });
    expect(budget.used).toBe(5);
  });

  it('a declared length holds nothing until its bytes arrive: slow senders cannot starve the others', async () => {
    const budget = new BodyBudget(10);
    const slow = new PassThrough();
    const slowLease = new BodyLease(budget);
    const pending = readBody(slow, { limit: 100, length: 10, lease: slowLease });
    slow.write('ab');
    await new Promise((resolve) => setImmediate(resolve));
    expect(budget.used).toBe(2);
    // Another body fits in what the slow one has not sent yet.
    const other = new BodyLease(budget);
    expect((await readBody(stream(['x'.repeat(8)]), { limit: 100, length: 8, lease: other })).length).toBe(8);
    other.release();
    slow.end('cdefghij');
    expect((await pending).toString()).toBe('abcdefghij');
    expect(budget.used).toBe(10);
  });

  it('counts a chunked body as it arrives and refuses it when it would cross the budget', async () => {
    const budget = new BodyBudget(8);
    const lease = new BodyLease(budget);
    await expect(readBody(stream(['1234', '5678', '9']), { limit: 100, length: undefined, lease })).rejects.toMatchObject({ code: 'GW_OVERLOADED' });
    expect(lease.bytes).toBe(8);
    lease.release();
    expect(budget.used).toBe(0);
  });

  it('refuses a body over the limit, declared or not', async () => {
    const budget = new BodyBudget(100);
    await expect(readBody(stream(['x']), { limit: 4, length: 5, lease: new BodyLease(budget) })).rejects.toMatchObject({ code: 'GW_BODY_TOO_LARGE' });
    await expect(readBody(stream(['xxx', 'xxx']), { limit: 4, length: undefined, lease: new BodyLease(budget) })).rejects.toMatchObject({ code: 'GW_BODY_TOO_LARGE' });
  });

  it('refuses a body shorter than its Content-Length', async () => {
    await expect(readBody(stream(['abc']), { limit: 100, length: 4, lease: new BodyLease(new BodyBudget(100)) })).rejects.toMatchObject({ code: 'GW_BODY_NOT_JSON_OBJECT' });
  });

  it('reads Content-Length strictly', () => {
    expect(declaredLength(undefined)).toBeUndefined();
    expect(declaredLength('42')).toBe(42);
    for (const bad of ['-1', '1e3', ' 4', '0x10', '']) expect(() => declaredLength(bad)).toThrow();
  });
});
