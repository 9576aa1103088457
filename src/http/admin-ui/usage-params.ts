import { GatewayError } from '../../errors.ts';
import { UNPRINTABLE } from '../../accounting/key-admin.ts';
import { fromMicros, outcomeOf, type UsageRecord } from '../../store/accounting.ts';
import type { UsageCursor, UsageFilter, UsageTotals } from '../../store/usage-query.ts';

/**
 * The admin usage reads' query parameters (`/admin/usage`, `/admin/usage.csv`,
 * `/admin/usage/stats`) and their answers' snake_case views. Times are ISO 8601 or epoch ms;
 * the window defaults to the last 24 hours and spans at most 400 days.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MAX_WINDOW_MS = 400 * DAY_MS;

type Query = Record<string, unknown>;

export function queryText(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new GatewayError('GW_INVALID_QUERY', `The query parameter ${name} is given more than once.`);
  if (value.length > 256 || UNPRINTABLE.test(value)) throw new GatewayError('GW_INVALID_QUERY', `${name} must be at most 256 printable characters.`);
  return value;
}

function time(query: Query, name: string): number | undefined {
  const text = queryText(query, name);
  if (text === undefined) return undefined;
  const value = /^\d{1,15}$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new GatewayError('GW_INVALID_QUERY', `${name} must be an ISO 8601 time or epoch milliseconds, got ${JSON.stringify(text)}.`);
  return value;
}

/** The filter of a usage read; `ownUserId` (a viewer's) replaces any user asked for. */
export function usageFilter(query: Query, now: number, ownUserId: string | undefined): UsageFilter {
  const to = time(query, 'to') ?? now;
  const from = time(query, 'from') ?? to - DAY_MS;
  if (from >= to) throw new GatewayError('GW_INVALID_QUERY', 'from must be before to.');
  if (to - from > MAX_WINDOW_MS) throw new GatewayError('GW_INVALID_QUERY', 'The window from..to may span at most 400 days.');
  const outcome = queryText(query, 'outcome');
  if (outcome !== undefined && outcome !== 'ok' && outcome !== 'error') throw new GatewayError('GW_INVALID_QUERY', `outcome must be ok or error, got ${JSON.stringify(outcome)}.`);
  const named = queryText(query, 'user_id');
  const userId = ownUserId ?? named;
  const optional = (field: keyof UsageFilter, value: string | undefined) => (value === undefined ? {} : { [field]: value });
  return {
    from,
    to,
    ...optional('userId', userId),
    ...optional('keyId', queryText(query, 'key_id')),
    ...optional('model', queryText(query, 'model')),
    ...optional('provider', queryText(query, 'provider')),
    ...optional('errorType', queryText(query, 'error_type')),
    ...(outcome === undefined ? {} : { outcome }),
  };
}

export function integerParameter(query: Query, name: string, fallback: number, low: number, high: number): number {
  const text = queryText(query, name);
  if (text === undefined) return fallback;
  const value = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= low && value <= high)) throw new GatewayError('GW_INVALID_QUERY', `${name} must be a whole number from ${low} to ${high}, got ${JSON.stringify(text)}.`);
  return value;
}

export function encodeCursor(cursor: UsageCursor): string {
  return Buffer.from(`${cursor.startedAt}.${cursor.requestId}`).toString('base64url');
}

export function decodeCursor(text: string | undefined): UsageCursor | undefined {
  if (text === undefined) return undefined;
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const match = /^(\d{1,15})\.([\x21-\x7e]{1,256})$/.exec(decoded);
  if (match === null) throw new GatewayError('GW_INVALID_QUERY', 'cursor is not one this gateway gave out.');
  return { startedAt: Number(match[1]), requestId: match[2] as string };
}

/** A series bucket for a window: about 60-120 points, in whole minutes, hours or days. */
export function bucketFor(from: number, to: number): number {
  const span = to - from;
  const steps = [60_000, 5 * 60_000, 15 * 60_000, HOUR_MS, 3 * HOUR_MS, 6 * HOUR_MS, DAY_MS];
  return steps.find((step) => span / step <= 120) ?? Math.ceil(span / 120 / DAY_MS) * DAY_MS;
}

/** A record as the admin sees it: no credential fingerprint, no content (the store holds none). */
export function usageView(record: UsageRecord) {
  return {
    request_id: record.requestId,
    started_at: new Date(record.startedAt).toISOString(),
    state: record.state,
    user_id: record.userId,
    key_id: record.keyId ?? null,
    route: record.route,
    model_requested: record.modelRequested ?? null,
    model_served: record.modelServed ?? null,
    provider: record.provider ?? null,
    region: record.region ?? null,
    service_tier: record.serviceTier ?? null,
    stream: record.stream,
    status: record.status ?? null,
    error_type: record.errorType ?? null,
    fallback: record.fallback ?? null,
    /** How the answer's delivery ended (completed, client_aborted, upstream_error, interrupted). */
    delivery: record.state === 'in_progress' ? null : outcomeOf(record),
    input_tokens: record.inputTokens,
    output_tokens: record.outputTokens,
    cache_read_tokens: record.cacheReadTokens,
    cache_write_5m_tokens: record.cacheWrite5mTokens,
    cache_write_1h_tokens: record.cacheWrite1hTokens,
    cost_usd: fromMicros(record.costMicros),
    latency_ms: record.latencyMs ?? null,
    ttfb_ms: record.ttfbMs ?? null,
  };
}

export type UsageView = ReturnType<typeof usageView>;

export function totalsView(totals: UsageTotals) {
  return {
    requests: totals.requests,
    errors: totals.errors,
    success_rate: totals.requests === 0 ? null : (totals.requests - totals.errors) / totals.requests,
    input_tokens: totals.inputTokens,
    output_tokens: totals.outputTokens,
    cache_read_tokens: totals.cacheReadTokens,
    cache_write_tokens: totals.cacheWriteTokens,
    cost_usd: fromMicros(totals.costMicros),
  };
}

export const csvColumns = [
  'started_at', 'request_id', 'state', 'user_id', 'key_id', 'route', 'model_requested', 'model_served', 'provider', 'region', 'service_tier', 'stream', 'status',
  'error_type', 'fallback', 'delivery', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'cost_usd', 'latency_ms', 'ttfb_ms',
] as const satisfies readonly (keyof UsageView)[];

/** One CSV cell (RFC 4180); a text starting like a formula is prefixed with `'` so a spreadsheet shows it as text. */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(view: UsageView): string {
  return `${csvColumns.map((column) => csvCell(view[column])).join(',')}\r\n`;
}
