import { closedLimiterError, leavesInMs, rateWindowMs, toDecision, tokenBucketMs, tokenWaitMs, validateRequest, validateTokens, type RateDecision, type RateLimiter, type RateLimits, type TokenBucket } from '../rate-limits.ts';

/** The in-memory backend of the rate limiter (the contract and its semantics: ../rate-limits.ts). */

export interface MemoryRateLimiterOptions {
  /** Most keys kept; above it the least recently used key is forgotten. Default 10,000. */
  readonly maxKeys?: number;
  /** Idle keys (nothing left in their window) are swept at most this often, by `now`. Default 60 s. */
  readonly pruneIntervalMs?: number;
}

const memoryBucketMs = tokenBucketMs(rateWindowMs);

/** One key's window: admitted request times and token buckets, oldest first. */
interface KeyWindow {
  requests: number[];
  /** `requests` before this index have left the window (dropped in batches). */
  head: number;
  buckets: TokenBucket[];
  /** The latest time recorded: the key is idle once it has left the window. */
  latest: number;
}

/**
 * One process's windows: the default when no shared store is configured, and the reference
 * the other backends are tested against. Requests are a sliding log per key (at most `rpm`
 * entries, since refused requests are not logged); tokens are per-second buckets. Memory is
 * bounded: at most `maxKeys` keys (the least recently used goes first, which lets that key
 * start afresh), and idle keys are swept.
 */
export class MemoryRateLimiter implements RateLimiter {
  readonly kind = 'memory';
  readonly #windows = new Map<string, KeyWindow>();
  readonly #maxKeys: number;
  readonly #pruneIntervalMs: number;
  #lastPrune = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    if (!Number.isSafeInteger(this.#maxKeys) || this.#maxKeys < 1) throw new RangeError('maxKeys must be a positive integer');
  }

  /** How many keys are held (for tests and metrics). */
  get size(): number {
    return this.#windows.size;
  }

  async admit(key: string, limits: RateLimits, now: number): Promise<RateDecision> {
    this.#assertOpen();
    validateRequest(key, limits, now);
    if (limits.rpm === undefined && limits.tpm === undefined) return { allowed: true };
    const window = this.#window(key, now);
    const since = now - rateWindowMs;
    while (window.head < window.requests.length && (window.requests[window.head] as number) <= since) window.head++;
    while (window.buckets.length > 0 && (window.buckets[0] as TokenBucket).start <= since) window.buckets.shift();
    const count = window.requests.length - window.head;
    const requestWait =
      limits.rpm === undefined || count < limits.rpm ? undefined : leavesInMs(window.requests[window.requests.length - limits.rpm] as number, now, rateWindowMs);
    const tokenWait = limits.tpm === undefined ? undefined : tokenWaitMs(window.buckets, limits.tpm, now, rateWindowMs);
    const decision = toDecision(requestWait, tokenWait);
    if (decision.allowed && limits.rpm !== undefined) {
      if (window.head > 0 && window.head * 2 >= window.requests.length) {
        window.requests.splice(0, window.head);
        window.head = 0;
      }
      insertSorted(window.requests, now, window.head);
      window.latest = Math.max(window.latest, now);
    }
    return decision;
  }

  async recordTokens(key: string, tokens: number, now: number): Promise<void> {
    this.#assertOpen();
    validateTokens(key, tokens, now);
    if (tokens === 0) return;
    const window = this.#window(key, now);
    const start = Math.floor(now / memoryBucketMs) * memoryBucketMs;
    const index = window.buckets.findLastIndex((bucket) => bucket.start <= start);
    const found = window.buckets[index];
    if (found?.start === start) window.buckets[index] = { start, tokens: found.tokens + tokens };
    else window.buckets.splice(index + 1, 0, { start, tokens });
    window.latest = Math.max(window.latest, now);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#windows.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw closedLimiterError(this.kind);
  }

  /** The key's window, now the most recently used; sweeps idle keys and keeps the cap. */
  #window(key: string, now: number): KeyWindow {
    if (now - this.#lastPrune >= this.#pruneIntervalMs) {
      this.#lastPrune = now;
      for (const [held, window] of this.#windows) if (window.latest <= now - rateWindowMs) this.#windows.delete(held);
    }
    let window = this.#windows.get(key);
    if (window === undefined) window = { requests: [], head: 0, buckets: [], latest: now };
    else this.#windows.delete(key);
    this.#windows.set(key, window);
    if (this.#windows.size > this.#maxKeys) {
      const oldest = this.#windows.keys().next();
      if (oldest.done !== true) this.#windows.delete(oldest.value);
    }
    return window;
  }
}

/** Inserts `time` keeping `times[from…]` ascending (almost always an append). */
function insertSorted(times: number[], time: number, from: number): void {
  let index = times.length;
  while (index > from && (times[index - 1] as number) > time) index--;
  times.splice(index, 0, time);
}
