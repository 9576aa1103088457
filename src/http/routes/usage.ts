import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app.ts';
import type { Principal } from '../../accounting/auth.ts';
import { isUserId, USER_ID_PATTERN } from '../../accounting/auth.ts';
import { checkPathUser } from '../api-hooks.ts';
import { exchangeOf } from '../exchange.ts';
import { GatewayError } from '../../errors.ts';
import { fromMicros, usageOutcomes, utcDay, type UsageDay, type UsageOutcome, type UsageQuery } from '../../store/accounting.ts';
import type { AdminGuard } from '../admin-guard.ts';
import { usageAll as usageAllSchema, usageAllQuery, usageMe as usageMeSchema, usageMeQuery, userIdParams } from './schemas.ts';

/**
 * Seed 000's usage reads, authenticated and tenant-scoped:
 * - `GET /v1/usage/me` (also `/user/{user_id}/v1/usage/me`): one user's totals and daily stats.
 *   A gateway key reads its own user only (naming anyone else answers 404, so users cannot be
 *   probed); a passthrough client reads only what its own credential made, narrowed to a user
 *   when one is named (`claude-code-user`, the path, or the user header); the master key reads
 *   any user (`claude-code-user`, default `:admin`, the name its own calls are recorded under).
 * - `GET /v1/usage` (master key): totals per user and per day.
 * Window: `days=N` (1-366, default 7) is the N UTC days ending today; `date=YYYY-MM-DD` one
 * UTC day. `request_type=bedrock` counts only requests served by Bedrock. The seed's fields
 * keep their names; cache tokens and cost are added beside them.
 */

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type RequestType = 'bedrock' | 'all';

interface UsageWindow {
  readonly from: number;
  readonly to: number;
  readonly periodDays: number;
  /** Set when `date=` chose one day. */
  readonly date?: string;
}

interface UsageParameters {
  readonly window: UsageWindow;
  readonly requestType: RequestType;
}

interface Totals {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  requests: number;
  cost_micros: number;
  outcomes: Record<UsageOutcome, number>;
}

/** One query parameter: undefined when absent, an error when repeated. */
function queryValue(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown>)[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new GatewayError('GW_INVALID_QUERY', `The query parameter ${name} is given more than once.`);
}

/** The window of `days=` or `date=` (not both), at `now`. */
export function usageWindow(days: string | undefined, date: string | undefined, now: number): UsageWindow {
  if (days !== undefined && date !== undefined) throw new GatewayError('GW_INVALID_QUERY', 'Give either days or date, not both.');
  if (date !== undefined) {
    const from = Date.parse(`${date}T00:00:00Z`);
    if (!DATE.test(date) || Number.isNaN(from) || utcDay(from) !== date) throw new GatewayError('GW_INVALID_QUERY', `date must be a calendar day YYYY-MM-DD (UTC), got ${JSON.stringify(date)}.`);
    return { from, to: from + DAY_MS, periodDays: 1, date };
  }
  const count = days === undefined ? 7 : /^\d{1,3}$/.test(days) ? Number(days) : Number.NaN;
  if (!(count >= 1 && count <= MAX_DAYS)) throw new GatewayError('GW_INVALID_QUERY', `days must be a whole number from 1 to ${MAX_DAYS}, got ${JSON.stringify(days)}.`);
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return { from: today - (count - 1) * DAY_MS, to: today + DAY_MS, periodDays: count };
}

function usageParameters(request: FastifyRequest, now: number): UsageParameters {
  const requestType = queryValue(request.query, 'request_type') ?? 'all';
  if (requestType !== 'all' && requestType !== 'bedrock') throw new GatewayError('GW_INVALID_QUERY', `request_type must be bedrock or all, got ${JSON.stringify(requestType)}.`);
  return { window: usageWindow(queryValue(request.query, 'days'), queryValue(request.query, 'date'), now), requestType };
}

function emptyTotals(): Totals {
  return { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, requests: 0, cost_micros: 0, outcomes: { completed: 0, client_aborted: 0, upstream_error: 0, interrupted: 0 } };
}

