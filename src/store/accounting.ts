import type { ServiceTier } from '../service-tier.ts';
import type { UsageListQuery, UsagePage, UsageStats, UsageStatsQuery } from './usage-query.ts';

/**
 * The accounting store: gateway API keys, monthly budgets and usage records, behind one
 * interface with two real implementations, SQLite (`node:sqlite`, the zero-setup default, in
 * the data directory) and DynamoDB (`STORE=dynamodb`). Rate-limit windows live apart
 * (`rate-limits.ts`): they are counters every instance must share, in Redis when configured.
 *
 * Rules every implementation follows (one shared test suite, `accounting.test.ts`, holds them
 * to it):
 * - keys are stored as a digest plus a display prefix, never the key itself; `createKey` fails
 *   with `DuplicateKeyError` when the id or the digest exists already;
 * - money is integer micro-dollars (1 USD = 1,000,000), so sums never drift;
 * - `reserveBudget` is one atomic step (`spent + reserved + amount <= limit`, then
 *   `reserved += amount`): N concurrent reservations admit exactly floor(remaining / amount);
 *   `settleBudget` moves a reservation to spent (`reserved -= reserved`, `spent += actual`,
 *   never below zero);
 * - `writeUsage` is idempotent by request id: writing a batch twice leaves the same rows; an
 *   `in_progress` row never replaces a final (`complete` / `interrupted`) one, and a final row
 *   replaces whatever is there;
 * - a record with `keyId` and `budgetMonth` that becomes final for the first time (absent or
 *   `in_progress` before) settles its reservation: `reserved -= reservedMicros`,
 *   `spent += costMicros` (SQLite: in the same transaction; DynamoDB: right after the put);
 * - `interruptStale` turns `in_progress` rows that started before a time into `interrupted`
 *   ones charged their reservation (settled as above with cost = reservation), and returns them;
 * - time is passed in (`now`, epoch ms), so the caller's clock decides and tests are
 *   deterministic; after `close`, every operation rejects.
 */

export type KeyStatus = 'active' | 'revoked' | 'disabled';

export interface ApiKeyRecord {
  /** 16 base62 characters; also part of the key itself (`sk-gw-<id>-…`, see accounting/keys.ts). */
  readonly id: string;
  /** Hex SHA-256 (or HMAC-SHA-256 with the configured pepper) of the whole key. Never shown. */
  readonly digest: string;
  /** The first characters of the key, for people to recognise it (`sk-gw-key_AbC…`). */
  readonly prefix: string;
  readonly userId: string;
  readonly name: string;
  readonly status: KeyStatus;
  /** Why a key is disabled, e.g. `budget_exceeded`. */
  readonly disabledReason?: string;
  /** The month (`YYYY-MM`, UTC) a budget-disabled key was disabled in; the next month re-enables it. */
  readonly disabledMonth?: string;
  /** Bedrock service tier for this key's requests. */
  readonly serviceTier?: ServiceTier;
  /** Requests per minute; absent = the configured default (or none). */
  readonly rpmLimit?: number;
  /** Tokens (input + output) per minute; absent = the configured default (or none). */
  readonly tpmLimit?: number;
  /** Monthly budget in micro-dollars; absent = no budget. */
  readonly monthlyBudgetMicros?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The fields `updateKey` can change; `null` removes an optional limit. */
export interface ApiKeyPatch {
  readonly name?: string;
  readonly status?: KeyStatus;
  readonly disabledReason?: string | null;
  readonly disabledMonth?: string | null;
  readonly serviceTier?: ServiceTier | null;
  readonly rpmLimit?: number | null;
  readonly tpmLimit?: number | null;
  readonly monthlyBudgetMicros?: number | null;
}

export interface BudgetState {
  readonly spentMicros: number;
  readonly reservedMicros: number;
}

export type ReserveResult =
  | { readonly ok: true }
  /** Refused: the state at the time, so the caller can tell "spent" from "held by requests in flight". */
  | { readonly ok: false; readonly spentMicros: number; readonly reservedMicros: number };

export type UsageState = 'in_progress' | 'complete' | 'interrupted';

/**
 * How the delivery of a request's answer ended (final records): the whole answer reached the
 * client (an error answer included), the client left first, the upstream failed after the first
 * byte (the client got one error event or a cut connection), or the request was cut by the
 * gateway (shutdown) or its process died (the `interrupted` state).
 */
export type UsageOutcome = 'completed' | 'client_aborted' | 'upstream_error' | 'interrupted';
export const usageOutcomes: readonly UsageOutcome[] = ['completed', 'client_aborted', 'upstream_error', 'interrupted'];

/** The outcome of a record (older records have none: their state tells). */
export function outcomeOf(record: Pick<UsageRecord, 'state' | 'outcome'>): UsageOutcome {
  return record.outcome ?? (record.state === 'interrupted' ? 'interrupted' : 'completed');
}

export interface UsageRecord {
  /** The gateway's request id: the record's identity (writes are idempotent by it). */
  readonly requestId: string;
  /** Epoch ms when the gateway received the request. */
  readonly startedAt: number;
  readonly state: UsageState;
  /** The user: the key's user, `/user/{id}`, the user header, or `default`. */
  readonly userId: string;
  readonly keyId?: string;
  /** Truncated SHA-256 of the client's own upstream credential (passthrough), to let it read its usage. */
  readonly credentialId?: string;
  /** `messages` | `count_tokens`. */
  readonly route: string;
  readonly modelRequested?: string;
  readonly modelServed?: string;
  /** `anthropic` | `bedrock` | … */
  readonly provider?: string;
  readonly region?: string;
  readonly serviceTier?: string;
  readonly stream: boolean;
  /** HTTP status the client got (499 when it went away first). */
  readonly status?: number;
  /** Anthropic error type of a failure, e.g. `overloaded_error`. */
  readonly errorType?: string;
  /** The trigger that moved the request to another target, e.g. `rate_limited`. */
  readonly fallback?: string;
  /** How the answer's delivery ended (final records). */
  readonly outcome?: UsageOutcome;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWrite5mTokens: number;
  readonly cacheWrite1hTokens: number;
  /** Cost charged, micro-dollars (an interrupted request: its reservation). */
  readonly costMicros: number;
  /** Budget reserved for the request (micro-dollars), kept so a crash can be reconciled. */
  readonly reservedMicros: number;
  /** The budget month (`YYYY-MM`) the reservation was taken in. */
  readonly budgetMonth?: string;
  readonly latencyMs?: number;
  readonly ttfbMs?: number;
  /** Epoch seconds after which the record may be deleted (retention; DynamoDB TTL). */
  readonly expiresAt: number;
}

export interface UsageQuery {
  /** Only this user's records; absent = every user (admin). */
  readonly userId?: string;
  /** Only records made with this credential fingerprint (passthrough identity). */
  readonly credentialId?: string;
  /** Only records of this provider (`bedrock` for seed 000's `request_type=bedrock`). */
  readonly provider?: string;
  /** Only records of this route (`messages`: usage reports leave count_tokens calls out). */
  readonly route?: string;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
}

/** Totals for one user on one UTC day (`YYYY-MM-DD`). */
export interface UsageDay {
  readonly userId: string;
  readonly day: string;
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly costMicros: number;
  /** Requests by how their delivery ended (`outcomeOf`). */
  readonly outcomes: Readonly<Record<UsageOutcome, number>>;
}

export class DuplicateKeyError extends Error {
  constructor(what: string) {
    super(`an API key with this ${what} exists already`);
    this.name = 'DuplicateKeyError';
  }
}

export type AccountingStoreKind = 'sqlite' | 'dynamodb';

export interface AccountingStore {
  readonly kind: AccountingStoreKind;

