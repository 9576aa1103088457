import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import {
  closedAccountingStoreError,
  DuplicateKeyError,
  type AccountingStore,
  type ApiKeyPatch,
  type ApiKeyRecord,
  type BudgetState,
  type ReserveResult,
  type UsageDay,
  type UsageQuery,
  type UsageRecord,
  usageOutcomes,
} from '../accounting.ts';
import { checkBudgetKey, checkCount, checkListQuery, checkStatsQuery, checkKeyPatch, checkKeyRecord, checkTime, checkUsageQuery, checkUsageRecord, compareText } from '../accounting-validation.ts';
import { keyColumns, toBudgetState, toKeyRecord, toKeyRow, toUsageDay, toUsageRecord, toUsageRow, usageColumns } from './accounting-rows.ts';
import { closeSqlite, GroupCommit, inTransaction, openSqlite, type OpenSqliteOptions } from './database.ts';
import type { UsageListQuery, UsagePage, UsageStats, UsageStatsQuery } from '../usage-query.ts';
import { SqliteUsageQueries } from './usage-query.ts';
import { UsageQueryThread } from './usage-query-thread.ts';

/**
 * Keys, budgets and usage in the gateway's SQLite file (tables `api_keys`, `budgets`, `usage`,
 * migration 2). Every process on the host that opens the file shares them: a check-then-write
 * runs in one `BEGIN IMMEDIATE` transaction (the file's write lock, waited for up to the busy
 * timeout), so the budget rule holds between processes without any locking of our own.
 * Durability is the file's: WAL with `synchronous = NORMAL` survives the process being killed,
 * not a power cut (docs/stores.md).
 */

export interface SqliteAccountingStoreOptions {
  /** Whether `close` closes the database too (true when the store opened it). Default false. */
  readonly ownsDatabase?: boolean;
}

interface Statements {
  readonly insertKey: StatementSync;
  readonly getKey: StatementSync;
  readonly getKeyByDigest: StatementSync;
  readonly listKeys: StatementSync;
  readonly listUserKeys: StatementSync;
  readonly replaceKey: StatementSync;
  readonly reserve: StatementSync;
  readonly settle: StatementSync;
  readonly getBudget: StatementSync;
  readonly upsertUsage: StatementSync;
  readonly usageState: StatementSync;
  readonly getUsage: StatementSync;
  readonly usageByDay: StatementSync;
  readonly userUsageByDay: StatementSync;
  readonly interruptStale: StatementSync;
  readonly deleteExpired: StatementSync;
}

const keyColumnList = keyColumns.join(', ');
/**
 * Columns every record of one request has alike (its intent, its final record, an interrupted
 * row): left out of the upsert's SET, so SQLite leaves the indexes on them alone when a final
 * record replaces the intent (an UPDATE rewrites an index only when it sets one of its columns).
 */
const sameInEveryRecord = new Set(['request_id', 'started_at', 'user_id', 'expires_at']);
// SQL text from the column lists (constants): values are always bound parameters.
const keyParameters = keyColumns.map((column) => `:${column}`).join(', ');
const keyUpdates = keyColumns
  .filter((column) => column !== 'id')
  .map((column) => `${column} = :${column}`)
  .join(', ');
const usageParameters = usageColumns.map((column) => `:${column}`).join(', ');
const usageUpdates = usageColumns
  .filter((column) => !sameInEveryRecord.has(column))
  .map((column) => `${column} = excluded.${column}`)
  .join(', ');
const usageColumnList = usageColumns.join(', ');

// Totals of final rows per user and UTC day; the optional filters are bound as NULL when absent.
// A record without an outcome (written before migration 7) counts by its state (outcomeOf).
const recordOutcome = "coalesce(outcome, CASE state WHEN 'interrupted' THEN 'interrupted' ELSE 'completed' END)";
const outcomeCounts = usageOutcomes.map((outcome) => `sum(${recordOutcome} = '${outcome}') AS ${outcome}`).join(', ');
const usageByDaySelect = `
  SELECT user_id, strftime('%Y-%m-%d', started_at / 1000, 'unixepoch') AS day, count(*) AS requests,
    sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_5m_tokens + cache_write_1h_tokens) AS cache_write_tokens, sum(cost_micros) AS cost_micros,
    ${outcomeCounts}
  FROM usage
  WHERE started_at >= :from AND started_at < :to AND state != 'in_progress'
    AND (:credential_id IS NULL OR credential_id = :credential_id) AND (:provider IS NULL OR provider = :provider) AND (:route IS NULL OR route = :route)`;

