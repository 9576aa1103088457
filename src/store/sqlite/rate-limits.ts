import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  closedLimiterError,
  leavesInMs,
  rateWindowMs,
  toDecision,
  tokenBucketMs,
  tokenWaitMs,
  validateRequest,
  validateTokens,
  type RateDecision,
  type RateLimiter,
  type RateLimits,
  type TokenBucket,
} from '../rate-limits.ts';
import { closeSqlite, GroupCommit, inTransaction, openSqlite, type OpenSqliteOptions } from './database.ts';

/**
 * Rate-limit windows in the gateway's SQLite file: exact sliding windows shared by every process
 * on the host that opens the same file. Each decision is one `BEGIN IMMEDIATE` transaction (drop
 * the key's requests that left the window, count, record the admitted request), so two
 * processes never both take the last slot.
 *
 * Tables (migration 6), both clustered on (key, at) so a key's window is one range of one B-tree
 * and a write touches one B-tree: `rate_limit_requests` holds how many requests a key was
 * admitted per millisecond (only when it has an `rpm`; a key without one keeps no log), and
 * `rate_limit_tokens` its tokens per bucket of a second (`at` = the bucket's start), like the
 * memory limiter. Each key's number of requests in its window is kept in `rate_limit_counts`
 * (migration 4), so a decision does not count its window, and the tokens are summed by SQLite,
 * read row by row only when a key is over its `tpm`. Rows of keys no longer used are deleted
 * (and the counts recomputed) every `pruneIntervalMs`.
 */

export interface SqliteRateLimiterOptions {
  /** Events of every key that left the window are deleted at most this often (by `now`). Default 60 s. */
  readonly pruneIntervalMs?: number;
  /** Whether `close` closes the database too (true when the limiter opened it). Default false. */
  readonly ownsDatabase?: boolean;
}

interface Statements {
  readonly requestCount: StatementSync;
  readonly dropRequests: StatementSync;
  readonly countRequests: StatementSync;
  readonly requestTimes: StatementSync;
  readonly addRequest: StatementSync;
  readonly setRequestCount: StatementSync;
  readonly dropTokens: StatementSync;
  readonly sumTokens: StatementSync;
  readonly tokenBuckets: StatementSync;
  readonly addTokens: StatementSync;
  readonly pruneRequests: StatementSync;
  readonly pruneTokens: StatementSync;
  readonly recount: StatementSync;
  readonly dropEmptyCounts: StatementSync;
}

const bucketMs = tokenBucketMs(rateWindowMs);

export class SqliteRateLimiter implements RateLimiter {
  readonly kind = 'sqlite';
  readonly #database: DatabaseSync;
  readonly #ownsDatabase: boolean;
  readonly #pruneIntervalMs: number;
  #statements: Statements | undefined;
  #lastPrune = Number.NEGATIVE_INFINITY;
  /** Tokens recorded this turn of the event loop, by key and bucket start, written on the next. */
  #pendingTokens = new Map<string, Map<number, number>>();
  readonly #group: GroupCommit;

  /** Opens (creating and migrating) the file at `path`; the limiter closes it on `close`. */
  static open(path: string, options: SqliteRateLimiterOptions & OpenSqliteOptions = {}): SqliteRateLimiter {
    return new SqliteRateLimiter(openSqlite(path, options), { ...options, ownsDatabase: true });
  }

