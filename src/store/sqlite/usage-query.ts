import type { DatabaseSync, SQLInputValue, SQLOutputValue, StatementSync } from 'node:sqlite';
import type { UsageRecord } from '../accounting.ts';
import {
  byCost,
  emptyTotals,
  usageDimensions,
  type Percentiles,
  type UsageDimension,
  type UsageFilter,
  type UsageGroup,
  type UsageListQuery,
  type UsagePage,
  type UsageStats,
  type UsageStatsQuery,
  type UsageTotals,
} from '../usage-query.ts';
import { toUsageRecord, usageColumns } from './accounting-rows.ts';

/**
 * The admin's usage reads (store/usage-query.ts) in SQL on the `usage` table. The WHERE clause
 * holds only the filters given (so SQLite can pick the index that fits: time, user and time,
 * key and time), every value bound as a parameter; statements are prepared once per shape.
 */

type Row = Record<string, SQLOutputValue>;
type Parameters = Record<string, SQLInputValue>;

const usageColumnList = usageColumns.join(', ');

const ERROR = '(status IS NULL OR status >= 400)';

const totalsSelect = `count(*) AS requests, coalesce(sum(${ERROR}), 0) AS errors,
  coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
  coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens, coalesce(sum(cache_write_5m_tokens + cache_write_1h_tokens), 0) AS cache_write_tokens,
  coalesce(sum(cost_micros), 0) AS cost_micros`;

/** The SQL expression of each dimension's group key (NULL leaves a record out of the split). */
const dimensionSql: Record<UsageDimension, string> = {
  user: 'user_id',
  key: 'key_id',
  model_requested: 'model_requested',
  model_served: 'model_served',
  provider: 'provider',
  error_type: `CASE WHEN ${ERROR} THEN coalesce(error_type, 'unknown') END`,
  fallback: `CASE WHEN fallback IS NOT NULL THEN fallback || ' → ' || coalesce(provider, 'none') END`,
};

function whereOf(filter: UsageFilter, finalOnly: boolean): { readonly sql: string; readonly parameters: Parameters } {
  const conditions = ['started_at >= :from', 'started_at < :to'];
  const parameters: Parameters = { from: filter.from, to: filter.to };
  const equal = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    conditions.push(`${column} = :${column}`);
    parameters[column] = value;
  };
  equal('user_id', filter.userId);
  equal('key_id', filter.keyId);
  equal('model_requested', filter.model);
  equal('provider', filter.provider);
  equal('error_type', filter.errorType);
  if (finalOnly || filter.outcome !== undefined) conditions.push("state != 'in_progress'");
  if (filter.outcome !== undefined) conditions.push(filter.outcome === 'error' ? ERROR : `NOT ${ERROR}`);
  return { sql: conditions.join(' AND '), parameters };
}

function toTotals(row: Row | undefined): UsageTotals {
  const value = (column: string) => {
    const found = row?.[column];
    return typeof found === 'number' ? found : 0;
  };
  return {
    requests: value('requests'),
    errors: value('errors'),
    inputTokens: value('input_tokens'),
    outputTokens: value('output_tokens'),
    cacheReadTokens: value('cache_read_tokens'),
    cacheWriteTokens: value('cache_write_tokens'),
    costMicros: value('cost_micros'),
  };
}

function addTotals(sum: ReturnType<typeof emptyTotals>, add: UsageTotals): void {
  sum.requests += add.requests;
  sum.errors += add.errors;
  sum.inputTokens += add.inputTokens;
  sum.outputTokens += add.outputTokens;
  sum.cacheReadTokens += add.cacheReadTokens;
  sum.cacheWriteTokens += add.cacheWriteTokens;
  sum.costMicros += add.costMicros;
}

