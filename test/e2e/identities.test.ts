import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCommand } from '../../src/cli/admin.ts';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { FakeBedrock } from '../fakes/bedrock.ts';
import { awsEnvironment, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { storeKey } from '../helpers/keys.ts';

/**
 * A5: rate limits are keyed on what a client cannot choose (a verified key, the credential it
 * sends, the gateway's own credentials as one window), never on the `/user/{id}` it claims.
 * A6: no user id names the master key's usage; reserved user ids and unprintable key names are
 * refused; listings escape what older records hold.
 */

const MASTER = 'master-a6-canary';
const body = JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] });

async function post(gateway: TestGateway, path: string, headers: Record<string, string> = {}, payload = body) {
  const response = await request(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  return { status: response.statusCode, text: await response.body.text() };
}

async function call(gateway: TestGateway, method: 'GET' | 'POST', path: string, headers: Record<string, string>, json?: unknown) {
  const response = await request(`${gateway.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
  const text = await response.body.text();
  return { status: response.statusCode, json: JSON.parse(text) as Record<string, unknown> };
}

let fake: FakeAnthropic;
let bedrock: FakeBedrock;
beforeAll(async () => {
  fake = await FakeAnthropic.start();
  bedrock = await FakeBedrock.start();
});
afterAll(async () => {
  await fake.close();
  await bedrock.close();
});

describe('passthrough rate limits are not keyed by the claimed user (A5)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ ANTHROPIC_API_BASE: fake.url, ...awsEnvironment(bedrock), RATE_LIMIT_REQUESTS: '3', ANTHROPIC_API_KEY: 'sk-ant-gateway-own-a5' });
  });
  afterAll(async () => gateway.close());

  it('with the gateway’s own credential, renaming the user each time gives no new window', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 6; index++) statuses.push((await post(gateway, `/user/renamed-${index}/v1/messages`, index % 2 === 0 ? {} : { 'x-gateway-user': `header-${index}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it('a client credential has its own window, whatever user it claims', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 4; index++) statuses.push((await post(gateway, `/user/alias-${index}/v1/messages`, { 'x-api-key': 'sk-ant-client-one' })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await post(gateway, '/v1/messages', { 'x-api-key': 'sk-ant-client-two' })).status).toBe(200);
  });

  it('a credential nobody checks (the model is served by Bedrock) also counts in the gateway’s window', async () => {
    // The gateway's window was used up by the first test: rotating invented credentials does not help.
    const bedrockBody = JSON.stringify({ model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] });
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) statuses.push((await post(gateway, '/v1/messages', { 'x-api-key': `sk-ant-invented-${index}` }, bedrockBody)).status);
    expect(statuses).toEqual([429, 429, 429]);
    expect(bedrock.requests).toHaveLength(0);
  });
});

