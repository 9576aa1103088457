import { describe, expect, it } from 'vitest';
import { bucketFor, csvCell, decodeCursor, encodeCursor, usageFilter } from './usage-params.ts';

const now = Date.UTC(2026, 11, 7, 12, 0, 0);

describe('admin usage parameters', () => {
  it('defaults to the last 24 hours and takes ISO times or epoch ms', () => {
    expect(usageFilter({}, now, undefined)).toEqual({ from: now - 86_400_000, to: now });
    expect(usageFilter({ from: '2026-12-01T00:00:00Z', to: String(now), outcome: 'error', model: 'claude-x' }, now, undefined)).toEqual({ from: Date.UTC(2026, 11, 1), to: now, outcome: 'error', model: 'claude-x' });
  });

  it("narrows a viewer to its own user, whatever user it names", () => {
    expect(usageFilter({ user_id: 'bob' }, now, 'alice').userId).toBe('alice');
    expect(usageFilter({ user_id: 'bob' }, now, undefined).userId).toBe('bob');
  });

  it.each([
    [{ from: 'yesterday' }, /ISO 8601/],
    [{ from: String(now), to: String(now - 1) }, /before/],
    [{ from: '0', to: String(now) }, /400 days/],
    [{ outcome: 'maybe' }, /outcome/],
    [{ model: ['a', 'b'] }, /more than once/],
    [{ model: 'x\u001b[2J' }, /printable/],
  ])('refuses %j', (query, message) => {
    expect(() => usageFilter(query, now, undefined)).toThrow(message);
  });

  it('round-trips cursors and refuses foreign ones', () => {
    const cursor = { startedAt: now, requestId: 'req_01abc' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(() => decodeCursor('bm90IGEgY3Vyc29y')).toThrow(/cursor/);
  });

  it('picks about 60-120 buckets', () => {
    expect(bucketFor(0, 3_600_000)).toBe(60_000);
    expect(bucketFor(0, 86_400_000)).toBe(15 * 60_000);
    expect(bucketFor(0, 7 * 86_400_000)).toBe(3_600_000 * 3);
    expect(bucketFor(0, 30 * 86_400_000)).toBe(6 * 3_600_000);
  });

  it('writes CSV cells a spreadsheet cannot run', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
  });
});
