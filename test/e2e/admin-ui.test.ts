import { brotliDecompressSync } from 'node:zlib';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { loadAssets } from '../../src/http/admin-ui/assets.ts';
import { useGatewayWithFake } from '../helpers/gateway.ts';

/**
 * The admin UI's HTTP side without a browser: the page and its files (CSP, compression, the
 * 200 KB budget), login and its throttle, the session cookie's flags, CSRF (token and origin),
 * what a read-only session may not do, and the admin usage reads' answers and refusals.
 * (test/e2e/admin-ui-browser.test.ts drives the same through Chromium.)
 */

const MASTER = 'master-admin-ui-test-8d1c';
const context = useGatewayWithFake({ AUTH_MODE: 'keys', MASTER_API_KEY: MASTER, ANTHROPIC_API_KEY: 'sk-ant-api03-GATEWAY-admin-ui-test', BEDROCK_ENABLED: 'false' });

async function call(method: string, path: string, options: { headers?: Record<string, string>; body?: unknown } = {}) {
  const response = await fetch(`${context.gateway.url}${path}`, {
    method,
    headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, text, json };
}

async function login(key: string, headers: Record<string, string> = {}) {
  const answer = await call('POST', '/admin/session', { body: { key }, headers });
  expect(answer.status).toBe(200);
  const cookie = (answer.headers.get('set-cookie') ?? '').split(';')[0] as string;
  return { cookie, csrf: answer.json['csrf_token'] as string, setCookie: answer.headers.get('set-cookie') ?? '' };
}

async function createKey(userId: string, name = 'test'): Promise<{ key: string; id: string }> {
  const answer = await call('POST', '/admin/keys', { headers: { 'x-api-key': MASTER }, body: { user_id: userId, name } });
  return { key: answer.json['key'] as string, id: answer.json['id'] as string };
}

describe('the page and its files', () => {
  it('serves the page with a strict CSP, no framing, no sniffing', async () => {
    const page = await call('GET', '/admin');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.text).not.toMatch(/<script>|<style>|style=|https?:\/\//);
  });

  it('serves files compressed, from node_modules for the vendor modules, and nothing else', async () => {
    // undici's request does not decode: the bytes as sent.
    const response = await request(`${context.gateway.url}/admin/assets/vendor/hooks.mjs`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(response.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(Buffer.from(await response.body.arrayBuffer())).toString()).toContain('from"./preact.mjs"');
    expect((await call('GET', '/admin/assets/../../package.json')).status).toBe(404);
    expect((await call('GET', '/admin/assets/nothing.js')).status).toBe(404);
  });

  it('keeps everything the UI loads under 200 KB compressed', () => {
    const gzipBytes = [...loadAssets().values()].reduce((sum, asset) => sum + asset.gzip.length, 0);
    expect(gzipBytes).toBeLessThan(200_000);
  });
});

describe('login and sessions', () => {
  it('answers a wrong key the same whether it looks like a gateway key or not', async () => {
    const plain = await call('POST', '/admin/session', { body: { key: 'wrong' } });
    const gatewayShaped = await call('POST', '/admin/session', { body: { key: 'sk-gw-AAAAAAAAAAAAAAAA-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB-CCCCCC' } });
    expect([plain.status, gatewayShaped.status]).toEqual([401, 401]);
    expect(plain.json['error']).toEqual(gatewayShaped.json['error']);
    expect((plain.json['error'] as { type: string }).type).toBe('authentication_error');
  });

  it('sets an HttpOnly SameSite=Strict cookie for /admin, Secure behind TLS', async () => {
    expect((await login(MASTER)).setCookie).toMatch(/^gw_admin_session=[\w-]+\.[\w-]+; Path=\/admin; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    expect((await login(MASTER, { 'x-forwarded-proto': 'https' })).setCookie).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
  });

  it('needs the CSRF token and the same origin for every change', async () => {
    const { cookie, csrf } = await login(MASTER);
    const body = { user_id: 'carol', name: 'csrf test' };
    expect((await call('POST', '/admin/keys', { headers: { cookie }, body })).json).toMatchObject({ error: { type: 'permission_error' } });
    expect((await call('POST', '/admin/keys', { headers: { cookie, 'x-csrf-token': 'x' }, body })).status).toBe(403);
    expect((await call('POST', '/admin/keys', { headers: { cookie, 'x-csrf-token': csrf, origin: 'http://evil.example' }, body })).status).toBe(403);
    expect((await call('POST', '/admin/keys', { headers: { cookie, 'x-csrf-token': csrf, 'sec-fetch-site': 'same-site' }, body })).status).toBe(403);
    expect((await call('POST', '/admin/keys', { headers: { cookie, 'x-csrf-token': csrf, origin: context.gateway.url }, body })).status).toBe(201);
    // Reads need no token.
    expect((await call('GET', '/admin/keys?user_id=carol', { headers: { cookie } })).json['data']).toHaveLength(1);
  });

  it('a read-only session reads its own user only, changes nothing, and ends with its key', async () => {
    const mine = await createKey('dave');
    const other = await createKey('erin');
    const { cookie, csrf } = await login(mine.key);
    const headers = { cookie, 'x-csrf-token': csrf };
    expect((await call('GET', '/admin/session', { headers })).json).toMatchObject({ role: 'viewer', user_id: 'dave', key_id: mine.id });
    expect((await call('GET', `/admin/keys/${other.id}`, { headers })).status).toBe(404);
    expect((await call('GET', `/admin/keys/${other.id}/usage`, { headers })).status).toBe(404);
    expect((await call('GET', `/admin/keys/${mine.id}/usage`, { headers })).status).toBe(200);
    expect((await call('PATCH', `/admin/keys/${mine.id}`, { headers, body: { rpm_limit: 1_000 } })).json).toMatchObject({ error: { type: 'permission_error' } });
    expect((await call('POST', `/admin/keys/${mine.id}/revoke`, { headers })).status).toBe(403);
    expect((await call('GET', '/admin/budgets', { headers })).status).toBe(200);
    await call('POST', `/admin/keys/${mine.id}/revoke`, { headers: { 'x-api-key': MASTER } });
    expect((await call('GET', '/admin/keys', { headers })).status).toBe(401);
  });

  it('logs out for good: the same cookie is refused afterwards', async () => {
    const { cookie, csrf } = await login(MASTER);
    expect((await call('DELETE', '/admin/session', { headers: { cookie } })).status).toBe(403);
    const out = await call('DELETE', '/admin/session', { headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await call('GET', '/admin/session', { headers: { cookie } })).status).toBe(401);
    expect((await call('GET', '/admin/usage', { headers: { cookie } })).json).toMatchObject({ error: { type: 'authentication_error' } });
  });
});

describe('admin usage reads', () => {
  it('answers a page, a record and the aggregates from real traffic', async () => {
    const { key } = await createKey('frank');
    for (let index = 0; index < 3; index++) {
      const response = await fetch(`${context.gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': key },
        body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
      });
      await response.text();
    }
    await context.gateway.flushUsage();
    const master = { 'x-api-key': MASTER };
    const first = await call('GET', '/admin/usage?user_id=frank&limit=2', { headers: master });
    expect(first.json['data']).toHaveLength(2);
    const second = await call('GET', `/admin/usage?user_id=frank&limit=2&cursor=${first.json['next_cursor'] as string}`, { headers: master });
    expect(second.json['data']).toHaveLength(1);
    expect(second.json['next_cursor']).toBeNull();
    const record = (first.json['data'] as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(Object.keys(record)).not.toContain('credential_id');
    expect((await call('GET', `/admin/usage/${record['request_id'] as string}`, { headers: master })).json).toEqual(record);
    const stats = await call('GET', '/admin/usage/stats?user_id=frank', { headers: master });
    expect(stats.json['totals']).toMatchObject({ requests: 3, errors: 0, success_rate: 1 });
    expect(stats.json['bucket_seconds']).toBe(900);
    expect((stats.json['groups'] as Record<string, unknown[]>)['user']).toEqual([expect.objectContaining({ key: 'frank', requests: 3 })]);
  });

  it('refuses bad parameters with an Anthropic-shaped 400', async () => {
    const master = { 'x-api-key': MASTER };
    for (const path of ['/admin/usage?from=soon', '/admin/usage?limit=0', '/admin/usage?cursor=abc', '/admin/usage/stats?bucket=1', '/admin/budgets?month=2026-13']) {
      const answer = await call('GET', path, { headers: master });
      expect([path, answer.status, (answer.json['error'] as { type?: string }).type]).toEqual([path, 400, 'invalid_request_error']);
    }
  });

  it('throttles login attempts per address (10 a minute)', async () => {
    let last = await call('POST', '/admin/session', { body: { key: 'guess' } });
    for (let attempt = 0; attempt < 12 && last.status !== 429; attempt++) last = await call('POST', '/admin/session', { body: { key: 'guess' } });
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