describe('a request moved to Bedrock after its first target failed counts in the gateway’s window (A5, found by probing)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ ANTHROPIC_API_BASE: fake.url, ...awsEnvironment(bedrock), RATE_LIMIT_REQUESTS: '3', ANTHROPIC_API_KEY: 'sk-ant-gateway-own-a5-fallback' });
  });
  afterAll(async () => {
    fake.reset();
    bedrock.reset();
    await gateway.close();
  });

  it('inventing a credential per request while Anthropic fails (then cools) gives no new window on Bedrock', async () => {
    fake.reset();
    bedrock.reset();
    // Anthropic overloaded: the first request falls back to Bedrock and cools Anthropic, the next
    // ones go to Bedrock straight away. Bedrock is called with the gateway's AWS credentials, so
    // nobody checks the invented credentials.
    fake.respondWith(() => ({ kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }));
    const statuses: number[] = [];
    for (let index = 0; index < 6; index++) statuses.push((await post(gateway, '/v1/messages', { 'x-api-key': `sk-ant-invented-fallback-${index}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect(bedrock.requests).toHaveLength(3);
  });
});

describe('reserved identities (A6)', () => {
  let gateway: TestGateway;
  const master = { 'x-api-key': MASTER };
  beforeAll(async () => {
    gateway = await startTestGateway({ ANTHROPIC_API_BASE: fake.url, BEDROCK_ENABLED: 'false', AUTH_MODE: 'keys', MASTER_API_KEY: MASTER, ANTHROPIC_API_KEY: 'sk-ant-gateway-own-a6' });
  });
  afterAll(async () => gateway.close());

  it('refuses keys for reserved user ids, in any case', async () => {
    for (const userId of ['admin', 'default', 'Admin', 'DEFAULT', ':admin']) {
      const created = await call(gateway, 'POST', '/admin/keys', master, { user_id: userId, name: 'x' });
      expect(created.status).toBe(400);
      expect(JSON.stringify(created.json)).toMatch(/user_id: (is reserved|must be)/);
    }
  });

  it('records the master key’s calls under a name no key can read', async () => {
    expect((await post(gateway, '/v1/messages', master)).status).toBe(200);
    await gateway.flushUsage();
    const own = await call(gateway, 'GET', '/v1/usage/me', master);
    expect(own.json).toMatchObject({ user_id: ':admin', summary: { total_requests: 1 } });
    const created = await call(gateway, 'POST', '/admin/keys', master, { user_id: 'mallory', name: 'laptop' });
    const key = created.json.key as string;
    expect((await call(gateway, 'GET', '/v1/usage/me', { 'x-api-key': key })).json).toMatchObject({ user_id: 'mallory', summary: { total_requests: 0 } });
    expect((await call(gateway, 'GET', '/v1/usage/me?claude-code-user=admin', { 'x-api-key': key })).status).toBe(404);
  });

  it('a key made for a reserved user id before this rule no longer authenticates', async () => {
    const made = await storeKey(gateway.accounting, { userId: 'admin', name: 'old' });
    expect((await post(gateway, '/v1/messages', { 'x-api-key': made.key })).status).toBe(401);
    expect((await call(gateway, 'GET', '/v1/usage/me', { 'x-api-key': made.key })).status).toBe(401);
  });

  it('refuses a reserved user id in the path', async () => {
    for (const path of ['/user/admin/v1/messages', '/user/default/v1/messages']) expect((await post(gateway, path, master)).status).toBe(400);
  });

  it('refuses key names with control characters or bidirectional overrides', async () => {
    for (const name of ['red\u001b[31m', 'two\r\nlines', 'tab\there', 'nul\u0000', 'rtl\u202eevil', 'del\u007f']) {
      const created = await call(gateway, 'POST', '/admin/keys', master, { user_id: 'ann', name });
      expect(created.status).toBe(400);
      expect(JSON.stringify(created.json)).toContain('name: must not contain control characters');
    }
    const made = await call(gateway, 'POST', '/admin/keys', master, { user_id: 'ann', name: 'ok' });
    const patched = await request(`${gateway.url}/admin/keys/${made.json.id as string}`, { method: 'PATCH', headers: { ...master, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x\u001b]0;owned\u0007' }) });
    expect(patched.statusCode).toBe(400);
    await patched.body.text();
  });

  it('keys list (CLI) escapes control characters a stored name already holds', async () => {
    await storeKey(gateway.accounting, { userId: 'eve', name: 'x\u001b[2J\r\nfake line\u009b' });
    for (const json of [false, true]) {
      const lines: string[] = [];
      const code = await runAdminCommand(['keys', 'list', '-u', 'eve', ...(json ? ['--json'] : [])], { out: (line) => lines.push(line), env: { GATEWAY_DATA_DIR: gateway.config.store.data_dir }, now: () => Date.now() });
      expect(code).toBe(0);
      const printed = lines.join('\n');
      expect(['\u001b', '\r', '\u009b'].some((character) => printed.includes(character))).toBe(false);
      expect(printed).toContain(json ? '\\u001b[2J\\r\\nfake line\\u009b' : 'x\\u{1b}[2J\\u{d}\\u{a}fake line\\u{9b}');
      if (!json) expect(lines).toHaveLength(1);
    }
  });
});