export class SqliteAccountingStore implements AccountingStore {
  readonly kind = 'sqlite';
  readonly #database: DatabaseSync;
  readonly #ownsDatabase: boolean;
  #statements: Statements | undefined;
  readonly #group: GroupCommit;
  /** The admin's usage reads: on a worker thread for a file, here for an in-memory database. */
  readonly #usageQueries: SqliteUsageQueries | UsageQueryThread;

  /** Opens (creating and migrating) the file at `path`; the store closes it on `close`. */
  static open(path: string, options: OpenSqliteOptions = {}): SqliteAccountingStore {
    return new SqliteAccountingStore(openSqlite(path, options), { ownsDatabase: true });
  }

  /** Uses an already opened and migrated database (see `openSqlite`), shared with other stores. */
  constructor(database: DatabaseSync, options: SqliteAccountingStoreOptions = {}) {
    this.#database = database;
    this.#ownsDatabase = options.ownsDatabase ?? false;
    this.#group = new GroupCommit(database);
    const location = database.location();
    this.#usageQueries = location === null || location === '' ? new SqliteUsageQueries(database) : new UsageQueryThread(location);
    this.#statements = {
      insertKey: database.prepare(`INSERT INTO api_keys (${keyColumnList}) VALUES (${keyParameters})`),
      getKey: database.prepare(`SELECT ${keyColumnList} FROM api_keys WHERE id = ?`),
      getKeyByDigest: database.prepare(`SELECT ${keyColumnList} FROM api_keys WHERE digest = ?`),
      listKeys: database.prepare(`SELECT ${keyColumnList} FROM api_keys ORDER BY created_at, id`),
      listUserKeys: database.prepare(`SELECT ${keyColumnList} FROM api_keys WHERE user_id = ? ORDER BY created_at, id`),
      replaceKey: database.prepare(
        `UPDATE api_keys SET ${keyUpdates}
         WHERE id = :id RETURNING ${keyColumnList}`,
      ),
      // The first reservation of a month inserts the row (the caller checked amount <= limit);
      // later ones add to it only while spent + reserved + amount stays within the limit.
      reserve: database.prepare(
        `INSERT INTO budgets (key_id, month, spent_micros, reserved_micros) VALUES (:key_id, :month, 0, :amount)
         ON CONFLICT (key_id, month) DO UPDATE SET reserved_micros = reserved_micros + :amount
         WHERE spent_micros + reserved_micros + :amount <= :limit`,
      ),
      settle: database.prepare(
        `INSERT INTO budgets (key_id, month, spent_micros, reserved_micros) VALUES (:key_id, :month, :actual, 0)
         ON CONFLICT (key_id, month) DO UPDATE SET reserved_micros = max(0, reserved_micros - :reserved), spent_micros = spent_micros + :actual
         RETURNING spent_micros, reserved_micros`,
      ),
      getBudget: database.prepare('SELECT spent_micros, reserved_micros FROM budgets WHERE key_id = ? AND month = ?'),
      // An in_progress row never replaces a final one; a final row replaces anything.
      upsertUsage: database.prepare(
        `INSERT INTO usage (${usageColumnList}) VALUES (${usageParameters})
         ON CONFLICT (request_id) DO UPDATE SET
           ${usageUpdates}
         WHERE excluded.state != 'in_progress' OR usage.state = 'in_progress'`,
      ),
      getUsage: database.prepare(`SELECT ${usageColumnList} FROM usage WHERE request_id = ?`),
      usageState: database.prepare('SELECT state FROM usage WHERE request_id = ?'),
      usageByDay: database.prepare(`${usageByDaySelect} GROUP BY user_id, day`),
      userUsageByDay: database.prepare(`${usageByDaySelect} AND user_id = :user_id GROUP BY user_id, day`),
      interruptStale: database.prepare(
        `UPDATE usage SET state = 'interrupted', outcome = 'interrupted', cost_micros = reserved_micros
         WHERE state = 'in_progress' AND started_at < ? RETURNING ${usageColumnList}`,
      ),
      deleteExpired: database.prepare('DELETE FROM usage WHERE expires_at < ?'),
    };
  }

  async createKey(record: ApiKeyRecord): Promise<void> {
    checkKeyRecord(record);
    const statements = this.#open();
    try {
      statements.insertKey.run(toKeyRow(record));
    } catch (error) {
      throw duplicateKeyError(error) ?? error;
    }
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.#open().getKey.get(id);
    return row === undefined ? undefined : toKeyRecord(row);
  }

  async getKeyByDigest(digest: string): Promise<ApiKeyRecord | undefined> {
    const row = this.#open().getKeyByDigest.get(digest);
    return row === undefined ? undefined : toKeyRecord(row);
  }

  async listKeys(filter: { readonly userId?: string } = {}): Promise<ApiKeyRecord[]> {
    const statements = this.#open();
    const rows = filter.userId === undefined ? statements.listKeys.all() : statements.listUserKeys.all(filter.userId);
    return rows.map(toKeyRecord);
  }

  async updateKey(id: string, patch: ApiKeyPatch, now: number): Promise<ApiKeyRecord | undefined> {
    checkKeyPatch(patch, now);
    const statements = this.#open();
    return this.#transaction(() => {
      const row = statements.getKey.get(id);
      if (row === undefined) return undefined;
      const updated = statements.replaceKey.get(toKeyRow(applyPatch(toKeyRecord(row), patch, now)));
      return updated === undefined ? undefined : toKeyRecord(updated);
    });
  }

  async reserveBudget(keyId: string, month: string, amountMicros: number, limitMicros: number): Promise<ReserveResult> {
    checkBudgetKey(keyId, month);
    checkCount(amountMicros, 'reservation amount');
    checkCount(limitMicros, 'budget limit');
    const statements = this.#open();
    // Reservations of one turn of the event loop commit together (GroupCommit): each is still one
    // atomic check-and-add, seeing those before it.
    return this.#group.run((): ReserveResult => {
      if (amountMicros <= limitMicros) {
        const { changes } = statements.reserve.run({ key_id: keyId, month, amount: amountMicros, limit: limitMicros });
        if (changes > 0) return { ok: true };
      }
      return { ok: false, ...this.#budget(keyId, month) };
    });
  }

  async settleBudget(keyId: string, month: string, reservedMicros: number, actualMicros: number): Promise<BudgetState> {
    checkBudgetKey(keyId, month);
    checkCount(reservedMicros, 'settled reservation');
    checkCount(actualMicros, 'actual cost');
    const row = this.#open().settle.get({ key_id: keyId, month, reserved: reservedMicros, actual: actualMicros });
    if (row === undefined) throw new Error('settling a budget returned no row');
    return toBudgetState(row);
  }

  async getBudget(keyId: string, month: string): Promise<BudgetState> {
    checkBudgetKey(keyId, month);
    this.#open();
    return this.#budget(keyId, month);
  }

  async writeUsage(records: readonly UsageRecord[]): Promise<void> {
    records.forEach(checkUsageRecord);
    const statements = this.#open();
    if (records.length === 0) return;
    // One transaction, one commit (group commit), however many records the batch holds.
    // A record becoming final for the first time settles its reservation in the same transaction:
    // a crash leaves both or neither, and a record written twice settles once.
    this.#transaction(() => {
      for (const record of records) {
        if (record.state !== 'in_progress' && record.keyId !== undefined && record.budgetMonth !== undefined) {
          const previous = statements.usageState.get(record.requestId)?.['state'];
          if (previous === undefined || previous === 'in_progress') {
            statements.settle.get({ key_id: record.keyId, month: record.budgetMonth, reserved: record.reservedMicros, actual: record.costMicros });
          }
        }
        statements.upsertUsage.run(toUsageRow(record));
      }
    });
  }

  async getUsage(requestId: string): Promise<UsageRecord | undefined> {
    const row = this.#open().getUsage.get(requestId);
    return row === undefined ? undefined : toUsageRecord(row);
  }

  async usageByDay(query: UsageQuery): Promise<UsageDay[]> {
    checkUsageQuery(query);
    const statements = this.#open();
    const parameters: Record<string, SQLInputValue> = {
      from: query.from,
      to: query.to,
      credential_id: query.credentialId ?? null,
      provider: query.provider ?? null,
      route: query.route ?? null,
    };
    const rows = query.userId === undefined ? statements.usageByDay.all(parameters) : statements.userUsageByDay.all({ ...parameters, user_id: query.userId });
    return rows.map(toUsageDay).sort((left, right) => compareText(left.userId, right.userId) || compareText(left.day, right.day));
  }

  async listUsage(query: UsageListQuery): Promise<UsagePage> {
    checkListQuery(query);
    this.#open();
    return this.#usageQueries.listUsage(query);
  }

  async usageStats(query: UsageStatsQuery): Promise<UsageStats> {
    checkStatsQuery(query);
    this.#open();
    return this.#usageQueries.usageStats(query);
  }

  async interruptStale(before: number): Promise<UsageRecord[]> {
    checkTime(before, 'before');
    const statements = this.#open();
    const rows = this.#transaction(() => {
      const interrupted = statements.interruptStale.all(before);
      // Charged their reservation: spent takes it, reserved gives it back.
      for (const row of interrupted) {
        const keyId = row['key_id'];
        const month = row['budget_month'];
        const reserved = row['reserved_micros'];
        if (typeof keyId === 'string' && typeof month === 'string' && typeof reserved === 'number') {
          statements.settle.get({ key_id: keyId, month, reserved, actual: reserved });
        }
      }
      return interrupted;
    });
    return rows.map(toUsageRecord).sort((left, right) => left.startedAt - right.startedAt || compareText(left.requestId, right.requestId));
  }

  async deleteExpired(now: number): Promise<number> {
    checkTime(now, 'now');
    // expires_at is in epoch seconds; a record expiring at second s is gone from s * 1000 + 1 ms on.
    const { changes } = this.#open().deleteExpired.run(now / 1000);
    return Number(changes);
  }

  async close(): Promise<void> {
    if (this.#statements === undefined) return;
    this.#group.flush();
    this.#statements = undefined;
    if (this.#usageQueries instanceof UsageQueryThread) await this.#usageQueries.close();
    if (this.#ownsDatabase) await closeSqlite(this.#database);
  }

  #budget(keyId: string, month: string): BudgetState {
    const row = this.#open().getBudget.get(keyId, month);
    return row === undefined ? { spentMicros: 0, reservedMicros: 0 } : toBudgetState(row);
  }

  /** One write transaction (see `inTransaction`). */
  #transaction<T>(body: () => T): T {
    return inTransaction(this.#database, body);
  }

  #open(): Statements {
    if (this.#statements === undefined) throw closedAccountingStoreError(this.kind);
    return this.#statements;
  }
}

/** `record` with `patch` applied: an absent field stays, `null` clears it, a value replaces it. */
function applyPatch(record: ApiKeyRecord, patch: ApiKeyPatch, now: number): ApiKeyRecord {
  const pick = <T>(current: T | undefined, next: T | null | undefined): T | undefined => (next === undefined ? current : (next ?? undefined));
  return {
    ...record,
    name: patch.name ?? record.name,
    status: patch.status ?? record.status,
    disabledReason: pick(record.disabledReason, patch.disabledReason),
    disabledMonth: pick(record.disabledMonth, patch.disabledMonth),
    serviceTier: pick(record.serviceTier, patch.serviceTier),
    rpmLimit: pick(record.rpmLimit, patch.rpmLimit),
    tpmLimit: pick(record.tpmLimit, patch.tpmLimit),
    monthlyBudgetMicros: pick(record.monthlyBudgetMicros, patch.monthlyBudgetMicros),
    updatedAt: now,
  };
}

/** The `DuplicateKeyError` for a UNIQUE / PRIMARY KEY violation on `api_keys`, else undefined. */
function duplicateKeyError(error: unknown): DuplicateKeyError | undefined {
  if (!(error instanceof Error)) return undefined;
  const message = error.message;
  if (message.includes('api_keys.digest')) return new DuplicateKeyError('digest');
  if (message.includes('api_keys.id')) return new DuplicateKeyError('id');
  return undefined;
}
