import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './accounting-items.ts';
import { closedStoreError, compareEntries, validateEntry, validateTime, type CooldownEntry, type CooldownStore } from '../cooldowns.ts';

/**
 * Cooldowns in the DynamoDB table `<prefix>cooldowns` (partition key `key`), shared by every
 * instance using the same tables when there is no Redis. The keep-later rule is one conditional
 * `PutItem` (replace only an entry that ends earlier or has ended), so concurrent writers never
 * shorten a cooldown; `expires_at` (epoch seconds, the table's TTL attribute) lets DynamoDB
 * delete ended entries, and reads ignore ended ones before it does. Reads are strongly
 * consistent. Every call is aborted after `requestTimeoutMs`; the caller treats a failure as
 * "not cooling".
 */

export interface DynamoCooldownStoreOptions {
  /** The table, `<prefix>cooldowns`. */
  readonly tableName: string;
  /** Each call to DynamoDB is aborted after this. Default 2 s. */
  readonly requestTimeoutMs?: number;
  /** Whether `close` destroys the client too (when the store is its only user). Default false. */
  readonly ownsClient?: boolean;
}

/** Seconds an ended entry stays before DynamoDB's TTL may delete it. */
const TTL_SLACK_SECONDS = 60;

export class DynamoCooldownStore implements CooldownStore {
  readonly kind = 'dynamodb';
  readonly #client: DynamoDBClient;
  readonly #documents: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #requestTimeoutMs: number;
  readonly #ownsClient: boolean;
  #closed = false;

  constructor(client: DynamoDBClient, options: DynamoCooldownStoreOptions) {
    this.#client = client;
    this.#documents = DynamoDBDocumentClient.from(client);
    this.#tableName = options.tableName;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 2_000;
    this.#ownsClient = options.ownsClient ?? false;
  }

  async get(key: string, now: number): Promise<CooldownEntry | undefined> {
    this.#assertOpen();
    validateTime(now, 'now');
    const { Item: item } = await this.#documents.send(new GetCommand({ TableName: this.#tableName, Key: { key }, ConsistentRead: true }), this.#call());
    const entry = item === undefined ? undefined : toEntry(item);
    return entry !== undefined && entry.until > now ? entry : undefined;
  }

  async set(entry: CooldownEntry, now: number): Promise<void> {
    this.#assertOpen();
    const next = validateEntry(entry, now);
    if (next.until <= now) return;
    try {
      await this.#documents.send(
        new PutCommand({
          TableName: this.#tableName,
          Item: { key: next.key, until: next.until, reason: next.reason, expires_at: Math.ceil(next.until / 1000) + TTL_SLACK_SECONDS },
          ConditionExpression: 'attribute_not_exists(#key) OR #until < :until OR #until <= :now',
          ExpressionAttributeNames: { '#key': 'key', '#until': 'until' },
          ExpressionAttributeValues: { ':until': next.until, ':now': now },
        }),
        this.#call(),
      );
    } catch (error) {
      // A later (or equal) cooldown is already there: it stays.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async list(now: number): Promise<CooldownEntry[]> {
    this.#assertOpen();
    validateTime(now, 'now');
    const entries: CooldownEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.#documents.send(
        new ScanCommand({
          TableName: this.#tableName,
          FilterExpression: '#until > :now',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':now': now },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
        this.#call(),
      );
      for (const item of page.Items ?? []) {
        const entry = toEntry(item);
        if (entry !== undefined) entries.push(entry);
      }
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return entries.sort(compareEntries);
  }

  async delete(key: string): Promise<void> {
    this.#assertOpen();
    await this.#documents.send(new DeleteCommand({ TableName: this.#tableName, Key: { key } }), this.#call());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) this.#client.destroy();
  }

  #assertOpen(): void {
    if (this.#closed) throw closedStoreError(this.kind);
  }

  #call(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.#requestTimeoutMs) };
  }
}

/** An item as a cooldown, or undefined when it is not one of ours. */
function toEntry(item: Record<string, unknown>): CooldownEntry | undefined {
  const { key, until, reason } = item;
  if (typeof key !== 'string' || typeof until !== 'number' || !Number.isSafeInteger(until) || typeof reason !== 'string') return undefined;
  return { key, until, reason };
}
