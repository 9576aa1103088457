import type { UsageRecord } from './accounting.ts';
import { compareText } from './accounting-validation.ts';

/**
 * The admin's reads of usage records (the admin UI's history and dashboard): a filtered,
 * newest-first page of records, and the aggregates of a window (totals, latency and time to
 * first byte percentiles, splits by user, key, model, provider, error type and fallback, a time
 * series). SQLite answers them in SQL (sqlite/usage-query.ts); the functions below answer them
 * over records in memory, for DynamoDB (dynamodb/usage-query.ts) and as the reference the
 * shared store suite holds both to. Every filter is a bound value, never SQL text.
 */

export interface UsageFilter {
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly userId?: string;
  readonly keyId?: string;
  /** The model the client asked for. */
  readonly model?: string;
  /** The provider that served (or last failed). */
  readonly provider?: string;
  /** `ok`: a final record with a status below 400; `error`: any other final record. */
  readonly outcome?: 'ok' | 'error';
  readonly errorType?: string;
}

/** Where the next page starts: the last record of this one (pages run newest first). */
export interface UsageCursor {
  readonly startedAt: number;
  readonly requestId: string;
}

export interface UsageListQuery extends UsageFilter {
  /** 1-1000. */
  readonly limit: number;
  readonly after?: UsageCursor;
}

export interface UsagePage {
  readonly records: UsageRecord[];
  /** Absent on the last page. */
  readonly next?: UsageCursor;
}

export const usageDimensions = ['user', 'key', 'model_requested', 'model_served', 'provider', 'error_type', 'fallback'] as const;
export type UsageDimension = (typeof usageDimensions)[number];

export interface UsageTotals {
  readonly requests: number;
  readonly errors: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly costMicros: number;
}

/** One value of a dimension (`fallback`: `trigger → provider`) and its totals. */
export interface UsageGroup extends UsageTotals {
  readonly key: string;
}

export interface UsageBucket extends UsageTotals {
  /** Epoch ms of the bucket's start (a multiple of the bucket size). */
  readonly start: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
}

export interface UsageStats {
  readonly totals: UsageTotals;
  /** Undefined when no final record in the window has one. */
  readonly latencyMs?: Percentiles;
  readonly ttfbMs?: Percentiles;
  /** Per dimension, at most `top` groups, by cost then requests (descending), then key. */
  readonly groups: Record<UsageDimension, UsageGroup[]>;
  /** Buckets holding records, in time order. */
  readonly series: UsageBucket[];
}

export interface UsageStatsQuery extends UsageFilter {
  /** Series bucket size, ms (a minute or more). */
  readonly bucketMs: number;
  /** Groups kept per dimension. */
  readonly top: number;
}

/** A record that ended (history shows in-flight ones; aggregates count only these). */
export function isFinal(record: UsageRecord): boolean {
  return record.state !== 'in_progress';
}

export function isError(record: UsageRecord): boolean {
  return record.status === undefined || record.status >= 400;
}

export function matchesFilter(record: UsageRecord, filter: UsageFilter): boolean {
  if (record.startedAt < filter.from || record.startedAt >= filter.to) return false;
  if (filter.userId !== undefined && record.userId !== filter.userId) return false;
  if (filter.keyId !== undefined && record.keyId !== filter.keyId) return false;
  if (filter.model !== undefined && record.modelRequested !== filter.model) return false;
  if (filter.provider !== undefined && record.provider !== filter.provider) return false;
  if (filter.errorType !== undefined && record.errorType !== filter.errorType) return false;
  if (filter.outcome !== undefined && (!isFinal(record) || isError(record) !== (filter.outcome === 'error'))) return false;
  return true;
}

/** Newest first; equal times by request id, descending (the cursor's order). */
export function newestFirst(left: UsageRecord, right: UsageRecord): number {
  return right.startedAt - left.startedAt || compareText(right.requestId, left.requestId);
}

function isAfter(record: UsageRecord, cursor: UsageCursor): boolean {
  return record.startedAt < cursor.startedAt || (record.startedAt === cursor.startedAt && compareText(record.requestId, cursor.requestId) < 0);
}