function add(totals: Totals, day: UsageDay): void {
  totals.input_tokens += day.inputTokens;
  totals.output_tokens += day.outputTokens;
  totals.cache_read_tokens += day.cacheReadTokens;
  totals.cache_write_tokens += day.cacheWriteTokens;
  totals.requests += day.requests;
  totals.cost_micros += day.costMicros;
  for (const outcome of usageOutcomes) totals.outcomes[outcome] += day.outcomes[outcome];
}

function summary(totals: Totals) {
  return {
    total_input_tokens: totals.input_tokens,
    total_output_tokens: totals.output_tokens,
    total_tokens: totals.input_tokens + totals.output_tokens,
    total_requests: totals.requests,
    total_cache_read_tokens: totals.cache_read_tokens,
    total_cache_write_tokens: totals.cache_write_tokens,
    total_cost_usd: fromMicros(totals.cost_micros),
    /** Requests by how the delivery of their answer ended. */
    requests_by_outcome: { ...totals.outcomes },
  };
}

/** Seed 000's `daily_stats`: one entry per UTC day with records, in date order. */
function dailyStats(days: readonly UsageDay[]) {
  const byDay = new Map<string, Totals>();
  for (const day of days) {
    const totals = byDay.get(day.day) ?? emptyTotals();
    add(totals, day);
    byDay.set(day.day, totals);
  }
  const stats: Record<string, { input_tokens: number; output_tokens: number; requests: number; cache_read_tokens: number; cache_write_tokens: number; cost_usd: number; requests_by_outcome: Record<UsageOutcome, number> }> = {};
  for (const [day, totals] of [...byDay].sort(([left], [right]) => (left < right ? -1 : 1))) {
    stats[day] = {
      input_tokens: totals.input_tokens,
      output_tokens: totals.output_tokens,
      requests: totals.requests,
      cache_read_tokens: totals.cache_read_tokens,
      cache_write_tokens: totals.cache_write_tokens,
      cost_usd: fromMicros(totals.cost_micros),
      requests_by_outcome: { ...totals.outcomes },
    };
  }
  return stats;
}

function single(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

/** The records a caller may read on `/v1/usage/me`, and the user the answer names. */
function scopeOf(principal: Principal, named: string | undefined, pathUserId: string | undefined, headerUser: string | undefined): { readonly userId: string; readonly filter: Pick<UsageQuery, 'userId' | 'credentialId'> } {
  switch (principal.kind) {
    case 'admin': {
      const userId = named ?? pathUserId ?? principal.userId;
      return { userId, filter: { userId } };
    }
    case 'key': {
      // Another user's usage answers as if there were no such user: ids cannot be probed.
      for (const other of [named, pathUserId]) {
        if (other !== undefined && other !== principal.userId) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `No usage for user ${JSON.stringify(other)} is visible to this key.`);
      }
      return { userId: principal.userId, filter: { userId: principal.userId } };
    }
    case 'anonymous': {
      if (principal.credentialId === undefined) throw new GatewayError('GW_CREDENTIAL_REQUIRED', 'Send the Anthropic credential your requests were made with (x-api-key or Authorization: Bearer) to read their usage.');
      const userId = named ?? pathUserId ?? (headerUser !== undefined && isUserId(headerUser) ? headerUser : undefined);
      return { userId: userId ?? principal.userId, filter: { credentialId: principal.credentialId, ...(userId === undefined ? {} : { userId }) } };
    }
  }
}

function credentialRequired(mode: string): GatewayError {
  return new GatewayError(
    'GW_CREDENTIAL_REQUIRED',
    mode === 'passthrough'
      ? 'Reading usage needs a credential: the Anthropic credential the requests were made with (x-api-key or Authorization: Bearer), or the master key.'
      : 'Reading usage needs a credential: a gateway API key (x-api-key, Authorization: Bearer, or the gateway key header), or the master key.',
  );
}

/**
 * A user id from the query, which may be a reserved one (the master key reads `admin`'s older
 * records, a passthrough caller the calls it made as `default`). The path's user is checked by
 * the API's user hook (api-hooks.ts `checkPathUser`), and may not be.
 */
