import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { closedLimiterError, toDecision, validateRequest, validateTokens, type RateDecision, type RateLimiter, type RateLimits } from '../rate-limits.ts';

/**
 * Rate-limit counters in DynamoDB (the `<prefix>rate-limits` table: partition key `key` (S),
 * TTL attribute `expires_at` (N, epoch seconds)), shared by every instance using the table.
 *
 * DynamoDB has no atomic sliding window, so this backend counts in FIXED one-minute windows
 * (minutes since the epoch, from the caller's `now`), unlike the exact sliding windows of the
 * Redis, SQLite and memory limiters:
 * - requests: item `<key>#req#<minute>`, one conditional `UpdateItem`
 *   (`ADD n :1` if `attribute_not_exists(n) OR n < :rpm`), so racing instances admit exactly
 *   `rpm` per minute and a refused request counts nothing. Across a minute boundary up to
 *   2 × `rpm` can pass in 60 s (`rpm` at the end of one minute, `rpm` at the start of the next);
 *   a refusal waits for the next minute;
 * - tokens: item `<key>#tok#<minute>` (`ADD n :tokens`). A request is admitted while the
 *   weighted estimate `current + previous × (time left in this minute / 60 s)` is below `tpm`
 *   (the usual sliding approximation over two fixed windows); read with strong consistency.
 *   The check is a read, not a condition, so racing requests can all pass it, which the
 *   contract allows anyway (a request's tokens are only known after it is answered).
 * Items expire (TTL) at the end of the minute after theirs; the key embeds the minute, so an
 * item DynamoDB has not deleted yet is never read as current.
 */

export interface DynamoRateLimiterOptions {
  /** The table, `<prefix>rate-limits`. */
  readonly tableName: string;
  /** Each call to DynamoDB is aborted after this. Default 2 s. */
  readonly requestTimeoutMs?: number;
  /** Whether `close` destroys the client too (when the limiter is its only user). Default false. */
  readonly ownsClient?: boolean;
}

const minuteMs = 60_000;

export class DynamoRateLimiter implements RateLimiter {
  readonly kind = 'dynamodb';
  readonly #client: DynamoDBClient;
  readonly #documents: DynamoDBDocumentClient;
  readonly #tableName: string;
  readonly #requestTimeoutMs: number;
  readonly #ownsClient: boolean;
  #closed = false;

  constructor(client: DynamoDBClient, options: DynamoRateLimiterOptions) {
    if (options.tableName === '') throw new TypeError('tableName must not be empty');
    this.#client = client;
    this.#documents = DynamoDBDocumentClient.from(client);
    this.#tableName = options.tableName;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 2_000;
    this.#ownsClient = options.ownsClient ?? false;
  }

  async admit(key: string, limits: RateLimits, now: number): Promise<RateDecision> {
    this.#assertOpen();
    validateRequest(key, limits, now);
    const minute = Math.floor(now / minuteMs);
    const untilNextMinute = (minute + 1) * minuteMs - now;
    if (limits.tpm !== undefined) {
      const [current, previous, requests] = await Promise.all([
        this.#read(itemKey(key, 'tok', minute)),
        this.#read(itemKey(key, 'tok', minute - 1)),
        limits.rpm === undefined ? 0 : this.#read(itemKey(key, 'req', minute)),
      ]);
      const tokenWait = weightedTokenWaitMs(current, previous, limits.tpm, now - minute * minuteMs);
      if (tokenWait !== undefined) {
        const requestsFull = limits.rpm !== undefined && requests >= limits.rpm;
        return toDecision(requestsFull ? untilNextMinute : undefined, tokenWait);
      }
    }
    if (limits.rpm !== undefined && !(await this.#countRequest(itemKey(key, 'req', minute), limits.rpm, minute))) {
      return toDecision(untilNextMinute, undefined);
    }
    return { allowed: true };
  }

  async recordTokens(key: string, tokens: number, now: number): Promise<void> {
    this.#assertOpen();
    validateTokens(key, tokens, now);
    if (tokens === 0) return;
    const minute = Math.floor(now / minuteMs);
    const update = new UpdateCommand({
      TableName: this.#tableName,
      Key: { key: itemKey(key, 'tok', minute) },
      UpdateExpression: 'SET expires_at = :expires ADD n :tokens',
      ExpressionAttributeValues: { ':expires': expiresAt(minute), ':tokens': tokens },
    });
    await this.#documents.send(update, this.#callOptions());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) this.#client.destroy();
  }

  #assertOpen(): void {
    if (this.#closed) throw closedLimiterError(this.kind);
  }

  /** Counts one request in the minute's item unless it holds `rpm` already; whether it did. */
  async #countRequest(item: string, rpm: number, minute: number): Promise<boolean> {
    try {
      const update = new UpdateCommand({
        TableName: this.#tableName,
        Key: { key: item },
        UpdateExpression: 'SET expires_at = :expires ADD n :one',
        ConditionExpression: 'attribute_not_exists(n) OR n < :rpm',
        ExpressionAttributeValues: { ':expires': expiresAt(minute), ':one': 1, ':rpm': rpm },
      });
      await this.#documents.send(update, this.#callOptions());
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** The counter `n` of an item, 0 when absent. */
  async #read(item: string): Promise<number> {
    const get = new GetCommand({ TableName: this.#tableName, Key: { key: item }, ConsistentRead: true, ProjectionExpression: 'n' });
    const output = await this.#documents.send(get, this.#callOptions());
    const count: unknown = output.Item?.['n'];
    if (count === undefined) return 0;
    if (typeof count !== 'number' || !Number.isFinite(count)) throw new Error(`the rate-limits item ${JSON.stringify(item)} holds a malformed counter`);
    return count;
  }

  /** Per-call options: the deadline. */
  #callOptions(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.#requestTimeoutMs) };
  }
}

/** `<key>#req#<minute>` or `<key>#tok#<minute>`: the minute has no `#`, so distinct keys never share an item. */
function itemKey(key: string, kind: 'req' | 'tok', minute: number): string {
  return `${key}#${kind}#${minute}`;
}

/** Epoch seconds at the end of the minute after `minute`: the item is read as "previous" until then. */
function expiresAt(minute: number): number {
  return (minute + 2) * 60;
}

/**
 * How long until the weighted estimate `current + previous × (60 s − elapsed) / 60 s` drops
 * below `tpm` (no more tokens assumed), or undefined when it is below already. `elapsed` is
 * the time since this minute started. Once the current minute is itself over the limit, the
 * wait runs into the next minute, where this minute's tokens weigh as "previous".
 */
export function weightedTokenWaitMs(current: number, previous: number, tpm: number, elapsed: number): number | undefined {
  if (current + (previous * (minuteMs - elapsed)) / minuteMs < tpm) return undefined;
  // The first elapsed time e with carried × (60 s − e) / 60 s < room.
  const firstBelow = (carried: number, room: number): number => Math.floor(minuteMs - (room * minuteMs) / carried) + 1;
  if (current < tpm) return firstBelow(previous, tpm - current) - elapsed;
  return minuteMs - elapsed + firstBelow(current, tpm);
}