  createKey(record: ApiKeyRecord): Promise<void>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  getKeyByDigest(digest: string): Promise<ApiKeyRecord | undefined>;
  /** Every key, or one user's, oldest first. */
  listKeys(filter?: { readonly userId?: string }): Promise<ApiKeyRecord[]>;
  /** Applies `patch` (and `updatedAt = now`); undefined when there is no such key. */
  updateKey(id: string, patch: ApiKeyPatch, now: number): Promise<ApiKeyRecord | undefined>;

  /** Reserves `amountMicros` of `keyId`'s `month` budget (`limitMicros`) atomically. */
  reserveBudget(keyId: string, month: string, amountMicros: number, limitMicros: number): Promise<ReserveResult>;
  /** Moves a reservation to spent; returns the state after. */
  settleBudget(keyId: string, month: string, reservedMicros: number, actualMicros: number): Promise<BudgetState>;
  getBudget(keyId: string, month: string): Promise<BudgetState>;

  /** Writes records (idempotent by request id; see the rules above) durably before resolving. */
  writeUsage(records: readonly UsageRecord[]): Promise<void>;
  getUsage(requestId: string): Promise<UsageRecord | undefined>;
  /** Per user and UTC day totals of final records in the window. */
  usageByDay(query: UsageQuery): Promise<UsageDay[]>;
  /** A filtered page of records, newest first (the admin's history; store/usage-query.ts). */
  listUsage(query: UsageListQuery): Promise<UsagePage>;
  /** Aggregates of the final records in a window (the admin's dashboard; store/usage-query.ts). */
  usageStats(query: UsageStatsQuery): Promise<UsageStats>;
  /** Marks `in_progress` records started before `before` as `interrupted` (cost = reservation); returns them. */
  interruptStale(before: number): Promise<UsageRecord[]>;
  /** Deletes records whose `expiresAt` (epoch s) is before `now` (SQLite; DynamoDB's TTL does it there). */
  deleteExpired(now: number): Promise<number>;

  /** Readiness: resolves when the store can be used, else rejects saying why (stores that cannot fail leave it out). */
  check?(): Promise<void>;

  close(): Promise<void>;
}

/** `YYYY-MM` of an epoch-ms time, in UTC: the budget month. */
export function budgetMonth(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}

/** `YYYY-MM-DD` of an epoch-ms time, in UTC. */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** USD to integer micro-dollars (rounded half up). */
export function toMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

export function fromMicros(micros: number): number {
  return micros / 1_000_000;
}

export function closedAccountingStoreError(kind: AccountingStoreKind): Error {
  return new Error(`the ${kind} accounting store is closed`);
}
