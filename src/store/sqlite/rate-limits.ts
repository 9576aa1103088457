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
import { closeSqlite, inTransaction, openSqlite, type OpenSqliteOptions } from './database.ts';

/**
 * Rate-limit windows in the gateway's SQLite file (table `rate_limit_events`, migration 3):
 * exact sliding windows shared by every process on the host that opens the same file. Each
 * decision is one `BEGIN IMMEDIATE` transaction (drop the key's events that left the window,
 * count, insert the admitted request), so two processes never both take the last slot.
 *
 * Rows: one per admitted request (`kind = 'request'`, `amount = 1`), only when the key has an
 * `rpm` (a key without one keeps no log), and one per key and second of tokens
 * (`kind = 'tokens'`, `at` = the start of the second, `amount` summed), like the memory
 * limiter. Each key's number of request rows is kept in `rate_limit_counts` (migration 4), so a
 * decision does not count its window. Rows of keys no longer used are deleted (and the counts
 * recomputed) every `pruneIntervalMs`.
 */

export interface SqliteRateLimiterOptions {
  /** Events of every key that left the window are deleted at most this often (by `now`). Default 60 s. */
  readonly pruneIntervalMs?: number;
  /** Whether `close` closes the database too (true when the limiter opened it). Default false. */
  readonly ownsDatabase?: boolean;
}

interface Statements {
  readonly dropKeyRequests: StatementSync;
  readonly requestCount: StatementSync;
  readonly setRequestCount: StatementSync;
  readonly recount: StatementSync;
  readonly dropEmptyCounts: StatementSync;
  readonly dropKey: StatementSync;
  readonly dropAll: StatementSync;
  readonly countRequests: StatementSync;
  readonly requestAt: StatementSync;
  readonly tokenBuckets: StatementSync;
  readonly insertRequest: StatementSync;
  readonly addTokens: StatementSync;
  readonly insertTokens: StatementSync;
}

const bucketMs = tokenBucketMs(rateWindowMs);

export class SqliteRateLimiter implements RateLimiter {
  readonly kind = 'sqlite';
  readonly #database: DatabaseSync;
  readonly #ownsDatabase: boolean;
  readonly #pruneIntervalMs: number;
  #statements: Statements | undefined;
  #lastPrune = Number.NEGATIVE_INFINITY;

  /** Opens (creating and migrating) the file at `path`; the limiter closes it on `close`. */
  static open(path: string, options: SqliteRateLimiterOptions & OpenSqliteOptions = {}): SqliteRateLimiter {
    return new SqliteRateLimiter(openSqlite(path, options), { ...options, ownsDatabase: true });
  }

  /** Uses an already opened and migrated database (see `openSqlite`), shared with other stores. */
  constructor(database: DatabaseSync, options: SqliteRateLimiterOptions = {}) {
    this.#database = database;
    this.#ownsDatabase = options.ownsDatabase ?? false;
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    this.#statements = {
      dropKeyRequests: database.prepare("DELETE FROM rate_limit_events WHERE key = ? AND kind = 'request' AND at <= ?"),
      dropKey: database.prepare("DELETE FROM rate_limit_events WHERE key = ? AND kind = 'tokens' AND at <= ?"),
      dropAll: database.prepare('DELETE FROM rate_limit_events WHERE at <= ?'),
      countRequests: database.prepare("SELECT count(*) AS count FROM rate_limit_events WHERE key = ? AND kind = 'request'"),
      requestCount: database.prepare('SELECT requests FROM rate_limit_counts WHERE key = ?'),
      setRequestCount: database.prepare('INSERT INTO rate_limit_counts (key, requests) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET requests = excluded.requests'),
      recount: database.prepare("UPDATE rate_limit_counts SET requests = (SELECT count(*) FROM rate_limit_events e WHERE e.key = rate_limit_counts.key AND e.kind = 'request')"),
      dropEmptyCounts: database.prepare('DELETE FROM rate_limit_counts WHERE requests = 0'),
      requestAt: database.prepare("SELECT at FROM rate_limit_events WHERE key = ? AND kind = 'request' ORDER BY at LIMIT 1 OFFSET ?"),
      tokenBuckets: database.prepare("SELECT at, amount FROM rate_limit_events WHERE key = ? AND kind = 'tokens' ORDER BY at"),
      insertRequest: database.prepare("INSERT INTO rate_limit_events (key, kind, at, amount) VALUES (?, 'request', ?, 1)"),
      addTokens: database.prepare("UPDATE rate_limit_events SET amount = amount + ? WHERE key = ? AND kind = 'tokens' AND at = ?"),
      insertTokens: database.prepare("INSERT INTO rate_limit_events (key, kind, at, amount) VALUES (?, 'tokens', ?, ?)"),
    };
  }

  async admit(key: string, limits: RateLimits, now: number): Promise<RateDecision> {
    const statements = this.#open();
    validateRequest(key, limits, now);
    if (limits.rpm === undefined && limits.tpm === undefined) return { allowed: true };
    this.#pruneOccasionally(statements, now);
    return this.#transaction(() => {
      // The key's request count is kept beside its events, so a decision costs the same
      // whatever the limit (counting a 10,000-request window each time would not).
      const stored = statements.requestCount.get(key)?.['requests'];
      const dropped = Number(statements.dropKeyRequests.run(key, now - rateWindowMs).changes);
      const count = stored === undefined ? toInteger(statements.countRequests.get(key)?.['count']) : Math.max(0, toInteger(stored) - dropped);
      statements.dropKey.run(key, now - rateWindowMs);
      const requestWait = limits.rpm === undefined ? undefined : this.#requestWait(statements, key, limits.rpm, count, now);
      const tokenWait = limits.tpm === undefined ? undefined : tokenWaitMs(readBuckets(statements, key), limits.tpm, now, rateWindowMs);
      const decision = toDecision(requestWait, tokenWait);
      const admitted = decision.allowed && limits.rpm !== undefined;
      if (admitted) statements.insertRequest.run(key, now);
      if (stored === undefined || dropped > 0 || admitted) statements.setRequestCount.run(key, count + (admitted ? 1 : 0));
      return decision;
    });
  }

  async recordTokens(key: string, tokens: number, now: number): Promise<void> {
    const statements = this.#open();
    validateTokens(key, tokens, now);
    if (tokens === 0) return;
    const start = Math.floor(now / bucketMs) * bucketMs;
    this.#transaction(() => {
      if (Number(statements.addTokens.run(tokens, key, start).changes) === 0) statements.insertTokens.run(key, start, tokens);
    });
  }

  async close(): Promise<void> {
    if (this.#statements === undefined) return;
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
    return leavesInMs(toInteger(statements.requestAt.get(key, count - rpm)?.['at']), now, rateWindowMs);
  }

  #pruneOccasionally(statements: Statements, now: number): void {
    if (now - this.#lastPrune < this.#pruneIntervalMs) return;
    this.#lastPrune = now;
    this.#transaction(() => {
      statements.dropAll.run(now - rateWindowMs);
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
