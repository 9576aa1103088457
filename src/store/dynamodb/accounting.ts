import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
} from '../accounting.ts';
import { checkBudgetKey, checkCount, checkListQuery, checkStatsQuery, checkKeyPatch, checkKeyRecord, checkTime, checkUsageRecord, collapseUsage, compareText } from '../accounting-validation.ts';
import {
  digestGuardId,
  forEachLimited,
  fromKeyItem,
  fromUsageItem,
  isConditionFailure,
  isDigestGuardId,
  keyPatchAttributes,
  text,
  toBudgetState,
  toKeyItem,
  toUsageItem,
  type Item,
} from './accounting-items.ts';
import { paginate, usageByDayFromDynamo } from './usage-report.ts';
import { usageInWindow } from './usage-query.ts';
import { pageOfUsage, statsOfUsage, type UsageListQuery, type UsagePage, type UsageStats, type UsageStatsQuery } from '../usage-query.ts';
import { createDynamoClient, defaultTablePrefix, pendingShards, tableName, type DynamoConnectionOptions } from './tables.ts';

export { describeTables, dynamoTables, setupTables, tableName, type TableReport } from './tables.ts';

/**
 * Keys, budgets and usage in DynamoDB (`STORE=dynamodb`), for gateways on several hosts. Every
 * rule of `accounting.ts` holds through single-item conditional writes (DynamoDB has no
 * multi-item atomicity we rely on, and none that dynalite offers):
 * - a key's digest is reserved by a guard item `digest#<digest>` written (conditionally) before
 *   the key; reads by digest go through the guard with strongly consistent reads, so a new or
 *   revoked key is seen at once by every instance;
 * - a budget item keeps `committed = spent + reserved`, because condition expressions cannot add:
 *   a reservation is `ADD reserved :a, committed :a` if `committed <= limit - a`;
 * - a usage row is a `PutItem`: a final row unconditionally, an `in_progress` one only where no
 *   row or an `in_progress` one is; a write resolves once DynamoDB has acknowledged it (durable).
 */

export interface DynamoAccountingStoreOptions extends DynamoConnectionOptions {
  /** A client to use (and leave open on `close`) instead of one made from the options. */
  readonly client?: DynamoDBClient;
  /** Usage puts and interrupt updates in flight at once. Default 16. */
  readonly writeConcurrency?: number;
}

interface Tables {
  readonly keys: string;
  readonly budgets: string;
  readonly usage: string;
}

const budgetNames = { '#spent': 'spent', '#reserved': 'reserved', '#committed': 'committed' };

export class DynamoAccountingStore implements AccountingStore {
  readonly kind = 'dynamodb';
  readonly #client: DynamoDBClient;
  readonly #ownsClient: boolean;
  readonly #tables: Tables;
  readonly #writeConcurrency: number;
  #documents: DynamoDBDocumentClient | undefined;

