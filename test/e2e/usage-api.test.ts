import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialFingerprint } from '../../src/routing/cooldown-keys.ts';
import { utcDay, type UsageRecord } from '../../src/store/accounting.ts';
import { startTestGateway, useGatewayWithFake, type TestGateway } from '../helpers/gateway.ts';

/**
 * Seed 000's usage reads, authenticated: `/v1/usage/me` scoped to the caller (a key's user, a
 * passthrough credential's own requests, or any user for the master key) and the admin-only
 * `/v1/usage`. Data comes both from real requests through the gateway and from records written
 * straight into the store (to place them on chosen days).
 */

const MASTER = 'master-usage-test-8e2a-never-shown';
const GATEWAY_ANTHROPIC_KEY = 'sk-ant-api03-GATEWAY-OWN-usage-test';
const context = useGatewayWithFake({ AUTH_MODE: 'keys', MASTER_API_KEY: MASTER, ANTHROPIC_API_KEY: GATEWAY_ANTHROPIC_KEY, BEDROCK_ENABLED: 'false' });

const DAY_MS = 86_400_000;
// text.jsonl: 25 input, 1,200 cache-read and 12 output tokens on Sonnet ($3 / $15 / $0.30 per million).
const TEXT_COST_MICROS = 25 * 3 + 12 * 15 + Math.round(1_200 * 0.3);

/** Requests by outcome when every one completed. */
const completed = (requests: number) => ({ completed: requests, client_aborted: 0, upstream_error: 0, interrupted: 0 });

const bodies: string[] = [];

interface Answer {
  readonly status: number;
  readonly text: string;
  /** The parsed body (as other tests use `JSON.parse(text)`); undefined for a stream. */
  readonly json: ReturnType<typeof JSON.parse>;
}

