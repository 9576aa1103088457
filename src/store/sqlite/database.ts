import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { systemClock, type Clock } from '../../ids.ts';
import { BACKSTOP_PAGES, JOURNAL_SIZE_LIMIT_BYTES, startCheckpoints } from './checkpointer.ts';

/**
 * The gateway's SQLite file: opened through `node:sqlite` (no native addon), in WAL mode so
 * several processes read while one writes, with the schema brought up to date by the ordered
 * migrations below. A later feature adds its tables by appending a migration with the next
 * version; a migration, once released, is never edited.
 */

export interface Migration {
  /** 1, 2, 3… in order, without gaps. */
  readonly version: number;
  readonly description: string;
  /** One or more statements, run in one transaction with the `schema_migrations` row. */
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'cooldowns of upstream targets',
    sql: `
      CREATE TABLE cooldowns (
        key TEXT PRIMARY KEY,
        until INTEGER NOT NULL,
        reason TEXT NOT NULL
      ) STRICT;
      CREATE INDEX cooldowns_until ON cooldowns (until);
    `,
  },
  {
    version: 2,
    description: 'gateway API keys, monthly budgets and usage records',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'disabled')),
        disabled_reason TEXT,
        disabled_month TEXT,
        service_tier TEXT,
        rpm_limit INTEGER,
        tpm_limit INTEGER,
        monthly_budget_micros INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX api_keys_user ON api_keys (user_id, created_at);
      CREATE TABLE budgets (
        key_id TEXT NOT NULL,
        month TEXT NOT NULL,
        spent_micros INTEGER NOT NULL DEFAULT 0,
        reserved_micros INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (key_id, month)
      ) STRICT;
      CREATE TABLE usage (
        request_id TEXT PRIMARY KEY,
        started_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in_progress', 'complete', 'interrupted')),
        user_id TEXT NOT NULL,
        key_id TEXT,
        credential_id TEXT,
        route TEXT NOT NULL,
        model_requested TEXT,
        model_served TEXT,
        provider TEXT,
        region TEXT,
        service_tier TEXT,
        stream INTEGER NOT NULL,
        status INTEGER,
        error_type TEXT,
        fallback TEXT,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cache_read_tokens INTEGER NOT NULL,
        cache_write_5m_tokens INTEGER NOT NULL,
        cache_write_1h_tokens INTEGER NOT NULL,
        cost_micros INTEGER NOT NULL,
        reserved_micros INTEGER NOT NULL,
        budget_month TEXT,
        latency_ms REAL,
        ttfb_ms REAL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX usage_user_time ON usage (user_id, started_at);
      CREATE INDEX usage_time ON usage (started_at);
      CREATE INDEX usage_in_progress ON usage (started_at) WHERE state = 'in_progress';
      CREATE INDEX usage_expires ON usage (expires_at);
    `,
  },
  {
    version: 3,
    description: 'rate-limit windows (requests and tokens per key)',
    sql: `
      CREATE TABLE rate_limit_events (
        key TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('request', 'tokens')),
        at INTEGER NOT NULL,
        amount INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX rate_limit_events_key ON rate_limit_events (key, kind, at);
      CREATE INDEX rate_limit_events_at ON rate_limit_events (at);
    `,
  },
  {
    version: 4,
    description: 'request count per rate-limit key (counting the window per decision cost O(rpm))',
    sql: `
      CREATE TABLE rate_limit_counts (
        key TEXT PRIMARY KEY,
        requests INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 5,
    description: 'Programmatic Tool Calling containers (paused code executions, resumed by any instance)',
    sql: `
      CREATE TABLE ptc_containers (
        id TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL,
        state TEXT NOT NULL
      ) STRICT;
      CREATE INDEX ptc_containers_expires_at ON ptc_containers (expires_at);
    `,
  },
  {
    version: 6,
    description: 'rate-limit windows in two tables clustered by key and time (issue 14: one B-tree per write instead of three, reads without row lookups)',
    sql: `
      CREATE TABLE rate_limit_requests (
        key TEXT NOT NULL,
        at INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        PRIMARY KEY (key, at)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO rate_limit_requests (key, at, requests)
        SELECT key, at, count(*) FROM rate_limit_events WHERE kind = 'request' GROUP BY key, at;
      CREATE TABLE rate_limit_tokens (
        key TEXT NOT NULL,
        at INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        PRIMARY KEY (key, at)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO rate_limit_tokens (key, at, amount)
        SELECT key, at, sum(amount) FROM rate_limit_events WHERE kind = 'tokens' GROUP BY key, at;
      DROP TABLE rate_limit_events;
    `,
  },
  {
    version: 7,
    description: 'how the delivery of each answer ended (issue 15: a cut stream is not recorded as complete)',
    sql: `
      ALTER TABLE usage ADD COLUMN outcome TEXT CHECK (outcome IN ('completed', 'client_aborted', 'upstream_error', 'interrupted'));
    `,
  },
  {
    version: 8,
    description: "usage by key and time (the admin's history and dashboard filtered to one key)",
    sql: `
      CREATE INDEX usage_key_time ON usage (key_id, started_at) WHERE key_id IS NOT NULL;
    `,
  },
];

export interface OpenSqliteOptions {
  /** The schema to apply; the gateway's own by default (tests pass their own). */
  readonly migrations?: readonly Migration[];
  /** How long a statement waits for another process's write lock before failing. Default 5 s. */
  readonly busyTimeoutMs?: number;
  /** Stamps `schema_migrations.applied_at`. */
  readonly clock?: Pick<Clock, 'now'>;
  /**
   * WAL checkpoints in a worker thread (checkpointer.ts) instead of inside a commit. Default
   * true for a file; a short-lived command may turn it off.
   */
  readonly backgroundCheckpoints?: boolean;
}