  constructor(options: DynamoAccountingStoreOptions) {
    this.#client = options.client ?? createDynamoClient(options);
    this.#ownsClient = options.client === undefined;
    const prefix = options.tablePrefix ?? defaultTablePrefix;
    const names = options.tableNames;
    this.#tables = { keys: tableName(prefix, 'keys', names), budgets: tableName(prefix, 'budgets', names), usage: tableName(prefix, 'usage', names) };
    this.#writeConcurrency = options.writeConcurrency ?? 16;
    this.#documents = DynamoDBDocumentClient.from(this.#client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async createKey(record: ApiKeyRecord): Promise<void> {
    checkKeyRecord(record);
    const documents = this.#open();
    const guardId = digestGuardId(record.digest);
    // 1. The digest: a guard item naming the key. Ours already (a retried create) is taken as is.
    let guardIsOurs = false;
    try {
      await documents.send(new PutCommand({ TableName: this.#tables.keys, Item: { id: guardId, key_id: record.id }, ConditionExpression: 'attribute_not_exists(id)' }));
      guardIsOurs = true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item: guard } = await documents.send(new GetCommand({ TableName: this.#tables.keys, Key: { id: guardId }, ConsistentRead: true }));
      if (guard?.['key_id'] !== record.id) throw new DuplicateKeyError('digest');
    }
    // 2. The key itself; a taken id gives the digest back.
    try {
      await documents.send(new PutCommand({ TableName: this.#tables.keys, Item: toKeyItem(record), ConditionExpression: 'attribute_not_exists(id)' }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      if (guardIsOurs) {
        await documents.send(
          new DeleteCommand({ TableName: this.#tables.keys, Key: { id: guardId }, ConditionExpression: 'key_id = :id', ExpressionAttributeValues: { ':id': record.id } }),
        ).catch((deleteError: unknown) => {
          if (!isConditionFailure(deleteError)) throw deleteError;
        });
      }
      throw new DuplicateKeyError('id');
    }
  }

  async getKey(id: string): Promise<ApiKeyRecord | undefined> {
    const documents = this.#open();
    if (isDigestGuardId(id)) return undefined;
    const { Item: item } = await documents.send(new GetCommand({ TableName: this.#tables.keys, Key: { id }, ConsistentRead: true }));
    return item === undefined ? undefined : fromKeyItem(item);
  }

  async getKeyByDigest(digest: string): Promise<ApiKeyRecord | undefined> {
    const documents = this.#open();
    const { Item: guard } = await documents.send(new GetCommand({ TableName: this.#tables.keys, Key: { id: digestGuardId(digest) }, ConsistentRead: true }));
    const keyId = guard?.['key_id'];
    if (typeof keyId !== 'string') return undefined;
    const key = await this.getKey(keyId);
    // A guard left by a create that failed half-way names no key, or a key with another digest.
    return key?.digest === digest ? key : undefined;
  }

  async listKeys(filter: { readonly userId?: string } = {}): Promise<ApiKeyRecord[]> {
    const documents = this.#open();
    const items =
      filter.userId === undefined
        ? await paginate((start) =>
            documents.send(new ScanCommand({ TableName: this.#tables.keys, FilterExpression: 'attribute_exists(user_id)', ExclusiveStartKey: start })),
          )
        : await paginate((start) =>
            documents.send(
              new QueryCommand({
                TableName: this.#tables.keys,
                IndexName: 'user-index',
                KeyConditionExpression: 'user_id = :user',
                ExpressionAttributeValues: { ':user': filter.userId },
                ExclusiveStartKey: start,
              }),
            ),
          );
    return items.map(fromKeyItem).sort((left, right) => left.createdAt - right.createdAt || compareText(left.id, right.id));
  }

  async updateKey(id: string, patch: ApiKeyPatch, now: number): Promise<ApiKeyRecord | undefined> {
    checkKeyPatch(patch, now);
    const documents = this.#open();
    if (isDigestGuardId(id)) return undefined;
    const names: Record<string, string> = { '#updated_at': 'updated_at', '#digest': 'digest' };
    const values: Record<string, unknown> = { ':updated_at': now };
    const set = ['#updated_at = :updated_at'];
    const remove: string[] = [];
    for (const [field, attribute] of Object.entries(keyPatchAttributes)) {
      const value = patch[field as keyof ApiKeyPatch];
      if (value === undefined) continue;
      names[`#${attribute}`] = attribute;
      if (value === null) remove.push(`#${attribute}`);
      else {
        set.push(`#${attribute} = :${attribute}`);
        values[`:${attribute}`] = value;
      }
    }
    try {
      const { Attributes: item } = await documents.send(
        new UpdateCommand({
          TableName: this.#tables.keys,
          Key: { id },
          UpdateExpression: `SET ${set.join(', ')}${remove.length === 0 ? '' : ` REMOVE ${remove.join(', ')}`}`,
          ConditionExpression: 'attribute_exists(#digest)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return item === undefined ? undefined : fromKeyItem(item);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async reserveBudget(keyId: string, month: string, amountMicros: number, limitMicros: number): Promise<ReserveResult> {
    checkBudgetKey(keyId, month);
    checkCount(amountMicros, 'reservation amount');
    checkCount(limitMicros, 'budget limit');
    const documents = this.#open();
    if (amountMicros <= limitMicros) {
      try {
        // committed = spent + reserved, kept by every write, so the check is one comparison.
        await documents.send(
          new UpdateCommand({
            TableName: this.#tables.budgets,
            Key: { key_id: keyId, month },
            UpdateExpression: 'SET #spent = if_not_exists(#spent, :zero) ADD #reserved :amount, #committed :amount',
            ConditionExpression: 'attribute_not_exists(#committed) OR #committed <= :headroom',
            ExpressionAttributeNames: budgetNames,
            ExpressionAttributeValues: { ':zero': 0, ':amount': amountMicros, ':headroom': limitMicros - amountMicros },
          }),
        );
        return { ok: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return { ok: false, ...(await this.getBudget(keyId, month)) };
  }

  async settleBudget(keyId: string, month: string, reservedMicros: number, actualMicros: number): Promise<BudgetState> {
    checkBudgetKey(keyId, month);
    checkCount(reservedMicros, 'settled reservation');
    checkCount(actualMicros, 'actual cost');
    const documents = this.#open();
    const key = { key_id: keyId, month };
    // Two complementary conditional writes: release the reservation when it is all there, else
    // clamp reserved at zero. One of them holds at any moment; a concurrent write can make the
    // chosen one fail, and then the other is tried.
    for (let attempt = 0; attempt < 16; attempt++) {
      try {
        const { Attributes: item } = await documents.send(
          attempt % 2 === 0
            ? new UpdateCommand({
                TableName: this.#tables.budgets,
                Key: key,
                UpdateExpression: 'ADD #spent :actual, #reserved :release, #committed :delta',
                ConditionExpression: '#reserved >= :reserved',
                ExpressionAttributeNames: budgetNames,
                ExpressionAttributeValues: { ':actual': actualMicros, ':release': -reservedMicros, ':delta': actualMicros - reservedMicros, ':reserved': reservedMicros },
                ReturnValues: 'ALL_NEW',
              })
            : new UpdateCommand({
                TableName: this.#tables.budgets,
                Key: key,
                UpdateExpression: 'SET #reserved = :zero, #spent = if_not_exists(#spent, :zero) + :actual, #committed = if_not_exists(#spent, :zero) + :actual',
                ConditionExpression: 'attribute_not_exists(#reserved) OR #reserved < :reserved',
                ExpressionAttributeNames: budgetNames,
                ExpressionAttributeValues: { ':zero': 0, ':actual': actualMicros, ':reserved': reservedMicros },
                ReturnValues: 'ALL_NEW',
              }),
        );
        return toBudgetState(item);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`settling the budget of ${keyId} for ${month} kept losing to concurrent writes`);
  }

  async getBudget(keyId: string, month: string): Promise<BudgetState> {
    checkBudgetKey(keyId, month);
    const documents = this.#open();
    const { Item: item } = await documents.send(new GetCommand({ TableName: this.#tables.budgets, Key: { key_id: keyId, month }, ConsistentRead: true }));
    return toBudgetState(item);
  }

  async writeUsage(records: readonly UsageRecord[]): Promise<void> {
    records.forEach(checkUsageRecord);
    const documents = this.#open();
    // One write per request id: what applying the batch in order would leave.
    await forEachLimited(collapseUsage(records), this.#writeConcurrency, async (record) => {
      const final = record.state !== 'in_progress';
      try {
        const { Attributes: previous } = await documents.send(
          new PutCommand({
            TableName: this.#tables.usage,
            Item: toUsageItem(record),
            ...(final
              ? { ReturnValues: 'ALL_OLD' }
              : {
                  ConditionExpression: 'attribute_not_exists(sk) OR #state = :in_progress',
                  ExpressionAttributeNames: { '#state': 'state' },
                  ExpressionAttributeValues: { ':in_progress': 'in_progress' },
                }),
          }),
        );
        // A record becoming final for the first time settles its reservation (the old item tells
        // which put did it, so a record written twice settles once). A crash between the two
        // writes leaves the reservation held: see docs/stores.md.
        if (final && record.keyId !== undefined && record.budgetMonth !== undefined && (previous === undefined || previous['state'] === 'in_progress')) {
          await this.settleBudget(record.keyId, record.budgetMonth, record.reservedMicros, record.costMicros);
        }
      } catch (error) {
        // An in_progress row that finds a final one there is meant to lose.
        if (final || !isConditionFailure(error)) throw error;
      }
    });
  }

  async getUsage(requestId: string): Promise<UsageRecord | undefined> {
    const documents = this.#open();
    const keys = await paginate((start) =>
      documents.send(
        new QueryCommand({
          TableName: this.#tables.usage,
          IndexName: 'request-index',
          KeyConditionExpression: 'request_id = :request',
          ExpressionAttributeValues: { ':request': requestId },
          ExclusiveStartKey: start,
        }),
      ),
    );
    const records: UsageRecord[] = [];
    for (const key of keys) {
      const { Item: item } = await documents.send(
        new GetCommand({ TableName: this.#tables.usage, Key: { user_id: text(key, 'user_id'), sk: text(key, 'sk') }, ConsistentRead: true }),
      );
      if (item !== undefined) records.push(fromUsageItem(item));
    }
    return records.find((record) => record.state !== 'in_progress') ?? records[0];
  }

  async usageByDay(query: UsageQuery): Promise<UsageDay[]> {
    return usageByDayFromDynamo(this.#open(), this.#tables.usage, query);
  }

  async listUsage(query: UsageListQuery): Promise<UsagePage> {
    checkListQuery(query);
    const to = query.after === undefined ? query.to : Math.min(query.to, query.after.startedAt + 1);
    return pageOfUsage(await usageInWindow(this.#open(), this.#tables.usage, { ...query, to }), query);
  }

  async usageStats(query: UsageStatsQuery): Promise<UsageStats> {
    checkStatsQuery(query);
    return statsOfUsage(await usageInWindow(this.#open(), this.#tables.usage, query), query);
  }

  async interruptStale(before: number): Promise<UsageRecord[]> {
    checkTime(before, 'before');
    const documents = this.#open();
    const stale: Item[] = [];
    for (let shard = 0; shard < pendingShards; shard++) {
      stale.push(
        ...(await paginate((start) =>
          documents.send(
            new QueryCommand({
              TableName: this.#tables.usage,
              IndexName: 'in-progress-index',
              KeyConditionExpression: 'pending = :shard AND started_at < :before',
              ExpressionAttributeValues: { ':shard': String(shard), ':before': before },
              ExclusiveStartKey: start,
            }),
          ),
        )),
      );
    }
    const interrupted: UsageRecord[] = [];
    await forEachLimited(stale, this.#writeConcurrency, async (key) => {
      try {
        // Only while still in_progress: a final row written meanwhile wins.
        const { Attributes: item } = await documents.send(
          new UpdateCommand({
            TableName: this.#tables.usage,
            Key: { user_id: text(key, 'user_id'), sk: text(key, 'sk') },
            UpdateExpression: 'SET #state = :interrupted, outcome = :interrupted, cost_micros = reserved_micros REMOVE pending',
            ConditionExpression: '#state = :in_progress',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':interrupted': 'interrupted', ':in_progress': 'in_progress' },
            ReturnValues: 'ALL_NEW',
          }),
        );
        if (item !== undefined) {
          const record = fromUsageItem(item);
          interrupted.push(record);
          // Charged its reservation: spent takes it, reserved gives it back.
          if (record.keyId !== undefined && record.budgetMonth !== undefined) await this.settleBudget(record.keyId, record.budgetMonth, record.reservedMicros, record.reservedMicros);
        }
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    });
    return interrupted.sort((left, right) => left.startedAt - right.startedAt || compareText(left.requestId, right.requestId));
  }

  /** Nothing to do: the usage table's TTL (`expires_at`) deletes expired records. */
  async deleteExpired(now: number): Promise<number> {
    checkTime(now, 'now');
    this.#open();
    return 0;
  }

  /** Readiness: one read of each table, with the permissions the gateway needs anyway. */
  async check(): Promise<void> {
    const probe = 'readiness-probe';
    try {
      await Promise.all([this.getKey(probe), this.getBudget(probe, '2000-01'), this.getUsage(probe)]);
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      if (name === 'ResourceNotFoundException') {
        throw new Error(`a DynamoDB table of the gateway is missing (${Object.values(this.#tables).join(', ')}): create them with npx claude-gateway setup-tables`, { cause: error });
      }
      const detail = error instanceof Error && error.message !== '' ? error.message : String((error as { code?: unknown }).code ?? name ?? error);
      throw new Error(`the DynamoDB store cannot be reached: ${detail.replaceAll(/\s+/g, ' ')}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#documents === undefined) return;
    this.#documents = undefined;
    if (this.#ownsClient) this.#client.destroy();
  }

  #open(): DynamoDBDocumentClient {
    if (this.#documents === undefined) throw closedAccountingStoreError(this.kind);
    return this.#documents;
  }
}
