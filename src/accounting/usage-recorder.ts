import type { Logger } from '../logging/logger.ts';
import type { AccountingStore, UsageRecord } from '../store/accounting.ts';

/**
 * Writes usage records off the hot path: records wait in a bounded queue and are written in
 * batches (one SQLite transaction, or a few DynamoDB calls) at most every `flushIntervalMs`,
 * one batch at a time. `write` resolves when its record is durable, so a caller can hold the
 * end of an answer until its record is committed (D1: a `kill -9` loses no record of a request
 * whose client got the whole answer). A full queue makes `write` wait for room (backpressure)
 * instead of growing memory; a failing store is retried with backoff and nothing is dropped
 * while the process lives. `close` writes out what is queued.
 */

/** Where batches go: the accounting store (a test may wrap it). */
export type UsageWriter = Pick<AccountingStore, 'writeUsage'>;

export interface UsageRecorderOptions {
  readonly flushIntervalMs: number;
  readonly batchSize: number;
  readonly maxQueue: number;
  /** Seconds from `write` to commit, per record (the write-lag metric). */
  readonly observeLag?: (seconds: number) => void;
  readonly onWriteError?: () => void;
  /** Monotonic ms. */
  readonly now: () => number;
}

interface Pending {
  readonly record: UsageRecord;
  readonly queuedAt: number;
  readonly settle: (error?: Error) => void;
}

const MAX_BACKOFF_MS = 5_000;
const CLOSE_TIMEOUT_MS = 10_000;
const SPLIT_AFTER_FAILURES = 3;
const PROBE_AFTER_FAILURES = 5;

export class UsageRecorder {
  readonly #store: UsageWriter;
  readonly #logger: Logger;
  readonly #options: UsageRecorderOptions;
  #queue: Pending[] = [];
  #waitingForRoom: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #failures = 0;
  #immediate = false;
  #closed = false;

  constructor(store: UsageWriter, logger: Logger, options: UsageRecorderOptions) {
    this.#store = store;
    this.#logger = logger;
    this.#options = options;
  }

  /** Records waiting to be written. */
  get depth(): number {
    return this.#queue.length;
  }

  /** Queues a record and resolves once it is durable (rejects only if the recorder closes first and cannot write it). */
  async write(record: UsageRecord): Promise<void> {
    while (this.#queue.length >= this.#options.maxQueue && !this.#closed) {
      await new Promise<void>((resolve) => this.#waitingForRoom.push(resolve));
    }
    return new Promise<void>((resolve, reject) => {
      this.#push({ record, queuedAt: this.#options.now(), settle: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  }

  /** Writes out everything queued (shutdown, tests), giving up after `timeoutMs` when the store keeps failing. */
  async flush(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    const deadline = this.#options.now() + timeoutMs;
    while ((this.#queue.length > 0 || this.#flushing !== undefined) && this.#options.now() < deadline) {
      if (this.#flushing !== undefined) await this.#flushing;
      else await this.#flushOnce();
    }
  }

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      await this.flush(CLOSE_TIMEOUT_MS);
      if (this.#queue.length > 0) this.#logger.error({ records: this.#queue.length }, 'usage records could not be written before shutdown');
    } finally {
      this.#closed = true;
      for (const pending of this.#queue.splice(0)) pending.settle(new Error('the usage recorder closed before the record was written'));
      for (const wake of this.#waitingForRoom.splice(0)) wake();
    }
  }

  #push(pending: Pending): void {
    if (this.#closed) {
      pending.settle(new Error('the usage recorder is closed'));
      return;
    }
    this.#queue.push(pending);
    if (this.#queue.length >= this.#options.batchSize) this.#schedule(0);
    else this.#schedule(this.#options.flushIntervalMs);
  }

  #schedule(delayMs: number): void {
    if (this.#flushing !== undefined) return;
    if (this.#timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (delayMs === 0) {
      // Group commit: whatever queues during this turn of the event loop is written together.
      if (this.#immediate) return;
      this.#immediate = true;
      setImmediate(() => {
        this.#immediate = false;
        void this.#flushOnce();
      });
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flushOnce();
    }, delayMs);
  }

  #flushOnce(): Promise<void> {
    if (this.#flushing !== undefined) return this.#flushing;
    // After repeated failures, records go one at a time, so one record the store refuses (too
    // large, invalid) is found and cannot hold up the others (#probePast).
    const batch = this.#queue.slice(0, this.#failures >= SPLIT_AFTER_FAILURES ? 1 : this.#options.batchSize);
    if (batch.length === 0) return Promise.resolve();
    this.#flushing = (async () => {
      try {
        await this.#store.writeUsage(batch.map((pending) => pending.record));
        this.#failures = 0;
        this.#queue.splice(0, batch.length);
        const now = this.#options.now();
        for (const pending of batch) {
          this.#options.observeLag?.((now - pending.queuedAt) / 1000);
          pending.settle();
        }
        for (const wake of this.#waitingForRoom.splice(0, batch.length)) wake();
      } catch (error) {
        this.#failures++;
        this.#options.onWriteError?.();
        if (batch.length === 1 && this.#failures >= PROBE_AFTER_FAILURES && (await this.#probePast(batch[0] as Pending, error))) return;
        this.#logger.error({ err: error, records: batch.length, attempt: this.#failures }, 'usage write failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(this.#failures, 7))));
      } finally {
        this.#flushing = undefined;
        if (this.#queue.length > 0 && !this.#closed) this.#reschedule();
      }
    })();
    return this.#flushing;
  }

  #reschedule(): void {
    this.#schedule(this.#queue.length >= this.#options.batchSize || this.#failures > 0 ? 0 : this.#options.flushIntervalMs);
  }

  /**
   * The head record keeps failing on its own. If the record after it can be written, the store
   * is up and refuses this one record (too large, invalid): it is dropped, with an error log,
   * rather than hold every later record back (after one more try of its own). If that one
   * fails too, the store is down: both stay queued. True when both were dealt with.
   */
  async #probePast(head: Pending, headError: unknown): Promise<boolean> {
    const next = this.#queue[1];
    if (next === undefined) return false;
    try {
      await this.#store.writeUsage([next.record]);
    } catch {
      return false;
    }
    this.#queue.splice(0, 2);
    this.#failures = 0;
    next.settle();
    for (const wake of this.#waitingForRoom.splice(0, 2)) wake();
    // The store is up now: one more try tells an outage that just ended from a refused record.
    try {
      await this.#store.writeUsage([head.record]);
      head.settle();
    } catch (error) {
      this.#logger.error({ err: error ?? headError, request_id: head.record.requestId }, 'the store refuses this usage record while it accepts others; dropped');
      head.settle(new Error('the store refused the usage record'));
    }
    return true;
  }
}
