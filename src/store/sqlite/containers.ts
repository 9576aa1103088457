import type { DatabaseSync, SQLOutputValue, StatementSync } from 'node:sqlite';
import { closedContainerStore, validateContainer, type ContainerStore, type StoredContainer } from '../containers.ts';
import { closeSqlite, openSqlite, type OpenSqliteOptions } from './database.ts';

/**
 * Containers in the gateway's SQLite file (table `ptc_containers`, migration 5): every process
 * that opens the same file resumes the others' paused executions, and they survive a restart.
 */

interface Statements {
  readonly get: StatementSync;
  readonly upsert: StatementSync;
  readonly prune: StatementSync;
  readonly delete: StatementSync;
}

export class SqliteContainerStore implements ContainerStore {
  readonly kind = 'sqlite';
  readonly #database: DatabaseSync;
  readonly #ownsDatabase: boolean;
  #statements: Statements | undefined;
  #lastPrune = Number.NEGATIVE_INFINITY;

  static open(path: string, options: OpenSqliteOptions = {}): SqliteContainerStore {
    return new SqliteContainerStore(openSqlite(path, options), { ownsDatabase: true });
  }

  constructor(database: DatabaseSync, options: { readonly ownsDatabase?: boolean } = {}) {
    this.#database = database;
    this.#ownsDatabase = options.ownsDatabase ?? false;
    this.#statements = {
      get: database.prepare('SELECT id, expires_at, state FROM ptc_containers WHERE id = ? AND expires_at > ?'),
      upsert: database.prepare('INSERT INTO ptc_containers (id, expires_at, state) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at, state = excluded.state'),
      prune: database.prepare('DELETE FROM ptc_containers WHERE expires_at <= ?'),
      delete: database.prepare('DELETE FROM ptc_containers WHERE id = ?'),
    };
  }

  async get(id: string, now: number): Promise<StoredContainer | undefined> {
    const row = this.#open().get.get(id, now);
    return row === undefined ? undefined : toContainer(row);
  }

  async put(container: StoredContainer, now: number): Promise<void> {
    validateContainer(container, now);
    const statements = this.#open();
    if (now - this.#lastPrune >= 60_000) {
      this.#lastPrune = now;
      statements.prune.run(now);
    }
    if (container.expiresAt <= now) return;
    statements.upsert.run(container.id, container.expiresAt, container.state);
  }

  async delete(id: string): Promise<void> {
    this.#open().delete.run(id);
  }

  async close(): Promise<void> {
    if (this.#statements === undefined) return;
    this.#statements = undefined;
    if (this.#ownsDatabase) await closeSqlite(this.#database);
  }

  #open(): Statements {
    if (this.#statements === undefined) throw closedContainerStore(this.kind);
    return this.#statements;
  }
}

function toContainer(row: Record<string, SQLOutputValue>): StoredContainer {
  const { id, expires_at: expiresAt, state } = row;
  if (typeof id !== 'string' || typeof expiresAt !== 'number' || typeof state !== 'string') throw new Error('the ptc_containers table holds a malformed row');
  return { id, expiresAt, state };
}