  /** Uses an already opened and migrated database (see `openSqlite`), shared with other stores. */
  constructor(database: DatabaseSync, options: SqliteRateLimiterOptions = {}) {
    this.#database = database;
    this.#ownsDatabase = options.ownsDatabase ?? false;
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    this.#group = new GroupCommit(database);
    this.#statements = {
      requestCount: database.prepare('SELECT requests FROM rate_limit_counts WHERE key = ?'),
      dropRequests: database.prepare('DELETE FROM rate_limit_requests WHERE key = ? AND at <= ? RETURNING requests'),
      countRequests: database.prepare('SELECT coalesce(sum(requests), 0) AS count FROM rate_limit_requests WHERE key = ?'),
      requestTimes: database.prepare('SELECT at, requests FROM rate_limit_requests WHERE key = ? ORDER BY at'),
      addRequest: database.prepare('INSERT INTO rate_limit_requests (key, at, requests) VALUES (?, ?, 1) ON CONFLICT (key, at) DO UPDATE SET requests = requests + 1'),
      setRequestCount: database.prepare('INSERT INTO rate_limit_counts (key, requests) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET requests = excluded.requests'),
      dropTokens: database.prepare('DELETE FROM rate_limit_tokens WHERE key = ? AND at <= ?'),
      sumTokens: database.prepare('SELECT coalesce(sum(amount), 0) AS total FROM rate_limit_tokens WHERE key = ?'),
      tokenBuckets: database.prepare('SELECT at, amount FROM rate_limit_tokens WHERE key = ? ORDER BY at'),
      addTokens: database.prepare('INSERT INTO rate_limit_tokens (key, at, amount) VALUES (?, ?, ?) ON CONFLICT (key, at) DO UPDATE SET amount = amount + excluded.amount'),
      // Key by key (the counts name every key with requests): the primary key finds each range.
      pruneRequests: database.prepare('DELETE FROM rate_limit_requests WHERE key IN (SELECT key FROM rate_limit_counts) AND at <= ?'),
      pruneTokens: database.prepare('DELETE FROM rate_limit_tokens WHERE at <= ?'),
      recount: database.prepare('UPDATE rate_limit_counts SET requests = (SELECT coalesce(sum(r.requests), 0) FROM rate_limit_requests r WHERE r.key = rate_limit_counts.key)'),
      dropEmptyCounts: database.prepare('DELETE FROM rate_limit_counts WHERE requests = 0'),
    };
  }

  async admit(key: string, limits: RateLimits, now: number): Promise<RateDecision> {
    const statements = this.#open();
    validateRequest(key, limits, now);
    if (limits.rpm === undefined && limits.tpm === undefined) return { allowed: true };
    this.#pruneOccasionally(statements, now);
    // Decisions of one turn of the event loop commit together (database.ts, GroupCommit); each
    // sees those before it, and the write lock keeps other processes out meanwhile.
    return this.#group.run(() => {
      // The key's request count is kept beside its requests, so a decision costs the same
      // whatever the limit (counting a 10,000-request window each time would not).
      const stored = statements.requestCount.get(key)?.['requests'];
      const dropped = statements.dropRequests.all(key, now - rateWindowMs).reduce((sum, row) => sum + toInteger(row['requests']), 0);
      const count = stored === undefined ? toInteger(statements.countRequests.get(key)?.['count']) : Math.max(0, toInteger(stored) - dropped);
      statements.dropTokens.run(key, now - rateWindowMs);
      const requestWait = limits.rpm === undefined ? undefined : this.#requestWait(statements, key, limits.rpm, count, now);
      const tokenWait = limits.tpm === undefined ? undefined : this.#tokenWait(statements, key, limits.tpm, now);
      const decision = toDecision(requestWait, tokenWait);
      const admitted = decision.allowed && limits.rpm !== undefined;
      if (admitted) statements.addRequest.run(key, now);
      if (stored === undefined || dropped > 0 || admitted) statements.setRequestCount.run(key, count + (admitted ? 1 : 0));
      return decision;
    });
  }

  /**
   * Tokens recorded during one turn of the event loop are written together with that turn's
   * decisions, in one transaction on the next (group commit: one commit for many finished
   * requests, not one each); `admit` counts them meanwhile. Resolves once they are written.
   */
  async recordTokens(key: string, tokens: number, now: number): Promise<void> {
    const statements = this.#open();
    validateTokens(key, tokens, now);
    if (tokens === 0) return;
    const start = Math.floor(now / bucketMs) * bucketMs;
    const buckets = this.#pendingTokens.get(key) ?? new Map<number, number>();
    buckets.set(start, (buckets.get(start) ?? 0) + tokens);
    this.#pendingTokens.set(key, buckets);
    await this.#group.run(() => this.#writePendingTokens(statements));
  }

  #writePendingTokens(statements: Statements): void {
    const pending = this.#pendingTokens;
    if (pending.size === 0) return;
    this.#pendingTokens = new Map();
    for (const [key, buckets] of pending) for (const [start, tokens] of buckets) statements.addTokens.run(key, start, tokens);
  }

  /** Tokens of `key` recorded but not yet written, in the window at `now`. */
  #pendingFor(key: string, now: number): TokenBucket[] {
    const buckets = this.#pendingTokens.get(key);
    if (buckets === undefined) return [];
    return [...buckets].filter(([start]) => start > now - rateWindowMs).map(([start, tokens]) => ({ start, tokens }));
  }

  async close(): Promise<void> {
    if (this.#statements === undefined) return;
    this.#group.flush();
    this.#statements = undefined;
    if (this.#ownsDatabase) await closeSqlite(this.#database);
  }

  #open(): Statements {
    if (this.#statements === undefined) throw closedLimiterError(this.kind);
    return this.#statements;
  }

  /** With `rpm` or more requests in the window, how long until enough have left it. */
  #requestWait(statements: Statements, key: string, rpm: number, count: number, now: number): number | undefined {
    if (count < rpm) return undefined;
    // The (count - rpm)th oldest request (0-based) is the one whose leaving frees a slot.
    let seen = 0;
    for (const row of statements.requestTimes.iterate(key)) {
      seen += toInteger(row['requests']);
      if (seen > count - rpm) return leavesInMs(toInteger(row['at']), now, rateWindowMs);
    }
    return rateWindowMs; // unreachable while the count matches the rows
  }

  /** Over `tpm`: how long until enough tokens have left the window (the buckets read only then). */
  #tokenWait(statements: Statements, key: string, tpm: number, now: number): number | undefined {
    const pending = this.#pendingFor(key, now);
    const total = toInteger(statements.sumTokens.get(key)?.['total']) + pending.reduce((sum, bucket) => sum + bucket.tokens, 0);
    if (total < tpm) return undefined;
    const buckets = [...readBuckets(statements, key), ...pending].sort((left, right) => left.start - right.start);
    return tokenWaitMs(buckets, tpm, now, rateWindowMs);
  }

  #pruneOccasionally(statements: Statements, now: number): void {
    if (now - this.#lastPrune < this.#pruneIntervalMs) return;
    this.#lastPrune = now;
    this.#transaction(() => {
      statements.pruneRequests.run(now - rateWindowMs);
      statements.pruneTokens.run(now - rateWindowMs);
      statements.recount.run();
      statements.dropEmptyCounts.run();
    });
  }

  /** One write transaction (see `inTransaction`). */
  #transaction<T>(body: () => T): T {
    return inTransaction(this.#database, body);
  }
}

function readBuckets(statements: Statements, key: string): TokenBucket[] {
  return statements.tokenBuckets.all(key).map((row) => ({ start: toInteger(row['at']), tokens: toInteger(row['amount']) }));
}

function toInteger(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  throw new Error('the rate_limit_events table holds a malformed row');
}
