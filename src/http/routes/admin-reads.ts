import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app.ts';
import { keyView } from '../../accounting/key-admin.ts';
import { GatewayError } from '../../errors.ts';
import { budgetMonth, fromMicros, type ApiKeyRecord } from '../../store/accounting.ts';
import { usageDimensions } from '../../store/usage-query.ts';
import { adminCallerOf } from '../admin-ui/admin-caller.ts';
import { bucketFor, csvColumns, csvRow, decodeCursor, encodeCursor, integerParameter, queryText, totalsView, usageFilter, usageView } from '../admin-ui/usage-params.ts';
import { found } from './admin.ts';

/**
 * The admin API's reads for the dashboard, history and budgets (docs/admin-ui.md), every one
 * open to a read-only session too and then narrowed to its own user:
 * - `GET /admin/usage`: a page of records, newest first (`limit`, `cursor` from `next_cursor`),
 *   filtered by `from`, `to`, `user_id`, `key_id`, `model`, `provider`, `outcome`, `error_type`;
 * - `GET /admin/usage.csv`: the same records as CSV (at most 100,000 rows);
 * - `GET /admin/usage/{request_id}`: one record;
 * - `GET /admin/usage/stats`: the window's aggregates (totals, p50/p95, splits, series);
 * - `GET /admin/keys/{id}/usage`: a key's spend by month (six months) and this month's totals;
 * - `GET /admin/budgets`: keys with a budget or spend in a month, spent vs budget.
 */

const CSV_MAX_ROWS = 100_000;
const viewer = { config: { viewer: true } };

type Query = Record<string, unknown>;

async function page(request: FastifyRequest, deps: AppDependencies) {
  const query = request.query as Query;
  const filter = usageFilter(query, deps.clock.now(), adminCallerOf(request).userId);
  const after = decodeCursor(queryText(query, 'cursor'));
  const result = await deps.accounting.store.listUsage({ ...filter, limit: integerParameter(query, 'limit', 50, 1, 1000), ...(after === undefined ? {} : { after }) });
  return {
    from: new Date(filter.from).toISOString(),
    to: new Date(filter.to).toISOString(),
    data: result.records.map(usageView),
    next_cursor: result.next === undefined ? null : encodeCursor(result.next),
  };
}

async function csv(request: FastifyRequest, reply: FastifyReply, deps: AppDependencies) {
  const filter = usageFilter(request.query as Query, deps.clock.now(), adminCallerOf(request).userId);
  let text = `${csvColumns.join(',')}\r\n`;
  let rows = 0;
  let after;
  do {
    const result = await deps.accounting.store.listUsage({ ...filter, limit: 1000, ...(after === undefined ? {} : { after }) });
    for (const record of result.records) text += csvRow(usageView(record));
    rows += result.records.length;
    after = result.next;
  } while (after !== undefined && rows < CSV_MAX_ROWS);
  const name = `usage-${new Date(filter.from).toISOString().slice(0, 10)}-${new Date(filter.to).toISOString().slice(0, 10)}.csv`;
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}"`).send(text);
}

async function stats(request: FastifyRequest, deps: AppDependencies) {
  const query = request.query as Query;
  const filter = usageFilter(query, deps.clock.now(), adminCallerOf(request).userId);
  const bucketMs = queryText(query, 'bucket') === undefined ? bucketFor(filter.from, filter.to) : integerParameter(query, 'bucket', 3600, 60, 31 * 86_400) * 1000;
  if ((filter.to - filter.from) / bucketMs > 10_000) throw new GatewayError('GW_INVALID_QUERY', 'bucket is too small for the window (at most 10,000 points).');
  const result = await deps.accounting.store.usageStats({ ...filter, bucketMs, top: integerParameter(query, 'top', 10, 1, 100) });
  return {
    from: new Date(filter.from).toISOString(),
    to: new Date(filter.to).toISOString(),
    bucket_seconds: bucketMs / 1000,
    totals: totalsView(result.totals),
    latency_ms: result.latencyMs ?? null,
    ttfb_ms: result.ttfbMs ?? null,
    groups: Object.fromEntries(usageDimensions.map((dimension) => [dimension, result.groups[dimension].map((group) => ({ key: group.key, ...totalsView(group) }))])),
    series: result.series.map((bucket) => ({ start: new Date(bucket.start).toISOString(), ...totalsView(bucket) })),
  };
}

/** `YYYY-MM` months ending with `month`, newest first. */
function monthsBefore(month: string, count: number): string[] {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, index) => new Date(Date.UTC(year, number - 1 - index, 1)).toISOString().slice(0, 7));
}

async function keyUsage(request: FastifyRequest<{ Params: { id: string } }>, deps: AppDependencies) {
  const { store } = deps.accounting;
  const record = found(await store.getKey(request.params.id), request.params.id, adminCallerOf(request));
  const now = deps.clock.now();
  const months = await Promise.all(monthsBefore(budgetMonth(now), 6).map(async (month) => ({ month, state: await store.getBudget(record.id, month) })));
  const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
  const thisMonth = await store.usageStats({ from: monthStart, to: now + 1, userId: record.userId, keyId: record.id, bucketMs: 86_400_000, top: 5 });
  return {
    key: keyView(record),
    this_month: totalsView(thisMonth.totals),
    months: months.map(({ month, state }) => ({ month, spent_usd: fromMicros(state.spentMicros), reserved_usd: fromMicros(state.reservedMicros) })),
  };
}

async function budgets(request: FastifyRequest, deps: AppDependencies) {
  const { store } = deps.accounting;
  const month = queryText(request.query as Query, 'month') ?? budgetMonth(deps.clock.now());
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new GatewayError('GW_INVALID_QUERY', `month must be YYYY-MM, got ${JSON.stringify(month)}.`);
  const own = adminCallerOf(request).userId;
  const keys: ApiKeyRecord[] = await store.listKeys(own === undefined ? {} : { userId: own });
  const rows = await Promise.all(
    keys.map(async (key) => {
      const state = await store.getBudget(key.id, month);
      const limit = key.monthlyBudgetMicros;
      return {
        key: keyView(key),
        limit_usd: limit === undefined ? null : fromMicros(limit),
        spent_usd: fromMicros(state.spentMicros),
        reserved_usd: fromMicros(state.reservedMicros),
        remaining_usd: limit === undefined ? null : fromMicros(Math.max(0, limit - state.spentMicros - state.reservedMicros)),
        disabled_by_budget: key.status === 'disabled' && key.disabledReason === 'budget_exceeded',
      };
    }),
  );
  return { month, data: rows.filter((row) => row.limit_usd !== null || row.spent_usd > 0 || row.reserved_usd > 0) };
}

export function registerAdminReads(admin: FastifyInstance, deps: AppDependencies): void {
  admin.get('/admin/usage', viewer, (request) => page(request, deps));
  admin.get('/admin/usage.csv', viewer, (request, reply) => csv(request, reply, deps));
  admin.get('/admin/usage/stats', viewer, (request) => stats(request, deps));
  admin.get<{ Params: { requestId: string } }>('/admin/usage/:requestId', viewer, async (request) => {
    const record = await deps.accounting.store.getUsage(request.params.requestId);
    const own = adminCallerOf(request).userId;
    if (record === undefined || (own !== undefined && record.userId !== own)) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `No usage record with request id ${JSON.stringify(request.params.requestId)}.`);
    return usageView(record);
  });
  admin.get<{ Params: { id: string } }>('/admin/keys/:id/usage', viewer, (request) => keyUsage(request, deps));
  admin.get('/admin/budgets', viewer, (request) => budgets(request, deps));
}