/** The checkpoint worker each database opened here holds, let go by `closeSqlite`. */
const releases = new WeakMap<DatabaseSync, () => Promise<void>>();

/**
 * Opens (creating it and its directory if needed) the database at `path`, or an in-memory
 * one for `:memory:`, and applies the migrations it lacks. Throws when the file's schema is
 * newer than this code knows (a downgrade), rather than run against tables it does not know.
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): DatabaseSync {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw new RangeError('busyTimeoutMs must be a non-negative integer');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new DatabaseSync(path, { timeout: busyTimeoutMs });
  try {
    // Pragmas take no bound parameters; busyTimeoutMs is checked to be an integer above.
    // eslint-disable-next-line sql/text-from-constants -- a checked integer, see above
    database.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
    database.exec('PRAGMA journal_mode = WAL');
    database.exec('PRAGMA synchronous = NORMAL');
    database.exec('PRAGMA foreign_keys = ON');
    applyMigrations(database, options.migrations ?? migrations, options.clock ?? systemClock);
    if (path !== ':memory:' && options.backgroundCheckpoints !== false) {
      // Constants, not input: pragmas take no bound parameters.
      database.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
      database.exec(`PRAGMA journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
      releases.set(database, startCheckpoints(path));
    }
    return database;
  } catch (error) {
    database.close();
    throw error;
  }
}

/** Closes a database opened by `openSqlite`, and lets go of its checkpoint worker. */
export async function closeSqlite(database: DatabaseSync): Promise<void> {
  const release = releases.get(database);
  releases.delete(database);
  if (database.isOpen) database.close();
  await release?.();
}

/**
 * Runs `body` inside `BEGIN IMMEDIATE` … `COMMIT`: the file's write lock is taken first, so
 * other connections (other processes) wait for it, up to the busy timeout, instead of
 * interleaving a check and its write. Rolls back when `body` throws.
 */
export function inTransaction<T>(database: DatabaseSync, body: () => T): T {
  database.exec('BEGIN IMMEDIATE');
  try {
    const result = body();
    database.exec('COMMIT');
    return result;
  } catch (error) {
    if (database.isTransaction) database.exec('ROLLBACK');
    throw error;
  }
}

/** The highest migration applied to `database` (0 for a new file). */
export function schemaVersion(database: DatabaseSync): number {
  const row = database.prepare('SELECT max(version) AS version FROM schema_migrations').get();
  const version = row?.['version'];
  return typeof version === 'number' ? version : 0;
}

/**
 * Applies each migration above the file's version, each in its own `BEGIN IMMEDIATE`
 * transaction that re-reads the version first: two processes starting together on one file
 * apply every migration exactly once.
 */
export function applyMigrations(database: DatabaseSync, list: readonly Migration[], clock: Pick<Clock, 'now'>): void {
  validateMigrations(list);
  database.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const latest = list.at(-1)?.version ?? 0;
  const found = schemaVersion(database);
  if (found > latest) {
    throw new Error(`the database schema is at version ${found}, newer than this gateway knows (${latest}); run a newer gateway or another file`);
  }
  const record = database.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)');
  for (const migration of list) {
    if (migration.version <= found) continue;
    database.exec('BEGIN IMMEDIATE');
    try {
      if (schemaVersion(database) < migration.version) {
        database.exec(migration.sql);
        record.run(migration.version, clock.now());
      }
      database.exec('COMMIT');
    } catch (error) {
      if (database.isTransaction) database.exec('ROLLBACK');
      throw new Error(`SQLite migration ${migration.version} (${migration.description}) failed`, { cause: error });
    }
  }
}

function validateMigrations(list: readonly Migration[]): void {
  list.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`migration versions must run 1, 2, 3… without gaps; position ${index} has version ${migration.version}`);
    }
  });
}

interface QueuedWork {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for short pieces of write work (issue 14): the pieces queued during one turn of
 * the event loop run on the next in one `BEGIN IMMEDIATE` transaction, in the order queued, and
 * commit together: one commit for every request of that turn instead of one each. Each piece runs
 * in its own savepoint, so one that throws is rolled back alone and rejects only its caller. Each
 * piece sees the writes of those before it, and the file's write lock keeps other processes out
 * for the whole batch, so a check-and-write stays exact across pieces and processes.
 */
export class GroupCommit {
  readonly #database: DatabaseSync;
  #queue: QueuedWork[] = [];
  #scheduled = false;

  constructor(database: DatabaseSync) {
    this.#database = database;
  }

  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  /** Runs what is queued now (a store closing). */
  flush(): void {
    this.#flush();
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const done: { readonly piece: QueuedWork; readonly value: unknown }[] = [];
    try {
      this.#database.exec('BEGIN IMMEDIATE');
    } catch (error) {
      for (const piece of batch) piece.reject(error);
      return;
    }
    for (const piece of batch) {
      this.#database.exec('SAVEPOINT piece');
      try {
        const value = piece.work();
        this.#database.exec('RELEASE piece');
        done.push({ piece, value });
      } catch (error) {
        this.#database.exec('ROLLBACK TO piece');
        this.#database.exec('RELEASE piece');
        piece.reject(error);
      }
    }
    try {
      this.#database.exec('COMMIT');
    } catch (error) {
      if (this.#database.isTransaction) this.#database.exec('ROLLBACK');
      for (const { piece } of done) piece.reject(error);
      return;
    }
    for (const { piece, value } of done) piece.resolve(value);
  }
}