async function call(gateway: TestGateway, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const response = await request(`${gateway.url}${path}`, {
    method: method as 'GET',
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.body.text();
  bodies.push(text);
  const streamed = String(response.headers['content-type']).startsWith('text/event-stream');
  return { status: response.statusCode, text, json: streamed ? undefined : JSON.parse(text) };
}

const get = (path: string, headers: Record<string, string> = {}) => call(context.gateway, 'GET', path, headers);
const master = { 'x-api-key': MASTER };

async function message(gateway: TestGateway, headers: Record<string, string>, path = '/v1/messages', stream = false): Promise<void> {
  const answer = await call(gateway, 'POST', path, headers, { model: 'claude-sonnet-5-5', max_tokens: 50, stream, messages: [{ role: 'user', content: 'hi' }] });
  expect(answer.status).toBe(200);
}

async function createKey(gateway: TestGateway, userId: string): Promise<{ key: string; id: string }> {
  const answer = await call(gateway, 'POST', '/admin/keys', master, { user_id: userId, name: `${userId}-key` });
  expect(answer.status).toBe(201);
  return { key: answer.json.key, id: answer.json.id };
}

let sequence = 0;
/** A final usage record; tokens and cost zero unless given. */
function usage(fields: Partial<UsageRecord> & Pick<UsageRecord, 'userId' | 'startedAt'>): UsageRecord {
  sequence += 1;
  return {
    requestId: `req_usage_test_${sequence}`,
    state: 'complete',
    route: 'messages',
    provider: 'anthropic',
    stream: false,
    status: 200,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    costMicros: 0,
    reservedMicros: 0,
    expiresAt: Math.floor(Date.now() / 1000) + 86_400,
    ...fields,
  };
}

const at = (day: string, time = '12:00:00') => Date.parse(`${day}T${time}Z`);

describe('GET /v1/usage/me with a gateway key (AUTH_MODE=keys)', () => {
  it('counts real requests made with the key, for the key’s user', async () => {
    const { key } = await createKey(context.gateway, 'real-user');
    await message(context.gateway, { 'x-api-key': key });
    await message(context.gateway, { authorization: `Bearer ${key}` }, '/v1/messages', true);
    await message(context.gateway, { 'x-gateway-key': key }, '/user/real-user/v1/messages');
    await context.gateway.flushUsage();
    const today = utcDay(Date.now());
    const answer = await get('/v1/usage/me', { 'x-api-key': key });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      user_id: 'real-user',
      request_type: 'all',
      summary: {
        total_input_tokens: 75,
        total_output_tokens: 36,
        total_tokens: 111,
        total_requests: 3,
        total_cache_read_tokens: 3_600,
        total_cache_write_tokens: 0,
        total_cost_usd: (3 * TEXT_COST_MICROS) / 1_000_000,
        requests_by_outcome: completed(3),
      },
      daily_stats: { [today]: { input_tokens: 75, output_tokens: 36, requests: 3, cache_read_tokens: 3_600, cache_write_tokens: 0, cost_usd: (3 * TEXT_COST_MICROS) / 1_000_000, requests_by_outcome: completed(3) } },
      period_days: 7,
    });
    // The same through /user/{id}/ and with the seed's parameter naming the key's own user.
    expect((await get('/user/real-user/v1/usage/me', { 'x-api-key': key })).json).toEqual(answer.json);
    expect((await get('/v1/usage/me?claude-code-user=real-user&days=7', { 'x-gateway-key': key })).json).toEqual(answer.json);
  });

  it('has seed 000’s response shape, field by field (days=7 over two days)', async () => {
    const { key } = await createKey(context.gateway, 'alice');
    const today = utcDay(Date.now());
    const yesterday = utcDay(Date.now() - DAY_MS);
    // Seed 000's example: 300/120 in 2 requests one day, 934/447 in 7 the next.
    const records = [
      usage({ userId: 'alice', startedAt: at(yesterday, '00:00:00'), inputTokens: 100, outputTokens: 20, costMicros: 1_000 }),
      usage({ userId: 'alice', startedAt: at(yesterday, '23:59:59'), inputTokens: 200, outputTokens: 100, cacheReadTokens: 50, costMicros: 2_000 }),
      ...Array.from({ length: 7 }, (_, index) =>
        usage({ userId: 'alice', startedAt: at(today, '00:00:01') + index, inputTokens: index === 0 ? 934 - 6 * 100 : 100, outputTokens: index === 0 ? 447 - 6 * 50 : 50, cacheWrite5mTokens: 10, cacheWrite1hTokens: 5, costMicros: 500 }),
      ),
      // Not counted: still in progress, another user, before the window.
      usage({ userId: 'alice', startedAt: at(today, '00:00:02'), state: 'in_progress', inputTokens: 9_999 }),
      usage({ userId: 'alice-not', startedAt: at(today, '00:00:02'), inputTokens: 9_999 }),
      usage({ userId: 'alice', startedAt: at(utcDay(Date.now() - 7 * DAY_MS), '23:59:59'), inputTokens: 9_999 }),
    ];
    await context.gateway.accounting.writeUsage(records);

    const answer = await get('/v1/usage/me?claude-code-user=alice&days=7', { 'x-api-key': key });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json)).toEqual(['user_id', 'request_type', 'summary', 'daily_stats', 'period_days']);
    expect(answer.json.user_id).toBe('alice');
    expect(answer.json.request_type).toBe('all');
    expect(answer.json.period_days).toBe(7);
    expect(answer.json.summary.total_input_tokens).toBe(1_234);
    expect(answer.json.summary.total_output_tokens).toBe(567);
    expect(answer.json.summary.total_tokens).toBe(1_801);
    expect(answer.json.summary.total_requests).toBe(9);
    expect(answer.json.summary).toEqual({ total_input_tokens: 1_234, total_output_tokens: 567, total_tokens: 1_801, total_requests: 9, total_cache_read_tokens: 50, total_cache_write_tokens: 105, total_cost_usd: 0.0065, requests_by_outcome: completed(9) });
    expect(Object.keys(answer.json.daily_stats)).toEqual([yesterday, today]);
    expect(answer.json.daily_stats[yesterday]).toEqual({ input_tokens: 300, output_tokens: 120, requests: 2, cache_read_tokens: 50, cache_write_tokens: 0, cost_usd: 0.003, requests_by_outcome: completed(2) });
    expect(answer.json.daily_stats[today]).toEqual({ input_tokens: 934, output_tokens: 447, requests: 7, cache_read_tokens: 0, cache_write_tokens: 105, cost_usd: 0.0035, requests_by_outcome: completed(7) });

    // days=1 is today only; date= picks one day and says so.
    const oneDay = await get('/v1/usage/me?days=1', { 'x-api-key': key });
    expect(oneDay.json).toMatchObject({ period_days: 1, summary: { total_requests: 7, total_input_tokens: 934 } });
    expect(Object.keys(oneDay.json.daily_stats)).toEqual([today]);
    const dated = await get(`/v1/usage/me?date=${yesterday}`, { 'x-api-key': key });
    expect(dated.json).toEqual({
      user_id: 'alice',
      request_type: 'all',
      date: yesterday,
      summary: { total_input_tokens: 300, total_output_tokens: 120, total_tokens: 420, total_requests: 2, total_cache_read_tokens: 50, total_cache_write_tokens: 0, total_cost_usd: 0.003, requests_by_outcome: completed(2) },
      daily_stats: { [yesterday]: { input_tokens: 300, output_tokens: 120, requests: 2, cache_read_tokens: 50, cache_write_tokens: 0, cost_usd: 0.003, requests_by_outcome: completed(2) } },
      period_days: 1,
    });
    // A day without records: zero totals, no daily entries.
    expect((await get('/v1/usage/me?date=2001-01-01', { 'x-api-key': key })).json).toMatchObject({ summary: { total_requests: 0, total_tokens: 0, total_cost_usd: 0 }, daily_stats: {} });
  });

  it('request_type=bedrock counts only requests Bedrock served', async () => {
    const { key } = await createKey(context.gateway, 'bedrock-user');
    await context.gateway.accounting.writeUsage([
      usage({ userId: 'bedrock-user', startedAt: at('2025-11-22'), provider: 'bedrock', inputTokens: 10, outputTokens: 1 }),
      usage({ userId: 'bedrock-user', startedAt: at('2025-11-22', '13:00:00'), provider: 'bedrock', inputTokens: 20, outputTokens: 2 }),
      usage({ userId: 'bedrock-user', startedAt: at('2025-11-22', '14:00:00'), provider: 'anthropic', inputTokens: 400, outputTokens: 4 }),
    ]);
    const bedrock = await get('/v1/usage/me?date=2025-11-22&request_type=bedrock', { 'x-api-key': key });
    expect(bedrock.json).toMatchObject({ request_type: 'bedrock', summary: { total_input_tokens: 30, total_output_tokens: 3, total_tokens: 33, total_requests: 2 }, daily_stats: { '2025-11-22': { input_tokens: 30, output_tokens: 3, requests: 2 } } });
    const all = await get('/v1/usage/me?date=2025-11-22&request_type=all', { 'x-api-key': key });
    expect(all.json).toMatchObject({ request_type: 'all', summary: { total_input_tokens: 430, total_requests: 3 } });
  });

  it.each([
    ['days=0', 'days must be a whole number from 1 to 366'],
    ['days=367', 'days must be'],
    ['days=abc', 'days must be'],
    ['days=1.5', 'days must be'],
    ['days=-1', 'days must be'],
    ['days=', 'days must be'],
    ['days=7&days=8', 'more than once'],
    ['date=2025-02-30', 'date must be a calendar day'],
    ['date=20251120', 'date must be'],
    ['date=2025-11-20T00:00:00Z', 'date must be'],
    ['date=2025-11-20&days=3', 'either days or date'],
    ['request_type=anthropic', 'request_type must be bedrock or all'],
    ['claude-code-user=bad%20user', 'claude-code-user must be 1-128 characters'],
  ])('refuses ?%s with a 400', async (query, expected) => {
    const answer = await get(`/v1/usage/me?${query}`, master);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(answer.json.error.message).toContain(expected);
  });
});

