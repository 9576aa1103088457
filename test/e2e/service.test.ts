import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startTestGateway, useGatewayWithFake } from '../helpers/gateway.ts';

/** The gateway's own routes, and secrets that must never show. */

const canary = { gateway: 'sk-ant-api03-CANARY-gateway-7f3a', client: 'sk-ant-api03-CANARY-client-91bc', oauth: 'sk-ant-oat01-CANARY-oauth-4d2e' };
const context = useGatewayWithFake({ ANTHROPIC_API_KEY: canary.gateway, CLAUDE_CODE_OAUTH_TOKEN: canary.oauth });

async function get(path: string, method: 'GET' | 'HEAD' = 'GET') {
  const response = await request(`${context.gateway.url}${path}`, { method });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

describe('service routes', () => {
  it('HEAD and GET /api/hello answer 200 with no body', async () => {
    for (const method of ['HEAD', 'GET'] as const) {
      const response = await get('/api/hello', method);
      expect(response.status).toBe(200);
      expect(response.text).toBe('');
    }
  });

  it.each(['/health', '/health/ready', '/ready', '/health/live', '/liveness'])('%s answers ok', async (path) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ status: 'ok' });
  });

  it('readiness fails while draining, liveness does not, and API requests get a 529', async () => {
    context.gateway.state.draining = true;
    try {
      expect((await get('/health')).status).toBe(503);
      expect(JSON.parse((await get('/ready')).text)).toEqual({ status: 'draining' });
      expect((await get('/health/live')).status).toBe(200);
      const refused = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', body: '{"model":"m"}' });
      expect(refused.statusCode).toBe(529);
      expect(await refused.body.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    } finally {
      context.gateway.state.draining = false;
    }
  });

  it('GET / and HEAD / say what this is', async () => {
    const info = JSON.parse((await get('/')).text) as { name: string; usage: string };
    expect(info.name).toBe('claude-gateway');
    expect(info.usage).toContain('ANTHROPIC_BASE_URL');
    expect((await get('/', 'HEAD')).status).toBe(200);
  });

  it('GET / lists every endpoint, usage and admin included, each one served (D20)', async () => {
    const info = JSON.parse((await get('/')).text) as { endpoints: string[]; user_prefix: string };
    for (const endpoint of ['POST /v1/messages', 'POST /v1/messages/count_tokens', 'GET /v1/models', 'GET /v1/models/{model_id}', 'GET /v1/usage/me', 'GET /v1/usage', 'POST /admin/keys', 'GET /admin/keys', 'GET /admin/keys/{id}', 'PATCH /admin/keys/{id}', 'DELETE /admin/keys/{id}', 'POST /admin/keys/{id}/revoke', 'GET /admin/keys/{id}/budget', 'GET /health', 'GET /metrics', 'GET /debug', 'GET /api/hello', 'GET /']) {
      expect(info.endpoints).toContain(endpoint);
    }
    expect(info.user_prefix).toContain('/user/{user_id}/');
    // Nothing listed is a route the gateway does not have.
    for (const endpoint of info.endpoints) {
      const [method, path] = endpoint.split(' ') as [string, string];
      const response = await request(`${context.gateway.url}${path.replaceAll(/\{[a-z_]+\}/g, 'x')}`, { method: method as 'GET', ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }) });
      const text = await response.body.text();
      expect(text, endpoint).not.toContain('Not found: ');
    }
  });

  it('every answer the gateway makes carries a request-id', async () => {
    for (const path of ['/', '/health', '/api/hello', '/debug', '/no/such/route']) {
      expect((await get(path)).headers['request-id']).toMatch(/^req_gw/);
    }
  });

  it('GET /debug shows the effective configuration with secrets redacted', async () => {
    const debug = JSON.parse((await get('/debug')).text) as { config: { anthropic: Record<string, unknown> }; in_flight: number };
    expect(debug.config.anthropic).toMatchObject({ base_url: context.fake.url, api_key: '[redacted]', oauth_token: '[redacted]' });
    expect(debug.in_flight).toBe(0);
  });
});

describe('/debug (C14)', () => {
  it('redacts the user info of every URL (routes included), and needs the master key once there is one', async () => {
    const master = 'master-c14-canary';
    const gateway = await startTestGateway(
      {
        ANTHROPIC_API_BASE: `http://apiuser:url-password-c14@127.0.0.1:${new URL(context.fake.url).port}/base`,
        BEDROCK_ENDPOINT: 'https://aws:bedrock-password-c14@bedrock.example/',
        DYNAMODB_ENDPOINT: 'http://local:dynamo-password-c14@127.0.0.1:1/',
        MASTER_API_KEY: master,
      },
      { routes: [{ match: 'claude-*', targets: [{ provider: 'bedrock', endpoint: 'https://route:route-password-c14@vpce.example/' }] }] },
    );
    try {
      const anonymous = await request(`${gateway.url}/debug`);
      expect(anonymous.statusCode).toBe(401);
      expect(await anonymous.body.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      const wrong = await request(`${gateway.url}/debug`, { headers: { 'x-api-key': 'sk-ant-not-the-master' } });
      expect(wrong.statusCode).toBe(403);
      await wrong.body.text();
      const shown = await request(`${gateway.url}/debug`, { headers: { authorization: `Bearer ${master}` } });
      expect(shown.statusCode).toBe(200);
      const text = await shown.body.text();
      expect(text).not.toMatch(/-c14|apiuser/);
      const config = (JSON.parse(text) as { config: { anthropic: { base_url: string }; bedrock: { endpoint: string }; store: { dynamodb: { endpoint: string } } } }).config;
      expect(config.anthropic.base_url).toBe(`http://[redacted]@127.0.0.1:${new URL(context.fake.url).port}/base`);
      expect(config.bedrock.endpoint).toMatch(/^https:\/\/\[redacted\]@bedrock\.example\/?$/);
      expect(config.store.dynamodb.endpoint).toMatch(/^http:\/\/\[redacted\]@127\.0\.0\.1:1\/?$/);
      expect(JSON.stringify((JSON.parse(text) as { config: { routes: unknown } }).config.routes)).toContain('https://[redacted]@vpce.example');
    } finally {
      await gateway.close();
    }
  });
});

describe('secrets (X1)', () => {
  it('appear in no log line, debug output or error body, whatever the path', async () => {
    const bodies: string[] = [];
    for (const credential of [{ 'x-api-key': canary.client }, { authorization: `Bearer ${canary.oauth}` }, {}]) {
      for (const body of ['{"model":"m","max_tokens":1,"messages":[]}', '{"model":"m","stream":true,"max_tokens":1,"messages":[]}', 'not json']) {
        const response = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...credential }, body });
        bodies.push(await response.body.text());
      }
    }
    context.fake.enqueue({ kind: 'reset' });
    const failed = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': canary.client }, body: '{"model":"m"}' });
    bodies.push(await failed.body.text());
    bodies.push((await get('/debug')).text);
    const everything = [...context.gateway.logs, ...bodies.filter((body) => !body.startsWith('{"id"') && !body.startsWith('event:'))].join('\n');
    expect(context.gateway.logs.length).toBeGreaterThan(5);
    for (const secret of Object.values(canary)) expect(everything).not.toContain(secret.slice(-12));
  });
});
