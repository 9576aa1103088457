import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type TestDynamo } from '../../test/helpers/dynalite.ts';
import type { AccountingStore, UsageRecord } from './accounting.ts';
import { DynamoAccountingStore } from './dynamodb/accounting.ts';
import { setupTables } from './dynamodb/tables.ts';
import { SqliteAccountingStore } from './sqlite/accounting.ts';
import { pageOfUsage, percentile, statsOfUsage, type UsageListQuery, type UsageStatsQuery } from './usage-query.ts';

const base = Date.UTC(2026, 11, 1, 10, 0, 0);
const minute = 60_000;

function record(index: number, overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: `req_${String(index).padStart(3, '0')}`,
    startedAt: base + index * minute,
    state: 'complete',
    userId: index % 3 === 0 ? 'bob' : 'alice',
    ...(index % 2 === 0 ? { keyId: 'key_even' } : {}),
    route: 'messages',
    modelRequested: index % 4 === 0 ? 'claude-opus-4-5' : 'claude-haiku-4-5',
    modelServed: index % 4 === 0 ? 'claude-opus-4-5' : 'claude-haiku-4-5',
    provider: index % 5 === 0 ? 'bedrock' : 'anthropic',
    ...(index % 5 === 0 ? { fallback: 'rate_limited' } : {}),
    stream: index % 2 === 1,
    status: index % 7 === 0 ? 529 : 200,
    ...(index % 7 === 0 ? { errorType: 'overloaded_error' } : {}),
    inputTokens: 100 + index,
    outputTokens: 10 + index,
    cacheReadTokens: index,
    cacheWrite5mTokens: 2,
    cacheWrite1hTokens: 1,
    costMicros: 1_000 * index,
    reservedMicros: 0,
    latencyMs: 100 + index * 10,
    ttfbMs: 10 + index,
    expiresAt: Math.floor(base / 1000) + 90 * 86_400,
    ...overrides,
  };
}

// 40 final records one minute apart, one still in progress, one outside the window.
const records: UsageRecord[] = [
  ...Array.from({ length: 40 }, (_, index) => record(index + 1)),
  record(41, { state: 'in_progress', status: undefined, costMicros: 0 }),
  record(500),
];
const window = { from: base, to: base + 100 * minute };

describe('usage reads in memory (the reference)', () => {
  it('pages newest first with a cursor that continues where the page ended', () => {
    const first = pageOfUsage(records, { ...window, limit: 15 });
    expect(first.records.map((item) => item.requestId).slice(0, 3)).toEqual(['req_041', 'req_040', 'req_039']);
    expect(first.next).toEqual({ startedAt: base + 27 * minute, requestId: 'req_027' });
    const second = pageOfUsage(records, { ...window, limit: 30, ...(first.next === undefined ? {} : { after: first.next }) });
    expect(second.records.map((item) => item.requestId)[0]).toBe('req_026');
    expect(second.records).toHaveLength(26);
    expect(second.next).toBeUndefined();
  });

  it('nearest-rank percentiles', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 0.95)).toBe(19);
    expect(percentile([7], 0.95)).toBe(7);
  });

  it('aggregates final records only', () => {
    const stats = statsOfUsage(records, { ...window, bucketMs: 10 * minute, top: 3 });
    expect(stats.totals).toEqual({
      requests: 40,
      errors: 5,
      inputTokens: 40 * 100 + 820,
      outputTokens: 40 * 10 + 820,
      cacheReadTokens: 820,
      cacheWriteTokens: 120,
      costMicros: 820_000,
    });
    expect(stats.latencyMs).toEqual({ p50: 300, p95: 480 });
    expect(stats.groups.error_type).toEqual([{ key: 'overloaded_error', requests: 5, errors: 5, inputTokens: 605, outputTokens: 155, cacheReadTokens: 105, cacheWriteTokens: 15, costMicros: 105_000 }]);
    expect(stats.groups.fallback.map((group) => [group.key, group.requests])).toEqual([['rate_limited → bedrock', 8]]);
    expect(stats.groups.user).toHaveLength(2);
    expect(stats.series.map((bucket) => bucket.requests)).toEqual([9, 10, 10, 10, 1]);
  });
});

interface Backend {
  readonly name: string;
  open(): Promise<AccountingStore>;
}

const directory = mkdtempSync(join(tmpdir(), 'usage-query-'));
let dynamo: TestDynamo | undefined;
const backends: Backend[] = [
  { name: 'sqlite', open: async () => SqliteAccountingStore.open(join(directory, 'gateway.db')) },
  {
    name: 'dynamodb',
    open: async () => {
      if (dynamo === undefined) throw new Error('dynalite is not running');
      const options = { region: dynamo.region, endpoint: dynamo.endpoint, credentials: dynamo.credentials, tablePrefix: 'usage-query-' };
      await setupTables({ ...options, pollIntervalMs: 5 });
      return new DynamoAccountingStore(options);
    },
  },
];

beforeAll(async () => void (dynamo = await startDynalite()));
afterAll(async () => {
  await dynamo?.stop();
  rmSync(directory, { recursive: true, force: true });
});

const listQueries: UsageListQuery[] = [
  { ...window, limit: 1000 },
  { ...window, limit: 7 },
  { ...window, limit: 5, after: { startedAt: base + 20 * minute, requestId: 'req_020' } },
  { ...window, limit: 100, userId: 'bob' },
  { ...window, limit: 100, keyId: 'key_even', outcome: 'error' },
  { ...window, limit: 100, model: 'claude-opus-4-5', provider: 'bedrock' },
  { ...window, limit: 100, outcome: 'ok', userId: 'alice' },
  { ...window, limit: 100, errorType: 'overloaded_error' },
  { from: base + 10 * minute, to: base + 12 * minute, limit: 100 },
];

const statsQueries: UsageStatsQuery[] = [
  { ...window, bucketMs: 10 * minute, top: 10 },
  { ...window, bucketMs: 60 * minute, top: 1, userId: 'alice' },
  { ...window, bucketMs: minute, top: 5, keyId: 'key_even', outcome: 'ok' },
  { from: base + 1000 * minute, to: base + 1100 * minute, bucketMs: minute, top: 5 },
];

describe.each(backends)('$name store: usage reads agree with the reference', (backend) => {
  let store: AccountingStore;
  beforeAll(async () => {
    store = await backend.open();
    await store.writeUsage(records);
    return () => store.close();
  });

  it.each(listQueries.map((query, index) => [index, query] as const))('history page %i', async (_index, query) => {
    expect(await store.listUsage(query)).toEqual(pageOfUsage(records, query));
  });

  it.each(statsQueries.map((query, index) => [index, query] as const))('aggregates %i', async (_index, query) => {
    expect(await store.usageStats(query)).toEqual(statsOfUsage(records, query));
  });

  it('refuses a page limit out of range and a series of too many buckets', async () => {
    await expect(store.listUsage({ ...window, limit: 0 })).rejects.toThrow(/limit/);
    await expect(store.usageStats({ from: 0, to: base, bucketMs: minute, top: 5 })).rejects.toThrow(/buckets/);
  });
});
