import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestKey } from '../../src/accounting/keys.ts';
import { budgetMonth } from '../../src/store/accounting.ts';
import { startTestGateway, useGatewayWithFake, type TestGateway } from '../helpers/gateway.ts';

/**
 * The admin API (master key only): creating, listing, reading, changing and revoking gateway
 * keys, and reading their budgets. A created key works on /v1/messages at once and stops at
 * once when revoked; no answer ever carries a key's digest.
 */

const MASTER = 'master-admin-test-4c1d-never-shown';
const GATEWAY_ANTHROPIC_KEY = 'sk-ant-api03-GATEWAY-OWN-admin-test';
// The access matrix makes dozens of failed admin authentications from one address on purpose.
const context = useGatewayWithFake({ AUTH_MODE: 'keys', MASTER_API_KEY: MASTER, ANTHROPIC_API_KEY: GATEWAY_ANTHROPIC_KEY, BEDROCK_ENABLED: 'false' }, { 'auth.admin_failures_per_minute': 0 });

/** Every body any test received, checked at the end for digests. */
const bodies: string[] = [];

interface Answer {
  readonly status: number;
  readonly text: string;
  /** The parsed body (as other tests use `JSON.parse(text)`), undefined when it is not JSON. */
  readonly json: ReturnType<typeof JSON.parse>;
}

async function call(method: string, path: string, options: { headers?: Record<string, string>; body?: unknown; raw?: string } = {}): Promise<Answer> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await request(`${context.gateway.url}${path}`, {
    method: method as 'GET',
    headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await response.body.text();
  bodies.push(text);
  let json: ReturnType<typeof JSON.parse>;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, text, json };
}

const master = { 'x-api-key': MASTER };

async function createKey(body: Record<string, unknown>): Promise<{ key: string; id: string; view: Record<string, unknown> }> {
  const answer = await call('POST', '/admin/keys', { headers: master, body });
  expect(answer.status).toBe(201);
  const { key, ...view } = answer.json as { key: string; id: string };
  return { key, id: view.id, view };
}

