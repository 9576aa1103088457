import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startTestGateway, useGatewayWithFake } from '../helpers/gateway.ts';

const context = useGatewayWithFake({});

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await request(`${context.gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-client', 'anthropic-version': '2023-06-01', ...headers },
    body,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

describe('request passthrough', () => {
  it('forwards the body bytes unchanged, unknown fields, odd spacing and key order included', async () => {
    const body =
      '{ "stream":false,  "model" : "claude-sonnet-5-5", "max_tokens": 64,\n' +
      '  "messages": [{"role":"user","content":[{"type":"text","text":"h\\u00e9llo \\ud83d\\ude00","cache_control":{"type":"ephemeral","ttl":"1h"}}]}],\n' +
      '  "future_field_2030": {"nested": [1, 2.50, true, null]}, "context_management": {"edits": [{"type":"clear_thinking_20251015"}]},\n' +
      '  "system": [{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.330;"},{"type":"text","text":"You are Claude Code"}] }';
    const response = await post('/v1/messages', body);
    expect(response.status).toBe(200);
    expect(context.fake.last().body.equals(Buffer.from(body))).toBe(true);
  });

  it('forwards every anthropic-* header and future betas verbatim, with the query string', async () => {
    const sent = {
      'anthropic-beta': 'claude-code-20250219,future-beta-2031-01-01, interleaved-thinking-2025-05-14',
      'anthropic-version': '2026-10-21',
      'anthropic-workspace-id': 'wrkspc_123',
      'anthropic-future-header-2031': 'yes',
      'anthropic-dangerous-direct-browser-access': 'true',
      'x-claude-code-session-id': 'c8d5d4a6-0000-4000-8000-000000000000',
      'x-stainless-retry-count': '0',
      'user-agent': 'claude-cli/2.1.330 (external, cli)',
    };
    await post('/v1/messages?beta=true&extra=a%20b', '{"model":"m","max_tokens":1,"messages":[]}', sent);
    const seen = context.fake.last();
    expect(seen.url).toBe('/v1/messages?beta=true&extra=a%20b');
    expect(seen.headers).toMatchObject(sent);
  });

  it('strips hop-by-hop and forwarding headers', async () => {
    const body = '{"model":"m","max_tokens":1,"messages":[]}';
    const { status } = await new Promise<{ status: number }>((resolve, reject) => {
      const outgoing = httpRequest(`${context.gateway.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': 'k',
          'x-hop': 'secret-hop',
          connection: 'keep-alive, x-hop',
          'keep-alive': 'timeout=5',
          'proxy-authorization': 'Basic Zm9vOmJhcg==',
          te: 'trailers',
          cookie: 'session=abc',
          'x-forwarded-for': '203.0.113.7',
          forwarded: 'for=203.0.113.7',
        },
      });
      outgoing.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
    expect(status).toBe(200);
    const names = context.fake.last().rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase());
    for (const name of ['x-hop', 'keep-alive', 'proxy-authorization', 'te', 'cookie', 'x-forwarded-for', 'forwarded']) expect(names).not.toContain(name);
    expect(context.fake.last().headers.host).toBe(new URL(context.fake.url).host);
  });

  it('forwards a compressed body as sent and still reads its model', async () => {
    const plain = '{"model":"claude-haiku-5-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}';
    const compressed = gzipSync(plain);
    const response = await post('/v1/messages', compressed, { 'content-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(context.fake.last().body.equals(compressed)).toBe(true);
    expect(context.fake.last().headers['content-encoding']).toBe('gzip');
    expect(context.gateway.logs.some((line) => line.includes('"model":"claude-haiku-5-5"'))).toBe(true);
  });

  it('serves /user/{id}/v1/... as the same API and keeps the user on the request', async () => {
    const response = await post('/user/alice.smith@example.com/v1/messages?beta=true', '{"model":"m","max_tokens":1,"messages":[]}');
    expect(response.status).toBe(200);
    expect(context.fake.last().url).toBe('/v1/messages?beta=true');
    const line = context.gateway.logs.find((entry) => entry.includes('"user_id":"alice.smith@example.com"'));
    expect(line).toBeDefined();
  });

  it('forwards count_tokens and models', async () => {
    const count = await post('/v1/messages/count_tokens?beta=true', '{"model":"m","messages":[{"role":"user","content":"hello"}]}');
    expect(count.status).toBe(200);
    expect(JSON.parse(count.text)).toHaveProperty('input_tokens');
    expect(context.fake.last().url).toBe('/v1/messages/count_tokens?beta=true');

    const models = await request(`${context.gateway.url}/v1/models?limit=1000`, { headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' } });
    expect(models.statusCode).toBe(200);
    expect(((await models.body.json()) as { data: unknown[] }).data).toHaveLength(3);
    expect(context.fake.last().url).toBe('/v1/models?limit=1000');

    const one = await request(`${context.gateway.url}/user/bob/v1/models/claude-opus-5-5`, { headers: { 'x-api-key': 'k' } });
    expect(one.statusCode).toBe(200);
    expect(context.fake.last().url).toBe('/v1/models/claude-opus-5-5');
    const missing = await request(`${context.gateway.url}/v1/models/claude-nope`, { headers: { 'x-api-key': 'k' } });
    expect(missing.statusCode).toBe(404);
    expect(await missing.body.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('credentials', () => {
  const body = '{"model":"m","max_tokens":1,"messages":[]}';
  const credentialHeaders = () => context.fake.last().rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase()).filter((name) => name === 'x-api-key' || name === 'authorization');

  it('forwards an API key in x-api-key as sent', async () => {
    await post('/v1/messages', body, { 'x-api-key': 'sk-ant-api03-abc' });
    expect(context.fake.last().headers['x-api-key']).toBe('sk-ant-api03-abc');
    expect(credentialHeaders()).toEqual(['x-api-key']);
  });

  it('forwards an API key sent as Bearer (SDK 1.x) as Bearer', async () => {
    await post('/v1/messages', body, { 'x-api-key': '', authorization: 'Bearer sk-ant-api03-abc' });
    expect(context.fake.last().headers.authorization).toBe('Bearer sk-ant-api03-abc');
    expect(credentialHeaders()).toEqual(['authorization']);
  });

  it('sends OAuth tokens as Bearer and appends the OAuth beta to the client list', async () => {
    await post('/v1/messages', body, { 'x-api-key': 'sk-ant-oat01-token', 'anthropic-beta': 'claude-code-20250219,context-management-2025-06-27' });
    expect(context.fake.last().headers.authorization).toBe('Bearer sk-ant-oat01-token');
    expect(context.fake.last().headers['anthropic-beta']).toBe('claude-code-20250219,context-management-2025-06-27,oauth-2025-04-20');
    expect(credentialHeaders()).toEqual(['authorization']);
  });

  it('keeps the list unchanged when the OAuth beta is already there', async () => {
    await post('/v1/messages', body, { 'x-api-key': '', authorization: 'Bearer sk-ant-oat01-token', 'anthropic-beta': 'oauth-2025-04-20,x' });
    expect(context.fake.last().headers['anthropic-beta']).toBe('oauth-2025-04-20,x');
  });

  it('sends exactly one credential when the client sends both headers', async () => {
    await post('/v1/messages', body, { 'x-api-key': 'sk-same', authorization: 'Bearer sk-same' });
    expect(credentialHeaders()).toEqual(['x-api-key']);
  });

  it('answers 401 itself when nobody has a credential', async () => {
    const response = await post('/v1/messages', body, { 'x-api-key': '' });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.text)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(response.headers['request-id']).toMatch(/^req_/);
    expect(context.fake.requests).toHaveLength(0);
  });
});

describe('gateway credentials from the environment', () => {
  it.each([
    [{ ANTHROPIC_API_KEY: 'sk-ant-api03-gateway' }, { 'x-api-key': 'sk-ant-api03-gateway' }],
    [{ CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-gateway' }, { authorization: 'Bearer sk-ant-oat01-gateway', 'anthropic-beta': 'oauth-2025-04-20' }],
    [{ ANTHROPIC_AUTH_TOKEN: 'tok-gateway' }, { authorization: 'Bearer tok-gateway' }],
  ])('uses %j when the client sends none', async (env, expected) => {
    const own = await startTestGateway({ ANTHROPIC_API_BASE: context.fake.url, ...env });
    try {
      context.fake.reset();
      const response = await request(`${own.url}/v1/messages`, { method: 'POST', body: '{"model":"m","max_tokens":1,"messages":[]}' });
      expect(response.statusCode).toBe(200);
      await response.body.dump();
      expect(context.fake.last().headers).toMatchObject(expected);
    } finally {
      await own.close();
    }
  });
});

describe('response passthrough', () => {
  it.each([
    [400, 'invalid_request_error', { 'request-id': 'req_up_400' }],
    [401, 'authentication_error', { 'request-id': 'req_up_401', 'x-should-retry': 'false' }],
    [429, 'rate_limit_error', { 'request-id': 'req_up_429', 'retry-after': '47', 'anthropic-ratelimit-unified-status': 'rejected', 'anthropic-ratelimit-unified-reset': '1790000000', 'anthropic-ratelimit-requests-remaining': '0' }],
    [500, 'api_error', { 'request-id': 'req_up_500', 'x-should-retry': 'true' }],
    [529, 'overloaded_error', { 'request-id': 'req_up_529', 'retry-after': '3' }],
  ])('relays a %i with its body and headers unchanged', async (status, type, headers) => {
    const errorBody = `{"type":"error","error":{"type":"${type}","message":"exact upstream wording: capability_rejected: thinking"},"request_id":"${headers['request-id']}"}`;
    context.fake.enqueue({ kind: 'json', status, headers, body: errorBody });
    const response = await post('/v1/messages', '{"model":"m","max_tokens":1,"messages":[],"stream":true}');
    expect(response.status).toBe(status);
    expect(response.text).toBe(errorBody);
    expect(response.headers).toMatchObject(headers);
  });

  it('relays a success body with content-length and upstream headers', async () => {
    const body = '{"id":"msg_1","type":"message","content":[],"future":"field"}';
    context.fake.enqueue({ kind: 'json', headers: { 'request-id': 'req_ok', 'anthropic-organization-id': 'org-1', 'set-cookie': 'a=b' }, body });
    const response = await post('/v1/messages', '{"model":"m","max_tokens":1,"messages":[]}');
    expect(response.text).toBe(body);
    expect(response.headers['content-length']).toBe(String(body.length));
    expect(response.headers['anthropic-organization-id']).toBe('org-1');
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['request-id']).toBe('req_ok');
    expect(response.headers['x-gateway-request-id']).toMatch(/^req_gw/);
  });

  it('adds its own request-id when the upstream sent none', async () => {
    context.fake.enqueue({ kind: 'json', body: '{}' });
    const response = await post('/v1/messages', '{"model":"m","max_tokens":1,"messages":[]}');
    expect(response.headers['request-id']).toMatch(/^req_gw/);
  });
});
