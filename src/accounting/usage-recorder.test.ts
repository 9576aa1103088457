import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { SqliteAccountingStore } from '../store/sqlite/accounting.ts';
import type { AccountingStore, UsageRecord } from '../store/accounting.ts';
import { UsageRecorder, type UsageRecorderOptions } from './usage-recorder.ts';

const { logger } = createLogger('silent');

function record(requestId: string, state: UsageRecord['state'] = 'complete'): UsageRecord {
  return {
    requestId,
    startedAt: Date.UTC(2026, 10, 22),
    state,
    userId: 'u',
    route: 'messages',
    stream: false,
    inputTokens: 1,
    outputTokens: 2,
    cacheReadTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    costMicros: 3,
    reservedMicros: 0,
    expiresAt: 2_000_000_000,
  };
}

/** A store whose writes are counted, can be made to fail, and can be held open. */
class ControlledStore {
  readonly inner = SqliteAccountingStore.open(':memory:');
  batches: number[] = [];
  failures = 0;
  hold: Promise<void> | undefined;
  /** Request ids the store always refuses (an item too large, say). */
  poison = new Set<string>();

  get store(): AccountingStore {
    return new Proxy(this.inner, {
      get: (target, property, receiver) => {
        if (property === 'writeUsage') {
          return async (records: readonly UsageRecord[]) => {
            if (this.hold !== undefined) await this.hold;
            if (this.failures > 0) {
              this.failures--;
              throw new Error('disk on fire');
            }
            if (records.some((record) => this.poison.has(record.requestId))) throw new Error('item too large');
            this.batches.push(records.length);
            return target.writeUsage(records);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}

const options = (overrides: Partial<UsageRecorderOptions> = {}): UsageRecorderOptions => ({ flushIntervalMs: 0, batchSize: 100, maxQueue: 1_000, now: () => performance.now(), ...overrides });

describe('UsageRecorder', () => {
  let controlled: ControlledStore;
  afterEach(async () => controlled.inner.close());

  it('group-commits what queues in one turn and resolves each write once it is durable', async () => {
    controlled = new ControlledStore();
    const lags: number[] = [];
    const recorder = new UsageRecorder(controlled.store, logger, options({ observeLag: (seconds) => lags.push(seconds) }));
    await Promise.all(Array.from({ length: 50 }, (_unused, index) => recorder.write(record(`req_${index}`))));
    expect(controlled.batches).toEqual([50]);
    expect(lags).toHaveLength(50);
    expect(await controlled.inner.getUsage('req_49')).toMatchObject({ state: 'complete', outputTokens: 2 });
    await recorder.close();
  });

  it('splits into batches of batchSize', async () => {
    controlled = new ControlledStore();
    const recorder = new UsageRecorder(controlled.store, logger, options({ batchSize: 8 }));
    await Promise.all(Array.from({ length: 20 }, (_unused, index) => recorder.write(record(`req_${index}`))));
    expect(controlled.batches).toEqual([8, 8, 4]);
    await recorder.close();
  });

  it('retries a failing store without dropping or reordering anything', async () => {
    controlled = new ControlledStore();
    controlled.failures = 2;
    let errors = 0;
    const recorder = new UsageRecorder(controlled.store, logger, options({ onWriteError: () => errors++ }));
    const written = [recorder.write(record('req_a', 'in_progress')), recorder.write(record('req_a', 'complete')), recorder.write(record('req_b'))];
    await Promise.all(written);
    expect(errors).toBe(2);
    expect(await controlled.inner.getUsage('req_a')).toMatchObject({ state: 'complete' });
    expect(await controlled.inner.getUsage('req_b')).toMatchObject({ state: 'complete' });
    await recorder.close();
  });

  it('one record the store always refuses is dropped once others are accepted; an outage drops nothing', async () => {
    controlled = new ControlledStore();
    controlled.poison.add('req_bad');
    const recorder = new UsageRecorder(controlled.store, logger, options());
    const bad = recorder.write(record('req_bad'));
    const good = [recorder.write(record('req_1')), recorder.write(record('req_2'))];
    await expect(bad).rejects.toThrow('refused');
    await Promise.all(good);
    expect(await controlled.inner.getUsage('req_2')).toBeDefined();
    expect(await controlled.inner.getUsage('req_bad')).toBeUndefined();

    // Every write failing for a while (the store is down): records wait, none is dropped.
    controlled.failures = 7;
    const waiting = [recorder.write(record('req_3')), recorder.write(record('req_4'))];
    await Promise.all(waiting);
    expect(await controlled.inner.getUsage('req_3')).toBeDefined();
    expect(await controlled.inner.getUsage('req_4')).toBeDefined();
    await recorder.close();
  }, 20_000);

  it('a full queue makes writers wait (backpressure) instead of growing', async () => {
    controlled = new ControlledStore();
    let open!: () => void;
    controlled.hold = new Promise<void>((resolve) => (open = resolve));
    const recorder = new UsageRecorder(controlled.store, logger, options({ maxQueue: 4, batchSize: 4 }));
    let settled = 0;
    const writes = Array.from({ length: 10 }, (_unused, index) => recorder.write(record(`req_${index}`)).then(() => settled++));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(recorder.depth).toBe(4);
    expect(settled).toBe(0);
    controlled.hold = undefined;
    open();
    await Promise.all(writes);
    expect(settled).toBe(10);
    expect(controlled.batches.reduce((sum, size) => sum + size, 0)).toBe(10);
    expect(Math.max(...controlled.batches)).toBeLessThanOrEqual(4);
    await recorder.close();
  });

  it('close writes out what is queued; a write after close rejects', async () => {
    controlled = new ControlledStore();
    const recorder = new UsageRecorder(controlled.store, logger, options({ flushIntervalMs: 60_000 }));
    const pending = recorder.write(record('req_late'));
    await recorder.close();
    await pending;
    expect(await controlled.inner.getUsage('req_late')).toBeDefined();
    await expect(recorder.write(record('req_after'))).rejects.toThrow('closed');
  });
});