/** A page of `records` (any order, any window) for `query`. */
export function pageOfUsage(records: readonly UsageRecord[], query: UsageListQuery): UsagePage {
  const { after } = query;
  const matching = records.filter((record) => matchesFilter(record, query) && (after === undefined || isAfter(record, after))).sort(newestFirst);
  const page = matching.slice(0, query.limit);
  const last = page.at(-1);
  return matching.length > query.limit && last !== undefined ? { records: page, next: { startedAt: last.startedAt, requestId: last.requestId } } : { records: page };
}

/** The group key of a record on a dimension; undefined leaves it out (no key, no error, no fallback). */
export function dimensionKey(record: UsageRecord, dimension: UsageDimension): string | undefined {
  switch (dimension) {
    case 'user':
      return record.userId;
    case 'key':
      return record.keyId;
    case 'model_requested':
      return record.modelRequested;
    case 'model_served':
      return record.modelServed;
    case 'provider':
      return record.provider;
    case 'error_type':
      return isError(record) ? (record.errorType ?? 'unknown') : undefined;
    case 'fallback':
      return record.fallback === undefined ? undefined : `${record.fallback} → ${record.provider ?? 'none'}`;
  }
}

type MutableTotals = { -readonly [K in keyof UsageTotals]: UsageTotals[K] };

export function emptyTotals(): MutableTotals {
  return { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 0 };
}

function addRecord(totals: MutableTotals, record: UsageRecord): void {
  totals.requests += 1;
  totals.errors += isError(record) ? 1 : 0;
  totals.inputTokens += record.inputTokens;
  totals.outputTokens += record.outputTokens;
  totals.cacheReadTokens += record.cacheReadTokens;
  totals.cacheWriteTokens += record.cacheWrite5mTokens + record.cacheWrite1hTokens;
  totals.costMicros += record.costMicros;
}

/** By cost, then requests (descending), then key. */
export function byCost(left: UsageGroup, right: UsageGroup): number {
  return right.costMicros - left.costMicros || right.requests - left.requests || compareText(left.key, right.key);
}

/** Nearest-rank percentile of ascending `values` (non-empty). */
export function percentile(sorted: readonly number[], fraction: number): number {
  const index = Math.max(0, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.min(index, sorted.length - 1)] as number;
}

function percentiles(values: number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  values.sort((left, right) => left - right);
  return { p50: percentile(values, 0.5), p95: percentile(values, 0.95) };
}

/** The aggregates of `records` (any window) for `query`. */
export function statsOfUsage(records: readonly UsageRecord[], query: UsageStatsQuery): UsageStats {
  const totals = emptyTotals();
  const groups = new Map<UsageDimension, Map<string, MutableTotals>>(usageDimensions.map((dimension) => [dimension, new Map()]));
  const buckets = new Map<number, MutableTotals>();
  const latencies: number[] = [];
  const ttfbs: number[] = [];
  for (const record of records) {
    if (!isFinal(record) || !matchesFilter(record, query)) continue;
    addRecord(totals, record);
    if (record.latencyMs !== undefined) latencies.push(record.latencyMs);
    if (record.ttfbMs !== undefined) ttfbs.push(record.ttfbMs);
    const start = Math.floor(record.startedAt / query.bucketMs) * query.bucketMs;
    const bucket = buckets.get(start) ?? emptyTotals();
    addRecord(bucket, record);
    buckets.set(start, bucket);
    for (const [dimension, byKey] of groups) {
      const key = dimensionKey(record, dimension);
      if (key === undefined) continue;
      const group = byKey.get(key) ?? emptyTotals();
      addRecord(group, record);
      byKey.set(key, group);
    }
  }
  const grouped = Object.fromEntries(
    [...groups].map(([dimension, byKey]) => [dimension, [...byKey].map(([key, group]) => ({ key, ...group })).sort(byCost).slice(0, query.top)]),
  ) as Record<UsageDimension, UsageGroup[]>;
  const latencyMs = percentiles(latencies);
  const ttfbMs = percentiles(ttfbs);
  return {
    totals,
    ...(latencyMs === undefined ? {} : { latencyMs }),
    ...(ttfbMs === undefined ? {} : { ttfbMs }),
    groups: grouped,
    series: [...buckets].sort(([left], [right]) => left - right).map(([start, bucket]) => ({ start, ...bucket })),
  };
}
