import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';
import { closedStoreError, compareEntries, validateEntry, validateTime, type CooldownEntry, type CooldownStore } from '../cooldowns.ts';
import { closeSqlite, openSqlite, type OpenSqliteOptions } from './database.ts';

/**
 * Cooldowns in the gateway's SQLite file (table `cooldowns`, migration 1): shared by every
 * process on the host that opens the same file, and kept across restarts. Each statement is
 * atomic, so the keep-later rule holds between processes without any locking of our own.
 */

export interface SqliteCooldownStoreOptions {
  /** Expired rows are deleted at most this often (by the `now` passed to `set`). Default 60 s. */
  readonly pruneIntervalMs?: number;
  /** Whether `close` closes the database too (true when the store opened it). Default false. */
  readonly ownsDatabase?: boolean;
}

interface Statements {
  readonly get: StatementSync;
  readonly upsert: StatementSync;
  readonly list: StatementSync;
  readonly prune: StatementSync;
  readonly delete: StatementSync;
}

export class SqliteCooldownStore implements CooldownStore {
  readonly kind = 'sqlite';
  readonly #database: DatabaseSync;
  readonly #ownsDatabase: boolean;
  readonly #pruneIntervalMs: number;
  #statements: Statements | undefined;
  #lastPrune = Number.NEGATIVE_INFINITY;

  /** Opens (creating and migrating) the file at `path`; the store closes it on `close`. */
  static open(path: string, options: SqliteCooldownStoreOptions & OpenSqliteOptions = {}): SqliteCooldownStore {
    return new SqliteCooldownStore(openSqlite(path, options), { ...options, ownsDatabase: true });
  }

  /** Uses an already opened and migrated database (see `openSqlite`), shared with other stores. */
  constructor(database: DatabaseSync, options: SqliteCooldownStoreOptions = {}) {
    this.#database = database;
    this.#ownsDatabase = options.ownsDatabase ?? false;
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    this.#statements = {
      get: database.prepare('SELECT key, until, reason FROM cooldowns WHERE key = ? AND until > ?'),
      // A strictly later `until` replaces the row; otherwise the stored row, reason included, stays.
      upsert: database.prepare(
        `INSERT INTO cooldowns (key, until, reason) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET until = excluded.until, reason = excluded.reason
         WHERE excluded.until > cooldowns.until`,
      ),
      list: database.prepare('SELECT key, until, reason FROM cooldowns WHERE until > ? ORDER BY until, key'),
      prune: database.prepare('DELETE FROM cooldowns WHERE until <= ?'),
      delete: database.prepare('DELETE FROM cooldowns WHERE key = ?'),
    };
  }

  async get(key: string, now: number): Promise<CooldownEntry | undefined> {
    validateTime(now, 'now');
    const row = this.#open().get.get(key, now);
    return row === undefined ? undefined : toEntry(row);
  }

  async set(entry: CooldownEntry, now: number): Promise<void> {
    const next = validateEntry(entry, now);
    const statements = this.#open();
    if (now - this.#lastPrune >= this.#pruneIntervalMs) {
      this.#lastPrune = now;
      statements.prune.run(now);
    }
    if (next.until <= now) return;
    statements.upsert.run(next.key, next.until, next.reason);
  }

  async delete(key: string): Promise<void> {
    this.#open().delete.run(key);
  }

  async list(now: number): Promise<CooldownEntry[]> {
    validateTime(now, 'now');
    // Sorted again in JavaScript: SQLite orders keys by UTF-8 bytes, the contract by UTF-16 units.
    return this.#open().list.all(now).map(toEntry).sort(compareEntries);
  }

  async close(): Promise<void> {
    if (this.#statements === undefined) return;
    this.#statements = undefined;
    if (this.#ownsDatabase) await closeSqlite(this.#database);
  }

  #open(): Statements {
    if (this.#statements === undefined) throw closedStoreError(this.kind);
    return this.#statements;
  }
}

function toEntry(row: Record<string, SQLOutputValue>): CooldownEntry {
  const { key, until, reason } = row;
  if (typeof key !== 'string' || typeof until !== 'number' || typeof reason !== 'string') {
    throw new Error('the cooldowns table holds a malformed row');
  }
  return { key, until, reason };
}