function checkQueryUserId(value: string | undefined): string | undefined {
  if (value !== undefined && !USER_ID_PATTERN.test(value)) throw new GatewayError('GW_INVALID_QUERY', 'claude-code-user must be 1-128 characters of A-Z a-z 0-9 . _ @ + -.');
  return value;
}

async function usageMe(request: FastifyRequest, deps: AppDependencies) {
  const { authenticator, store } = deps.accounting;
  const pathUserId = exchangeOf(request).userId;
  const principal = await authenticator.caller(request.headers, pathUserId);
  if (principal === undefined) throw credentialRequired(authenticator.mode);
  const named = checkQueryUserId(queryValue(request.query, 'claude-code-user'));
  const { window, requestType } = usageParameters(request, deps.clock.now());
  const headerUser = single((request.headers as IncomingHttpHeaders)[deps.config.auth.user_header]);
  const scope = scopeOf(principal, named, pathUserId, headerUser);
  const days = await store.usageByDay({ ...scope.filter, route: 'messages', ...(requestType === 'bedrock' ? { provider: 'bedrock' } : {}), from: window.from, to: window.to });
  const totals = emptyTotals();
  for (const day of days) add(totals, day);
  return {
    user_id: scope.userId,
    request_type: requestType,
    ...(window.date === undefined ? {} : { date: window.date }),
    summary: summary(totals),
    daily_stats: dailyStats(days),
    period_days: window.periodDays,
  };
}

async function usageAll(request: FastifyRequest, deps: AppDependencies) {
  if (queryValue(request.query, 'claude-code-user') !== undefined) {
    throw new GatewayError('GW_INVALID_QUERY', 'claude-code-user is not a parameter of /v1/usage; one user\'s usage is at /v1/usage/me?claude-code-user=….');
  }
  const { window, requestType } = usageParameters(request, deps.clock.now());
  const days = await deps.accounting.store.usageByDay({ route: 'messages', ...(requestType === 'bedrock' ? { provider: 'bedrock' } : {}), from: window.from, to: window.to });
  const totals = emptyTotals();
  const byUser = new Map<string, Totals>();
  for (const day of days) {
    add(totals, day);
    const user = byUser.get(day.userId) ?? emptyTotals();
    add(user, day);
    byUser.set(day.userId, user);
  }
  const users: Record<string, { input_tokens: number; output_tokens: number; total_tokens: number; requests: number; cache_read_tokens: number; cache_write_tokens: number; cost_usd: number }> = {};
  for (const [userId, user] of [...byUser].sort(([left], [right]) => (left < right ? -1 : 1))) {
    users[userId] = {
      input_tokens: user.input_tokens,
      output_tokens: user.output_tokens,
      total_tokens: user.input_tokens + user.output_tokens,
      requests: user.requests,
      cache_read_tokens: user.cache_read_tokens,
      cache_write_tokens: user.cache_write_tokens,
      cost_usd: fromMicros(user.cost_micros),
    };
  }
  return {
    request_type: requestType,
    ...(window.date === undefined ? {} : { date: window.date }),
    summary: { ...summary(totals), total_users: byUser.size },
    users,
    daily_stats: dailyStats(days),
    period_days: window.periodDays,
  };
}

/** The usage reads as an encapsulated plugin, schema-typed (schemas.ts). */
export function usagePlugin(deps: AppDependencies, guard: AdminGuard): FastifyPluginAsync {
  return async (usage) => {
    const me = { schema: { querystring: usageMeQuery, response: { 200: usageMeSchema } } };
    usage.get('/v1/usage/me', me, (request) => usageMe(request, deps));
    usage.get('/user/:userId/v1/usage/me', { ...me, onRequest: checkPathUser, schema: { ...me.schema, params: userIdParams } }, (request) => usageMe(request, deps));
    const admin = { onRequest: async (request: FastifyRequest) => guard.check(request, () => deps.accounting.authenticator.requireAdmin(request.headers)), schema: { querystring: usageAllQuery, response: { 200: usageAllSchema } } };
    usage.get('/v1/usage', admin, (request) => usageAll(request, deps));
  };
}