describe('GET /v1/usage (master key)', () => {
  it('totals per user and per day, bedrock-only on request', async () => {
    await context.gateway.accounting.writeUsage([
      usage({ userId: 'agg-1', startedAt: at('2025-11-20', '01:00:00'), provider: 'bedrock', inputTokens: 100, outputTokens: 10, cacheReadTokens: 7, costMicros: 250_000 }),
      usage({ userId: 'agg-1', startedAt: at('2025-11-20', '02:00:00'), inputTokens: 1, outputTokens: 1, costMicros: 1 }),
      usage({ userId: 'agg-2', startedAt: at('2025-11-20', '23:00:00'), provider: 'bedrock', inputTokens: 50, outputTokens: 5, cacheWrite1hTokens: 3, costMicros: 125_000 }),
      usage({ userId: 'agg-2', startedAt: at('2025-11-21', '00:00:00'), inputTokens: 9_999 }),
    ]);
    const all = await get('/v1/usage?date=2025-11-20', master);
    expect(all.status).toBe(200);
    expect(all.json).toEqual({
      request_type: 'all',
      date: '2025-11-20',
      summary: { total_input_tokens: 151, total_output_tokens: 16, total_tokens: 167, total_requests: 3, total_cache_read_tokens: 7, total_cache_write_tokens: 3, total_cost_usd: 0.375001, requests_by_outcome: completed(3), total_users: 2 },
      users: {
        'agg-1': { input_tokens: 101, output_tokens: 11, total_tokens: 112, requests: 2, cache_read_tokens: 7, cache_write_tokens: 0, cost_usd: 0.250001 },
        'agg-2': { input_tokens: 50, output_tokens: 5, total_tokens: 55, requests: 1, cache_read_tokens: 0, cache_write_tokens: 3, cost_usd: 0.125 },
      },
      daily_stats: { '2025-11-20': { input_tokens: 151, output_tokens: 16, requests: 3, cache_read_tokens: 7, cache_write_tokens: 3, cost_usd: 0.375001, requests_by_outcome: completed(3) } },
      period_days: 1,
    });
    const bedrock = await get('/v1/usage?date=2025-11-20&request_type=bedrock', { authorization: `Bearer ${MASTER}` });
    expect(bedrock.json).toMatchObject({ request_type: 'bedrock', summary: { total_input_tokens: 150, total_requests: 2, total_users: 2 }, users: { 'agg-1': { input_tokens: 100, requests: 1 }, 'agg-2': { input_tokens: 50, requests: 1 } } });

    const week = await get('/v1/usage', master);
    expect(week.json).toMatchObject({ request_type: 'all', period_days: 7 });
    expect(week.json.users['agg-1']).toBeUndefined();
  });

  it('refuses claude-code-user and bad windows', async () => {
    expect((await get('/v1/usage?claude-code-user=alice', master)).json.error.message).toContain('/v1/usage/me');
    expect((await get('/v1/usage?days=400', master)).status).toBe(400);
  });
});