export class SqliteUsageQueries {
  readonly #database: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(database: DatabaseSync) {
    this.#database = database;
  }

  listUsage(query: UsageListQuery): UsagePage {
    const where = whereOf(query, false);
    const parameters: Parameters = { ...where.parameters, limit: query.limit + 1 };
    let sql = `SELECT ${usageColumnList} FROM usage WHERE ${where.sql}`;
    if (query.after !== undefined) {
      sql += ' AND (started_at < :after_time OR (started_at = :after_time AND request_id < :after_id))';
      parameters['after_time'] = query.after.startedAt;
      parameters['after_id'] = query.after.requestId;
    }
    const rows = this.#prepare(`${sql} ORDER BY started_at DESC, request_id DESC LIMIT :limit`).all(parameters);
    const records: UsageRecord[] = rows.slice(0, query.limit).map(toUsageRecord);
    const last = records.at(-1);
    return rows.length > query.limit && last !== undefined ? { records, next: { startedAt: last.startedAt, requestId: last.requestId } } : { records };
  }

  /**
   * Four passes over the window: one GROUP BY of every dimension at once (its rows summed here
   * into the totals and each dimension's groups), the series, and one ranked pass per percentile
   * column.
   */
  usageStats(query: UsageStatsQuery): UsageStats {
    const where = whereOf(query, true);
    const { totals, groups, latencyCount, ttfbCount } = this.#totalsAndGroups(where, query.top);
    const series = this.#prepare(`SELECT started_at - (started_at % :bucket) AS start, ${totalsSelect} FROM usage WHERE ${where.sql} GROUP BY 1 ORDER BY 1`)
      .all({ ...where.parameters, bucket: query.bucketMs })
      .map((row) => ({ start: Number(row['start']), ...toTotals(row) }));
    const latencyMs = this.#percentiles('latency_ms', where, latencyCount);
    const ttfbMs = this.#percentiles('ttfb_ms', where, ttfbCount);
    return { totals, ...(latencyMs === undefined ? {} : { latencyMs }), ...(ttfbMs === undefined ? {} : { ttfbMs }), groups, series };
  }

  #totalsAndGroups(where: ReturnType<typeof whereOf>, top: number) {
    const columns = usageDimensions.map((dimension) => `${dimensionSql[dimension]} AS d_${dimension}`).join(', ');
    const rows = this.#prepare(
      `SELECT ${columns}, ${totalsSelect}, count(latency_ms) AS latency_count, count(ttfb_ms) AS ttfb_count
       FROM usage WHERE ${where.sql} GROUP BY ${usageDimensions.map((_, index) => index + 1).join(', ')}`,
    ).all(where.parameters);
    const totals = emptyTotals();
    const byDimension = new Map(usageDimensions.map((dimension) => [dimension, new Map<string, ReturnType<typeof emptyTotals>>()]));
    let latencyCount = 0;
    let ttfbCount = 0;
    for (const row of rows) {
      const rowTotals = toTotals(row);
      addTotals(totals, rowTotals);
      latencyCount += Number(row['latency_count']);
      ttfbCount += Number(row['ttfb_count']);
      for (const [dimension, byKey] of byDimension) {
        const key = row[`d_${dimension}`];
        if (key === null || key === undefined) continue;
        const group = byKey.get(String(key)) ?? emptyTotals();
        addTotals(group, rowTotals);
        byKey.set(String(key), group);
      }
    }
    const groups = Object.fromEntries(
      [...byDimension].map(([dimension, byKey]) => [dimension, [...byKey].map(([key, group]) => ({ key, ...group })).sort(byCost).slice(0, top)]),
    ) as Record<UsageDimension, UsageGroup[]>;
    return { totals, groups, latencyCount, ttfbCount };
  }

  /** Nearest-rank p50 and p95 of a column (`count` values in the window), in one ranked pass. */
  #percentiles(column: 'latency_ms' | 'ttfb_ms', where: ReturnType<typeof whereOf>, count: number): Percentiles | undefined {
    if (count === 0) return undefined;
    const rank = (fraction: number) => Math.max(1, Math.ceil(fraction * count));
    const rows = this.#prepare(
      `SELECT value, rank FROM (SELECT ${column} AS value, row_number() OVER (ORDER BY ${column}) AS rank FROM usage WHERE ${where.sql} AND ${column} IS NOT NULL)
       WHERE rank IN (:p50, :p95)`,
    ).all({ ...where.parameters, p50: rank(0.5), p95: rank(0.95) });
    const at = (wanted: number) => Number(rows.find((row) => Number(row['rank']) === wanted)?.['value']);
    return { p50: at(rank(0.5)), p95: at(rank(0.95)) };
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      // The one place this module's SQL is prepared: every text comes from whereOf (fixed
      // conditions naming their own :parameter, values bound) and column names from closed
      // unions and constants (sql/text-from-constants cannot follow them through the call).
      // eslint-disable-next-line sql/text-from-constants -- see above
      statement = this.#database.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
