import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app.ts';
import { createApiKey, keyView, parseCreateKeyInput, parseUpdateKeyInput, revokeApiKey, updateApiKey } from '../../accounting/key-admin.ts';
import { USER_ID_PATTERN } from '../../accounting/auth.ts';
import { GatewayError } from '../../errors.ts';
import { readJsonObject } from '../../request/json-body.ts';
import { budgetMonth, fromMicros, type ApiKeyRecord } from '../../store/accounting.ts';
import { budgetQuery, budgetView, createdKey, keyIdParams, keyList, keyListQuery, keyView as keyViewSchema } from './schemas.ts';
import { adminCallerOf, authenticateAdmin, type AdminCaller } from '../admin-ui/admin-caller.ts';
import type { AdminSessions } from '../admin-ui/session.ts';
import { registerAdminReads } from './admin-reads.ts';
import { registerAdminModels } from './admin-models.ts';
import type { AdminGuard } from '../admin-guard.ts';
import { setAdminSecurityHeaders } from './admin-ui.ts';

/**
 * The admin API as an encapsulated plugin (the master key as `x-api-key` or Bearer, or an admin
 * UI session: admin-ui/admin-caller.ts, the plugin's one hook; a read-only session reads only
 * its own user's keys): gateway API keys and their budgets, schema-typed (schemas.ts). The whole key appears once, in the answer to its creation; views never carry the
 * digest. Every change is forgotten by this instance's key cache at once (other instances
 * within `auth.key_cache_ms`).
 */

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

interface KeyParams {
  readonly id: string;
}

/** One query parameter: undefined when absent, an error when repeated. */
export function queryValue(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown>)[name];
  if (value === undefined || typeof value === 'string') return value;
  throw new GatewayError('GW_INVALID_QUERY', `The query parameter ${name} is given more than once.`);
}

export async function jsonBody(request: FastifyRequest, deps: AppDependencies): Promise<Record<string, unknown>> {
  if (!Buffer.isBuffer(request.body)) throw new GatewayError('GW_BODY_NOT_JSON_OBJECT', 'The request body must be a JSON object.');
  const { object } = await readJsonObject(request.body, request.headers['content-encoding'], deps.config.server.body_limit_bytes);
  return object;
}

/** The key, if it exists and the caller may see it (a viewer: its own user's keys; others answer as absent). */
export function found(record: ApiKeyRecord | undefined, id: string, caller?: AdminCaller): ApiKeyRecord {
  if (record === undefined || (caller?.userId !== undefined && record.userId !== caller.userId)) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `No gateway API key with id ${JSON.stringify(id)}.`);
  return record;
}

export function adminPlugin(deps: AppDependencies, sessions: AdminSessions, guard: AdminGuard): FastifyPluginAsync {
  const { authenticator, store } = deps.accounting;
  return async (admin) => {
    admin.addHook('onRequest', async (request, reply) => {
      setAdminSecurityHeaders(reply);
      reply.header('cache-control', 'no-store');
      await authenticateAdmin(request, deps, sessions, guard);
    });
    registerAdminReads(admin, deps);
    registerAdminModels(admin, deps);

    admin.post('/admin/keys', { schema: { response: { 201: createdKey } } }, async (request, reply) => {
      const input = parseCreateKeyInput(await jsonBody(request, deps));
      const { key, record } = await createApiKey(store, input, { pepper: deps.config.auth.key_pepper, now: deps.clock.now() });
      request.log.info({ request_id: request.id, key_id: record.id, user_id: record.userId }, 'admin: key created');
      return reply.code(201).send({ key, ...keyView(record) });
    });

    admin.get<{ Querystring: { user_id?: string } }>('/admin/keys', { config: { viewer: true }, schema: { querystring: keyListQuery, response: { 200: keyList } } }, async (request) => {
      const named = queryValue(request.query, 'user_id');
      if (named !== undefined && !USER_ID_PATTERN.test(named)) throw new GatewayError('GW_INVALID_QUERY', 'user_id must be 1-128 characters of A-Z a-z 0-9 . _ @ + -.');
      const own = adminCallerOf(request).userId;
      if (own !== undefined && named !== undefined && named !== own) return { data: [] };
      const userId = own ?? named;
      const records = await store.listKeys(userId === undefined ? {} : { userId });
      return { data: records.map(keyView) };
    });

    const byId = { schema: { params: keyIdParams, response: { 200: keyViewSchema } } };
    admin.get<{ Params: KeyParams }>('/admin/keys/:id', { ...byId, config: { viewer: true } }, async (request) =>
      keyView(found(await store.getKey(request.params.id), request.params.id, adminCallerOf(request))),
    );

    admin.patch<{ Params: KeyParams }>('/admin/keys/:id', byId, async (request) => {
      const { id } = request.params;
      const input = parseUpdateKeyInput(await jsonBody(request, deps));
      const record = found(await updateApiKey(store, id, input, deps.clock.now()), id);
      authenticator.invalidate(id);
      request.log.info({ request_id: request.id, key_id: id, user_id: record.userId, fields: Object.keys(input) }, 'admin: key updated');
      return keyView(record);
    });

    const revoke = async (request: FastifyRequest<{ Params: KeyParams }>) => {
      const { id } = request.params;
      const record = found(await revokeApiKey(store, id, deps.clock.now()), id);
      authenticator.invalidate(id);
      request.log.info({ request_id: request.id, key_id: id, user_id: record.userId }, 'admin: key revoked');
      return keyView(record);
    };
    admin.delete<{ Params: KeyParams }>('/admin/keys/:id', byId, revoke);
    admin.post<{ Params: KeyParams }>('/admin/keys/:id/revoke', byId, revoke);

    admin.get<{ Params: KeyParams; Querystring: { month?: string } }>('/admin/keys/:id/budget', { config: { viewer: true }, schema: { params: keyIdParams, querystring: budgetQuery, response: { 200: budgetView } } }, async (request) => {
      const { id } = request.params;
      const month = queryValue(request.query, 'month') ?? budgetMonth(deps.clock.now());
      if (!MONTH.test(month)) throw new GatewayError('GW_INVALID_QUERY', `month must be YYYY-MM, got ${JSON.stringify(month)}.`);
      const record = found(await store.getKey(id), id, adminCallerOf(request));
      const state = await store.getBudget(id, month);
      const limit = record.monthlyBudgetMicros;
      return {
        key_id: id,
        month,
        limit_usd: limit === undefined ? null : fromMicros(limit),
        spent_usd: fromMicros(state.spentMicros),
        reserved_usd: fromMicros(state.reservedMicros),
        remaining_usd: limit === undefined ? null : fromMicros(Math.max(0, limit - state.spentMicros - state.reservedMicros)),
      };
    });
  };
}
