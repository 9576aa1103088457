// The admin UI's usage reads on SQLite with a large history (issue 16: the dashboard's queries
// under 200 ms each and a history page under 100 ms at 1,000,000 records):
//
//   node bench/admin-usage.ts [--records 1000000] [--days 30] [--runs 5]
//
// Fills a fresh SQLite file with records spread evenly, in time order, over the last N days (50 users, 200 keys, 6
// models, 3 providers, 3% errors, 2% fallbacks), then times each read the UI makes: a history
// page (no filter, one user, one key, errors only, the 20th page by cursor) and the dashboard's
// aggregates over 24 hours, 7 days and 30 days. Wall time, the median of --runs runs (after one warm-up when more than one).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { UsageRecord } from '../src/store/accounting.ts';
import { SqliteAccountingStore } from '../src/store/sqlite/accounting.ts';
import type { UsageListQuery } from '../src/store/usage-query.ts';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, days: { type: 'string', default: '30' }, runs: { type: 'string', default: '5' } } });
const runCount = Number(values.runs);
const total = Number(values.records);
const days = Number(values.days);
const now = Date.now();
const span = days * 86_400_000;
const models = ['claude-sonnet-5-5', 'claude-opus-5-5', 'claude-haiku-5-5', 'claude-sonnet-4-5', 'qwen.qwen3-coder-480b-a35b-v1:0', 'gpt-5.2'];
const providers = ['anthropic', 'bedrock', 'openai'];

function record(index: number): UsageRecord {
  const error = index % 33 === 0;
  return {
    requestId: `req_${index.toString(36).padStart(10, '0')}`,
    // Records arrive in time order, as the gateway writes them (row order follows time).
    startedAt: now - span + Math.floor((index / total) * span),
    state: 'complete',
    userId: `user${index % 50}`,
    keyId: `key_${String(index % 200).padStart(12, '0')}`,
    route: 'messages',
    modelRequested: models[index % models.length] as string,
    modelServed: models[index % models.length] as string,
    provider: providers[index % 17 === 0 ? 1 : index % 23 === 0 ? 2 : 0] as string,
    stream: index % 2 === 0,
    status: error ? 529 : 200,
    ...(error ? { errorType: 'overloaded_error' } : {}),
    ...(index % 50 === 0 ? { fallback: 'rate_limited' } : {}),
    inputTokens: 1000 + (index % 5000),
    outputTokens: 100 + (index % 900),
    cacheReadTokens: index % 3 === 0 ? 20_000 : 0,
    cacheWrite5mTokens: index % 11 === 0 ? 5_000 : 0,
    cacheWrite1hTokens: 0,
    costMicros: 3_000 + (index % 20_000),
    reservedMicros: 0,
    latencyMs: 200 + (index % 9_000),
    ttfbMs: 50 + (index % 2_000),
    expiresAt: Math.floor(now / 1000) + 90 * 86_400,
  };
}

const directory = mkdtempSync(join(tmpdir(), 'bench-admin-usage-'));
const store = SqliteAccountingStore.open(join(directory, 'gateway.db'));
try {
  const started = performance.now();
  for (let offset = 0; offset < total; offset += 10_000) {
    await store.writeUsage(Array.from({ length: Math.min(10_000, total - offset) }, (_, index) => record(offset + index)));
  }
  console.log(`filled ${total} records over ${days} days in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  async function time(name: string, run: () => Promise<unknown>): Promise<void> {
    if (runCount > 1) await run();
    const runs: number[] = [];
    for (let round = 0; round < runCount; round++) {
      const begin = performance.now();
      await run();
      runs.push(performance.now() - begin);
    }
    runs.sort((left, right) => left - right);
    console.log(`${name.padEnd(44)} ${(runs[Math.floor(runs.length / 2)] as number).toFixed(1).padStart(8)} ms`);
  }

  const day = { from: now - 86_400_000, to: now + 1 };
  const page = (query: Omit<UsageListQuery, 'limit'>) => store.listUsage({ ...query, limit: 50 });
  await time('history page, last 24 h', () => page(day));
  await time('history page, 30 days, one user', () => page({ from: now - span, to: now + 1, userId: 'user7' }));
  await time('history page, 30 days, one key', () => page({ from: now - span, to: now + 1, keyId: 'key_000000000042' }));
  await time('history page, 30 days, errors only', () => page({ from: now - span, to: now + 1, outcome: 'error' }));
  await time('history page 20 (cursor), 30 days', async () => {
    let after;
    for (let index = 0; index < 20; index++) after = (await store.listUsage({ from: now - span, to: now + 1, limit: 50, ...(after === undefined ? {} : { after }) })).next;
  });
  for (const [name, window, bucketMs] of [['24 h', 86_400_000, 900_000], ['7 days', 7 * 86_400_000, 3 * 3_600_000], ['30 days', span, 6 * 3_600_000]] as const) {
    await time(`dashboard aggregates, ${name}`, () => store.usageStats({ from: now - window, to: now + 1, bucketMs, top: 10 }));
  }
  await time('dashboard aggregates, 30 days, one user', () => store.usageStats({ from: now - span, to: now + 1, userId: 'user7', bucketMs: 6 * 3_600_000, top: 10 }));
} finally {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
}
