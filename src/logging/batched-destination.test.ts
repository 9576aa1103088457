import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchedDestination, type LineTarget } from './batched-destination.ts';

function target(backlog = 0): LineTarget & { writes: string[]; backlog: number } {
  return {
    writes: [],
    backlog,
    write(data: string) {
      this.writes.push(data);
      return true;
    },
    get writableLength() {
      return this.backlog;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('BatchedDestination', () => {
  it('writes a batch once it reaches the batch size', () => {
    const out = target();
    const destination = new BatchedDestination(out, { maxBatchBytes: 10 });
    destination.write('abcd\n');
    expect(out.writes).toEqual([]);
    destination.write('efgh\n');
    expect(out.writes).toEqual(['abcd\nefgh\n']);
  });

  it('writes a partial batch after the delay', () => {
    vi.useFakeTimers();
    const out = target();
    const destination = new BatchedDestination(out, { maxBatchBytes: 1000, maxDelayMs: 50 });
    destination.write('one\n');
    destination.write('two\n');
    vi.advanceTimersByTime(49);
    expect(out.writes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(out.writes).toEqual(['one\ntwo\n']);
    vi.advanceTimersByTime(1000);
    expect(out.writes).toHaveLength(1);
  });

  it('flushes on demand and then has nothing left', () => {
    const out = target();
    const destination = new BatchedDestination(out);
    destination.write('last words\n');
    destination.flush();
    destination.flush();
    expect(out.writes).toEqual(['last words\n']);
  });

  it('drops lines while the target is backed up, then reports how many', () => {
    const out = target(100);
    const destination = new BatchedDestination(out, { maxBufferedBytes: 50 });
    destination.write('lost 1\n');
    destination.write('lost 2\n');
    expect(out.writes).toEqual([]);
    out.backlog = 0;
    destination.write('kept\n');
    destination.flush();
    expect(out.writes).toHaveLength(1);
    expect(out.writes[0]).toMatch(/^kept\n\{"level":40,.*"dropped_lines":2,/);
  });
});