describe('access matrix (X4): usage routes × {owner, other tenant, anonymous, admin}', () => {
  it('keys mode: a key sees its own user only; another user answers 404, never 403', async () => {
    const owner = await createKey(context.gateway, 'tenant-a');
    const other = await createKey(context.gateway, 'tenant-b');
    await context.gateway.accounting.writeUsage([
      usage({ userId: 'tenant-a', startedAt: Date.now(), inputTokens: 11, outputTokens: 1 }),
      usage({ userId: 'tenant-b', startedAt: Date.now(), inputTokens: 22, outputTokens: 2 }),
    ]);
    const ownerHeaders = { 'x-api-key': owner.key };
    const otherHeaders = { 'x-api-key': other.key };
    const anonymous: Record<string, string>[] = [{}, { 'x-api-key': 'sk-ant-api03-someone' }, { authorization: 'Bearer sk-ant-oat01-someone' }];

    // Owner.
    expect((await get('/v1/usage/me', ownerHeaders)).json).toMatchObject({ user_id: 'tenant-a', summary: { total_input_tokens: 11 } });
    expect((await get('/v1/usage/me?claude-code-user=tenant-a', ownerHeaders)).json).toMatchObject({ user_id: 'tenant-a', summary: { total_input_tokens: 11 } });
    expect((await get('/user/tenant-a/v1/usage/me', ownerHeaders)).json).toMatchObject({ user_id: 'tenant-a', summary: { total_input_tokens: 11 } });
    // Other tenant: its own data by default, 404 for the owner's, the same as for nobody.
    expect((await get('/v1/usage/me', otherHeaders)).json).toMatchObject({ user_id: 'tenant-b', summary: { total_input_tokens: 22 } });
    for (const path of ['/v1/usage/me?claude-code-user=tenant-a', '/user/tenant-a/v1/usage/me', '/v1/usage/me?claude-code-user=no-such-user', '/user/no-such-user/v1/usage/me']) {
      const refused = await get(path, otherHeaders);
      expect({ path, status: refused.status, type: refused.json.error?.type }).toEqual({ path, status: 404, type: 'not_found_error' });
      expect(refused.text).not.toContain('"total_input_tokens"');
    }
    // Anonymous: no usage at all.
    for (const headers of anonymous) {
      for (const path of ['/v1/usage/me', '/v1/usage/me?claude-code-user=tenant-a', '/user/tenant-a/v1/usage/me']) {
        const refused = await get(path, headers);
        expect({ path, headers, status: refused.status, type: refused.json.error?.type }).toEqual({ path, headers, status: 401, type: 'authentication_error' });
      }
      // The admin aggregate: 401 with nothing, 403 with a credential that is not the master key.
      const aggregate = await get('/v1/usage', headers);
      expect(aggregate.status).toBe(Object.keys(headers).length === 0 ? 401 : 403);
    }
    // Admin: any user; without one, the admin's own (':admin', a name no user id can take).
    expect((await get('/v1/usage/me?claude-code-user=tenant-b', master)).json).toMatchObject({ user_id: 'tenant-b', summary: { total_input_tokens: 22 } });
    expect((await get('/user/tenant-a/v1/usage/me', master)).json).toMatchObject({ user_id: 'tenant-a', summary: { total_input_tokens: 11 } });
    expect((await get('/v1/usage/me', master)).json).toMatchObject({ user_id: ':admin', summary: { total_requests: 0 } });
    // The aggregate: master only.
    for (const [headers, status, type] of [[ownerHeaders, 403, 'permission_error'], [otherHeaders, 403, 'permission_error'], [{ 'x-api-key': `${MASTER}-wrong` }, 403, 'permission_error'], [{}, 401, 'authentication_error']] as const) {
      const refused = await get('/v1/usage', headers);
      expect({ status: refused.status, type: refused.json.error?.type }).toEqual({ status, type });
    }
    expect((await get('/v1/usage', master)).json.users).toMatchObject({ 'tenant-a': { input_tokens: 11 }, 'tenant-b': { input_tokens: 22 } });
  });

  it('a disabled key still reads its usage; a revoked one does not', async () => {
    const { key, id } = await createKey(context.gateway, 'tenant-c');
    expect((await call(context.gateway, 'PATCH', `/admin/keys/${id}`, master, { status: 'disabled' })).status).toBe(200);
    expect((await get('/v1/usage/me', { 'x-api-key': key })).status).toBe(200);
    expect((await call(context.gateway, 'DELETE', `/admin/keys/${id}`, master)).status).toBe(200);
    const refused = await get('/v1/usage/me', { 'x-api-key': key });
    expect(refused.status).toBe(401);
    expect(refused.json.error.type).toBe('authentication_error');
  });

  describe('passthrough mode: a client credential reads only what it made', () => {
    let gateway: TestGateway;
    const X = 'sk-ant-api03-client-X-usage';
    const Y = 'sk-ant-oat01-client-Y-usage';
    beforeAll(async () => {
      gateway = await startTestGateway({ ANTHROPIC_API_BASE: context.fake.url, MASTER_API_KEY: MASTER, BEDROCK_ENABLED: 'false' });
    });
    afterAll(async () => gateway.close());

    it('scopes to the credential, narrowed by the user named', async () => {
      await message(gateway, { 'x-api-key': X }, '/user/pt-alice/v1/messages');
      await message(gateway, { 'x-api-key': X }, '/user/pt-alice/v1/messages', true);
      await message(gateway, { 'x-api-key': X });
      await message(gateway, { authorization: `Bearer ${Y}` }, '/user/pt-alice/v1/messages');
      await gateway.flushUsage();
      await gateway.accounting.writeUsage([
        usage({ userId: 'pt-alice', startedAt: Date.now(), credentialId: credentialFingerprint(X), provider: 'bedrock', inputTokens: 1_000, outputTokens: 100 }),
      ]);
      const me = (path: string, headers: Record<string, string>) => call(gateway, 'GET', path, headers);

      // Owner (credential X): everything X made, or only pt-alice's part of it.
      expect((await me('/v1/usage/me', { 'x-api-key': X })).json).toMatchObject({ user_id: 'default', summary: { total_requests: 4, total_input_tokens: 1_075 } });
      expect((await me('/v1/usage/me?claude-code-user=pt-alice', { 'x-api-key': X })).json).toMatchObject({ user_id: 'pt-alice', summary: { total_requests: 3, total_input_tokens: 1_050 } });
      expect((await me('/user/pt-alice/v1/usage/me', { authorization: `Bearer ${X}` })).json).toMatchObject({ user_id: 'pt-alice', summary: { total_requests: 3 } });
      expect((await me('/v1/usage/me', { 'x-api-key': X, 'x-gateway-user': 'pt-alice' })).json).toMatchObject({ user_id: 'pt-alice', summary: { total_requests: 3 } });
      expect((await me('/v1/usage/me?claude-code-user=pt-alice&request_type=bedrock', { 'x-api-key': X })).json).toMatchObject({ request_type: 'bedrock', summary: { total_requests: 1, total_input_tokens: 1_000 } });
      // Other tenant (credential Y): its own request only, even for the same user name.
      expect((await me('/user/pt-alice/v1/usage/me', { authorization: `Bearer ${Y}` })).json).toMatchObject({ user_id: 'pt-alice', summary: { total_requests: 1, total_input_tokens: 25 } });
      expect((await me('/v1/usage/me', { 'x-api-key': Y })).json).toMatchObject({ summary: { total_requests: 1 } });
      // Anonymous: nothing presented, or a gateway key where keys are off.
      for (const headers of [{}, { 'x-api-key': 'sk-gw-0000000000000000-00000000000000000000000000000000-000000' }] as Record<string, string>[]) {
        const refused = await me('/v1/usage/me', headers);
        expect(refused.status).toBe(401);
        expect(refused.json.error.type).toBe('authentication_error');
      }
      // Admin: every credential's records of the user.
      expect((await me('/v1/usage/me?claude-code-user=pt-alice', master)).json).toMatchObject({ user_id: 'pt-alice', summary: { total_requests: 4, total_input_tokens: 1_075 } });
      expect((await me('/v1/usage', { 'x-api-key': X })).status).toBe(403);
      expect((await me('/v1/usage', master)).json).toMatchObject({ summary: { total_requests: 5, total_users: 2 } });
    });
  });

  describe('both mode: the key comes in the key header', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startTestGateway({ ANTHROPIC_API_BASE: context.fake.url, MASTER_API_KEY: MASTER, AUTH_MODE: 'both', BEDROCK_ENABLED: 'false' });
    });
    afterAll(async () => gateway.close());

    it('reads the key’s user; a client credential alone is anonymous', async () => {
      const { key } = await createKey(gateway, 'both-user');
      await message(gateway, { 'x-gateway-key': key, 'x-api-key': 'sk-ant-api03-client-both' });
      await gateway.flushUsage();
      const mine = await call(gateway, 'GET', '/v1/usage/me', { 'x-gateway-key': key, 'x-api-key': 'sk-ant-api03-client-both' });
      expect(mine.json).toMatchObject({ user_id: 'both-user', summary: { total_requests: 1, total_input_tokens: 25 } });
      expect((await call(gateway, 'GET', '/v1/usage/me', { 'x-api-key': 'sk-ant-api03-client-both' })).status).toBe(401);
    });
  });

  it('no answer ever carried a stored digest', async () => {
    const digests = (await context.gateway.accounting.listKeys()).map((record) => record.digest);
    expect(digests.length).toBeGreaterThan(5);
    for (const body of bodies) for (const digest of digests) expect(body).not.toContain(digest);
  });
});
