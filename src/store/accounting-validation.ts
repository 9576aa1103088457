import { usageOutcomes, type ApiKeyPatch, type ApiKeyRecord, type KeyStatus, type UsageQuery, type UsageRecord, type UsageState } from './accounting.ts';
import type { UsageListQuery, UsageStatsQuery } from './usage-query.ts';
import { isServiceTier } from '../service-tier.ts';

/**
 * Checks shared by every accounting store, run before anything is written: a value no backend
 * could store faithfully (a fractional micro-dollar, a NaN time, an unknown state) is refused
 * the same way everywhere instead of being coerced by one backend and rejected by another.
 */

const keyStatuses: ReadonlySet<KeyStatus> = new Set(['active', 'revoked', 'disabled']);
const usageStates: ReadonlySet<UsageState> = new Set(['in_progress', 'complete', 'interrupted']);

/** Epoch ms below 10^15 (year 33658): the width DynamoDB's usage sort key pads `startedAt` to. */
export const maxTime = 999_999_999_999_999;

export function checkCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${what} must be a non-negative integer, got ${value}`);
  return value;
}

export function checkTime(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > maxTime) throw new TypeError(`${what} must be an integer epoch-ms time, got ${value}`);
  return value;
}

function checkText(value: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
  return value;
}

function checkMonth(month: string): string {
  if (typeof month !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new TypeError(`budget month must be YYYY-MM, got ${String(month)}`);
  return month;
}

export function checkKeyRecord(record: ApiKeyRecord): ApiKeyRecord {
  checkText(record.id, 'key id');
  checkText(record.digest, 'key digest');
  checkText(record.userId, 'key userId');
  if (typeof record.prefix !== 'string' || typeof record.name !== 'string') throw new TypeError('key prefix and name must be strings');
  checkKeyStatus(record.status);
  if (record.serviceTier !== undefined) checkServiceTier(record.serviceTier);
  checkOptionalCount(record.rpmLimit, 'rpmLimit');
  checkOptionalCount(record.tpmLimit, 'tpmLimit');
  checkOptionalCount(record.monthlyBudgetMicros, 'monthlyBudgetMicros');
  checkTime(record.createdAt, 'key createdAt');
  checkTime(record.updatedAt, 'key updatedAt');
  return record;
}

export function checkKeyPatch(patch: ApiKeyPatch, now: number): ApiKeyPatch {
  checkTime(now, 'now');
  if (patch.name !== undefined && typeof patch.name !== 'string') throw new TypeError('key name must be a string');
  if (patch.status !== undefined) checkKeyStatus(patch.status);
  if (patch.serviceTier !== undefined && patch.serviceTier !== null) checkServiceTier(patch.serviceTier);
  checkOptionalCount(patch.rpmLimit ?? undefined, 'rpmLimit');
  checkOptionalCount(patch.tpmLimit ?? undefined, 'tpmLimit');
  checkOptionalCount(patch.monthlyBudgetMicros ?? undefined, 'monthlyBudgetMicros');
  return patch;
}

export function checkUsageRecord(record: UsageRecord): UsageRecord {
  checkText(record.requestId, 'usage requestId');
  checkText(record.userId, 'usage userId');
  checkText(record.route, 'usage route');
  checkTime(record.startedAt, 'usage startedAt');
  if (!usageStates.has(record.state)) throw new TypeError(`usage state must be in_progress, complete or interrupted, got ${String(record.state)}`);
  if (typeof record.stream !== 'boolean') throw new TypeError('usage stream must be a boolean');
  if (record.outcome !== undefined && !usageOutcomes.includes(record.outcome)) throw new TypeError(`usage outcome must be one of ${usageOutcomes.join(', ')}, got ${String(record.outcome)}`);
  for (const field of ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'costMicros', 'reservedMicros', 'expiresAt'] as const) {
    checkCount(record[field], `usage ${field}`);
  }
  checkOptionalCount(record.status, 'usage status');
  if (record.budgetMonth !== undefined) checkMonth(record.budgetMonth);
  for (const field of ['latencyMs', 'ttfbMs'] as const) {
    const value = record[field];
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw new TypeError(`usage ${field} must be a non-negative number, got ${value}`);
  }
  return record;
}

export function checkUsageQuery(query: UsageQuery): UsageQuery {
  checkTime(query.from, 'usage query from');
  checkTime(query.to, 'usage query to');
  return query;
}

/** A history query: its window, limit (1-1000) and cursor. */
export function checkListQuery(query: UsageListQuery): UsageListQuery {
  checkTime(query.from, 'usage query from');
  checkTime(query.to, 'usage query to');
  if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > 1000) throw new TypeError(`usage page limit must be 1-1000, got ${query.limit}`);
  if (query.after !== undefined) {
    checkTime(query.after.startedAt, 'usage cursor time');
    checkText(query.after.requestId, 'usage cursor request id');
  }
  return query;
}

/** An aggregate query: its window, bucket (a minute or more, at most 10,000 buckets) and group count. */
export function checkStatsQuery(query: UsageStatsQuery): UsageStatsQuery {
  checkTime(query.from, 'usage query from');
  checkTime(query.to, 'usage query to');
  if (!Number.isSafeInteger(query.bucketMs) || query.bucketMs < 60_000) throw new TypeError(`usage bucket must be a whole number of ms, a minute or more, got ${query.bucketMs}`);
  if ((query.to - query.from) / query.bucketMs > 10_000) throw new TypeError('usage series would hold more than 10,000 buckets');
  if (!Number.isSafeInteger(query.top) || query.top < 1 || query.top > 1000) throw new TypeError(`usage top must be 1-1000, got ${query.top}`);
  return query;
}

/**
 * The row a batch leaves for each request id when its records are applied in order: a final
 * record replaces anything, an `in_progress` one only another `in_progress` one. Keeps the
 * first occurrence's position, so writes happen in the caller's order.
 */
export function collapseUsage(records: readonly UsageRecord[]): UsageRecord[] {
  const byRequest = new Map<string, UsageRecord>();
  for (const record of records) {
    const previous = byRequest.get(record.requestId);
    if (previous === undefined || record.state !== 'in_progress' || previous.state === 'in_progress') byRequest.set(record.requestId, record);
  }
  return [...byRequest.values()];
}

/** The object without its undefined fields, so a record read back equals the one written. */
export function omitUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** Code-unit order, the same on every backend (SQLite would compare UTF-8 bytes). */
export function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function checkKeyStatus(status: KeyStatus): void {
  if (!keyStatuses.has(status)) throw new TypeError(`key status must be active, revoked or disabled, got ${String(status)}`);
}

function checkServiceTier(tier: unknown): void {
  if (!isServiceTier(tier)) throw new TypeError(`service tier must be default, flex, priority or reserved, got ${String(tier)}`);
}

function checkOptionalCount(value: number | undefined, what: string): void {
  if (value !== undefined) checkCount(value, what);
}

/** A budget's key id and month (YYYY-MM). */
export function checkBudgetKey(keyId: string, month: string): void {
  checkText(keyId, 'budget key id');
  checkMonth(month);
}