/** A /v1/messages call with `key` as x-api-key. */
async function useKey(key: string): Promise<Answer> {
  const response = await request(`${context.gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': key },
    body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await response.body.text();
  bodies.push(text);
  return { status: response.statusCode, text, json: JSON.parse(text) };
}

describe('POST /admin/keys', () => {
  it('creates a key, shows it once, stores only its digest', async () => {
    const before = Date.now();
    const answer = await call('POST', '/admin/keys', { headers: master, body: { user_id: 'alice', name: 'laptop', service_tier: 'priority', rpm_limit: 60, tpm_limit: 50_000, monthly_budget_usd: 12.5 } });
    expect(answer.status).toBe(201);
    const created = answer.json as Record<string, unknown> & { key: string; id: string; created_at: string };
    expect(created.key).toMatch(/^sk-gw-[0-9A-Za-z]{16}-[0-9A-Za-z]{32}-[0-9A-Za-z]{6}$/);
    expect(created.key.slice(6, 22)).toBe(created.id);
    expect(created).toEqual({
      key: created.key,
      id: created.id,
      prefix: `sk-gw-${created.id}`,
      user_id: 'alice',
      name: 'laptop',
      status: 'active',
      disabled_reason: null,
      disabled_month: null,
      service_tier: 'priority',
      rpm_limit: 60,
      tpm_limit: 50_000,
      monthly_budget_usd: 12.5,
      created_at: created.created_at,
      updated_at: created.created_at,
    });
    expect(Date.parse(created.created_at)).toBeGreaterThanOrEqual(before - 1);
    expect(created.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const stored = await context.gateway.accounting.getKey(created.id);
    expect(stored).toMatchObject({ userId: 'alice', name: 'laptop', serviceTier: 'priority', rpmLimit: 60, tpmLimit: 50_000, monthlyBudgetMicros: 12_500_000, digest: digestKey(created.key, undefined) });
    expect(JSON.stringify(stored)).not.toContain(created.key);
    // The key is shown once: no other answer or log line carries it.
    const read = await call('GET', `/admin/keys/${created.id}`, { headers: master });
    expect(read.text).not.toContain(created.key);
    expect(context.gateway.logs.join('\n')).not.toContain(created.key);
    expect(context.gateway.logs.some((line) => line.includes('admin: key created') && line.includes(created.id))).toBe(true);
  });

  it('creates a key with only the required fields', async () => {
    const { view } = await createKey({ user_id: 'a.b_c@d+e-f', name: 'x' });
    expect(view).toMatchObject({ user_id: 'a.b_c@d+e-f', name: 'x', status: 'active', service_tier: null, rpm_limit: null, tpm_limit: null, monthly_budget_usd: null });
  });

  it.each([
    [{ name: 'n' }, 'user_id'],
    [{ user_id: 'has space', name: 'n' }, 'user_id: must be 1-128 characters'],
    [{ user_id: 'u'.repeat(129), name: 'n' }, 'user_id'],
    [{ user_id: 'alice' }, 'name'],
    [{ user_id: 'alice', name: 'n'.repeat(201) }, 'name: must be at most 200 characters'],
    [{ user_id: 'alice', name: 'n', service_tier: 'gold' }, 'service_tier'],
    [{ user_id: 'alice', name: 'n', rpm_limit: 0 }, 'rpm_limit: must be positive'],
    [{ user_id: 'alice', name: 'n', tpm_limit: 2.5 }, 'tpm_limit: must be an integer'],
    [{ user_id: 'alice', name: 'n', monthly_budget_usd: 0 }, 'monthly_budget_usd: must be positive'],
    [{ user_id: 'alice', name: 'n', monthly_budget_usd: '10' }, 'monthly_budget_usd'],
    [{ user_id: 'alice', name: 'n', status: 'active' }, 'unknown field status'],
  ])('refuses %j with a 400 naming the field', async (body, expected) => {
    const answer = await call('POST', '/admin/keys', { headers: master, body });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(answer.json.error.message).toContain(expected);
  });

  it.each([
    ['not JSON', '{"user_id": '],
    ['an array', '[{"user_id":"alice","name":"n"}]'],
    ['a string', '"alice"'],
    ['null', 'null'],
  ])('refuses a body that is %s', async (_what, raw) => {
    const answer = await call('POST', '/admin/keys', { headers: master, raw });
    expect(answer.status).toBe(400);
    expect(answer.json.error.type).toBe('invalid_request_error');
  });

  it('refuses a missing body', async () => {
    const answer = await call('POST', '/admin/keys', { headers: master });
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toContain('JSON object');
  });
});

describe('GET /admin/keys', () => {
  it('lists every key or one user’s, oldest first, without digests', async () => {
    const first = await createKey({ user_id: 'lister', name: 'one' });
    const second = await createKey({ user_id: 'lister', name: 'two' });
    await createKey({ user_id: 'other-lister', name: 'three' });
    const mine = await call('GET', '/admin/keys?user_id=lister', { headers: master });
    expect(mine.status).toBe(200);
    expect(mine.json.data.map((view: { id: string }) => view.id)).toEqual([first.id, second.id]);
    expect(mine.json.data[0]).toEqual(first.view);
    const all = await call('GET', '/admin/keys', { headers: master });
    const ids = all.json.data.map((view: { id: string }) => view.id);
    expect(ids).toEqual(expect.arrayContaining([first.id, second.id]));
    expect(ids.length).toBeGreaterThanOrEqual(3);
    expect((await call('GET', '/admin/keys?user_id=nobody', { headers: master })).json).toEqual({ data: [] });
  });

  it('refuses a malformed user_id', async () => {
    for (const query of ['user_id=bad%20user', 'user_id=a&user_id=b']) {
      const answer = await call('GET', `/admin/keys?${query}`, { headers: master });
      expect(answer.status).toBe(400);
      expect(answer.json.error.type).toBe('invalid_request_error');
    }
  });
});

describe('GET, PATCH, DELETE /admin/keys/{id}', () => {
  it('reads one key; an unknown id is 404', async () => {
    const { id, view } = await createKey({ user_id: 'reader', name: 'r' });
    expect((await call('GET', `/admin/keys/${id}`, { headers: master })).json).toEqual(view);
    const missing = await call('GET', '/admin/keys/0000000000000000', { headers: master });
    expect(missing.status).toBe(404);
    expect(missing.json.error.type).toBe('not_found_error');
    for (const [method, path] of [['PATCH', '/admin/keys/0000000000000000'], ['DELETE', '/admin/keys/0000000000000000'], ['POST', '/admin/keys/0000000000000000/revoke'], ['GET', '/admin/keys/0000000000000000/budget']] as const) {
      expect((await call(method, path, { headers: master, ...(method === 'PATCH' ? { body: { name: 'x' } } : {}) })).status).toBe(404);
    }
  });

  it('changes fields, and null clears a limit', async () => {
    const { id } = await createKey({ user_id: 'patcher', name: 'p', rpm_limit: 5, tpm_limit: 10, monthly_budget_usd: 3, service_tier: 'flex' });
    const changed = await call('PATCH', `/admin/keys/${id}`, { headers: master, body: { name: 'renamed', rpm_limit: null, tpm_limit: 20, monthly_budget_usd: null, service_tier: null } });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ id, name: 'renamed', rpm_limit: null, tpm_limit: 20, monthly_budget_usd: null, service_tier: null, status: 'active' });
    expect(Date.parse(changed.json.updated_at)).toBeGreaterThanOrEqual(Date.parse(changed.json.created_at));
    const stored = await context.gateway.accounting.getKey(id);
    expect(stored?.rpmLimit).toBeUndefined();
    expect(stored?.monthlyBudgetMicros).toBeUndefined();
    expect(stored?.tpmLimit).toBe(20);

    for (const body of [{}, { status: 'revoked' }, { user_id: 'someone-else' }, { rpm_limit: -1 }]) {
      const refused = await call('PATCH', `/admin/keys/${id}`, { headers: master, body });
      expect(refused.status).toBe(400);
      expect(refused.json.error.type).toBe('invalid_request_error');
    }
  });

  it('disabling a key stops it at once (cache invalidated); re-activating clears a budget disable', async () => {
    const { id, key } = await createKey({ user_id: 'toggler', name: 't' });
    expect((await useKey(key)).status).toBe(200); // now cached as active
    const disabled = await call('PATCH', `/admin/keys/${id}`, { headers: master, body: { status: 'disabled' } });
    expect(disabled.json).toMatchObject({ status: 'disabled', disabled_reason: 'disabled_by_admin', disabled_month: null });
    const refused = await useKey(key);
    expect(refused.status).toBe(403);
    expect(refused.json.error.type).toBe('permission_error');

    await context.gateway.accounting.updateKey(id, { status: 'disabled', disabledReason: 'budget_exceeded', disabledMonth: budgetMonth(Date.now()) }, Date.now());
    expect((await useKey(key)).status).toBe(402);
    const active = await call('PATCH', `/admin/keys/${id}`, { headers: master, body: { status: 'active' } });
    expect(active.json).toMatchObject({ status: 'active', disabled_reason: null, disabled_month: null });
    expect((await useKey(key)).status).toBe(200);
  });

  it('a created key works on /v1/messages in keys mode and is refused (401) right after DELETE', async () => {
    const { id, key } = await createKey({ user_id: 'deleter', name: 'd' });
    const ok = await useKey(key);
    expect(ok.status).toBe(200);
    expect(context.fake.last().headers['x-api-key']).toBe(GATEWAY_ANTHROPIC_KEY);
    expect(context.fake.last().rawHeaders.join('\n')).not.toContain(key);

    const revoked = await call('DELETE', `/admin/keys/${id}`, { headers: master });
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ id, status: 'revoked', user_id: 'deleter' });
    const refused = await useKey(key);
    expect(refused.status).toBe(401);
    expect(refused.json.error.type).toBe('authentication_error');
    expect(context.fake.requests).toHaveLength(1);

    // Revoking again is harmless; a revoked key cannot be brought back.
    expect((await call('POST', `/admin/keys/${id}/revoke`, { headers: master })).json.status).toBe('revoked');
    expect((await call('PATCH', `/admin/keys/${id}`, { headers: master, body: { status: 'active' } })).status).toBe(400);
    expect((await useKey(key)).status).toBe(401);
  });

  it('POST /admin/keys/{id}/revoke revokes too', async () => {
    const { id, key } = await createKey({ user_id: 'deleter', name: 'e' });
    expect((await useKey(key)).status).toBe(200);
    expect((await call('POST', `/admin/keys/${id}/revoke`, { headers: master })).json.status).toBe('revoked');
    expect((await useKey(key)).status).toBe(401);
  });
});

describe('GET /admin/keys/{id}/budget', () => {
  it('reports the month’s limit, spent, reserved and remaining', async () => {
    const { id } = await createKey({ user_id: 'spender', name: 's', monthly_budget_usd: 10 });
    const month = budgetMonth(Date.now());
    const store = context.gateway.accounting;
    await store.reserveBudget(id, month, 3_000_000, 10_000_000);
    await store.settleBudget(id, month, 3_000_000, 2_500_000);
    await store.reserveBudget(id, month, 1_250_000, 10_000_000);
    const current = await call('GET', `/admin/keys/${id}/budget`, { headers: master });
    expect(current.status).toBe(200);
    expect(current.json).toEqual({ key_id: id, month, limit_usd: 10, spent_usd: 2.5, reserved_usd: 1.25, remaining_usd: 6.25 });
    expect((await call('GET', `/admin/keys/${id}/budget?month=2020-01`, { headers: master })).json).toEqual({ key_id: id, month: '2020-01', limit_usd: 10, spent_usd: 0, reserved_usd: 0, remaining_usd: 10 });
  });

  it('a key without a budget has no limit or remainder', async () => {
    const { id } = await createKey({ user_id: 'spender', name: 'free' });
    expect((await call('GET', `/admin/keys/${id}/budget?month=2026-02`, { headers: master })).json).toEqual({ key_id: id, month: '2026-02', limit_usd: null, spent_usd: 0, reserved_usd: 0, remaining_usd: null });
  });

  it.each(['2026-13', '2026-1', 'may', '2026-05-01'])('refuses month=%s', async (month) => {
    const { id } = await createKey({ user_id: 'spender', name: 'bad-month' });
    const answer = await call('GET', `/admin/keys/${id}/budget?month=${month}`, { headers: master });
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toContain('YYYY-MM');
  });
});

describe('access matrix (X4): only the master key passes', () => {
  it('every admin route × {none, a user’s key, another user’s key, wrong master, master}', async () => {
    const alice = await createKey({ user_id: 'matrix-alice', name: 'a' });
    const bob = await createKey({ user_id: 'matrix-bob', name: 'b' });
    const credentials: readonly [string, Record<string, string>, number, string][] = [
      ['none', {}, 401, 'authentication_error'],
      ['alice key (x-api-key)', { 'x-api-key': alice.key }, 403, 'permission_error'],
      ['alice key (Bearer)', { authorization: `Bearer ${alice.key}` }, 403, 'permission_error'],
      ['bob key (key header)', { 'x-gateway-key': bob.key }, 403, 'permission_error'],
      ['wrong master', { 'x-api-key': `${MASTER}x` }, 403, 'permission_error'],
      ['wrong master (Bearer)', { authorization: 'Bearer not-the-master' }, 403, 'permission_error'],
    ];
    // Each route acts on alice's key, so a refused call must leave it untouched.
    const routes: readonly [string, string, unknown, number][] = [
      ['POST', '/admin/keys', { user_id: 'matrix-alice', name: 'new' }, 201],
      ['GET', '/admin/keys', undefined, 200],
      ['GET', '/admin/keys?user_id=matrix-alice', undefined, 200],
      ['GET', `/admin/keys/${alice.id}`, undefined, 200],
      ['GET', `/admin/keys/${alice.id}/budget`, undefined, 200],
      ['PATCH', `/admin/keys/${alice.id}`, { name: 'changed' }, 200],
      ['POST', `/admin/keys/${alice.id}/revoke`, undefined, 200],
      ['DELETE', `/admin/keys/${alice.id}`, undefined, 200],
    ];
    const keysBefore = (await context.gateway.accounting.listKeys()).length;
    for (const [method, path, body] of routes) {
      for (const [who, headers, status, type] of credentials) {
        const answer = await call(method, path, { headers, ...(body === undefined ? {} : { body }) });
        expect({ who, method, path, status: answer.status, type: answer.json?.error?.type }).toEqual({ who, method, path, status, type });
      }
    }
    expect((await context.gateway.accounting.listKeys()).length).toBe(keysBefore);
    expect(await context.gateway.accounting.getKey(alice.id)).toMatchObject({ name: 'a', status: 'active' });
    expect((await useKey(alice.key)).status).toBe(200);

    for (const headers of [master, { authorization: `Bearer ${MASTER}` }, { 'x-gateway-key': MASTER }] as Record<string, string>[]) {
      for (const [method, path, body, status] of routes) {
        const answer = await call(method, path, { headers, ...(body === undefined ? {} : { body }) });
        expect({ method, path, status: answer.status }).toEqual({ method, path, status });
      }
    }
    expect((await useKey(alice.key)).status).toBe(401);
  });

  it('no answer ever carried a stored digest', async () => {
    const digests = (await context.gateway.accounting.listKeys()).map((record) => record.digest);
    expect(digests.length).toBeGreaterThan(10);
    expect(bodies.length).toBeGreaterThan(50);
    for (const body of bodies) for (const digest of digests) expect(body).not.toContain(digest);
    const logs = context.gateway.logs.join('\n');
    for (const digest of digests) expect(logs).not.toContain(digest);
    expect(logs).not.toContain(MASTER);
  });
});

describe('admin API without a master key', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ BEDROCK_ENABLED: 'false' });
  });
  afterAll(async () => gateway.close());

  it('is off: every route answers 401 saying how to turn it on', async () => {
    for (const [method, path] of [['POST', '/admin/keys'], ['GET', '/admin/keys'], ['GET', '/admin/keys/x'], ['DELETE', '/admin/keys/x']] as const) {
      const response = await request(`${gateway.url}${path}`, { method, headers: { 'x-api-key': 'anything' } });
      const answer = (await response.body.json()) as { error: { type: string; message: string } };
      expect(response.statusCode).toBe(401);
      expect(answer.error.type).toBe('authentication_error');
      expect(answer.error.message).toContain('MASTER_API_KEY');
    }
    expect(await gateway.accounting.listKeys()).toEqual([]);
  });
});
