import { describe, expect, it } from 'vitest';
import { useGatewayWithBedrock } from '../helpers/gateway.ts';

/**
 * One access-log line per request, whoever answered (issue 11 item 5): a relayed answer, a
 * refusal from an admission hook, the gateway's own model list, an error on another route. Each
 * is also counted once in the request metrics when it is an API route.
 */

const context = useGatewayWithBedrock({ AUTH_MODE: 'keys', ANTHROPIC_API_KEY: 'sk-ant-api03-gateway-access-log', MASTER_API_KEY: 'sk-master-access-log-0123456789' });

interface Line {
  readonly msg: string;
  readonly request_id: string;
  readonly [field: string]: unknown;
}

function linesFor(requestId: string | null): Line[] {
  return context.gateway.logs.map((line) => JSON.parse(line) as Line).filter((line) => line.msg === 'request' && line.request_id === requestId);
}

async function requestsTotal(labels: string): Promise<number> {
  const text = await (await fetch(`${context.gateway.url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`gateway_requests_total{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('the access log', () => {
  it('writes one line for a refusal from an admission hook, and counts it', async () => {
    const before = await requestsTotal('route="messages",provider="none",status_class="4xx"');
    const response = await fetch(`${context.gateway.url}/user/alice/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"claude-sonnet-5-5"}' });
    expect(response.status).toBe(401);
    const lines = linesFor(response.headers.get('request-id'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'POST', path: '/v1/messages', user_id: 'alice', status: 401, end: 'gateway_error', error_code: 'GW_KEY_REQUIRED' });
    expect(await requestsTotal('route="messages",provider="none",status_class="4xx"')).toBe(before + 1);
  });

  it('writes one line for a relayed answer, with what routing did', async () => {
    const response = await fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-master-access-log-0123456789' },
      body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    await response.text();
    const lines = linesFor(response.headers.get('x-gateway-request-id'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'POST', path: '/v1/messages', model: 'claude-sonnet-5-5', stream: false, status: 200, end: 'complete', provider: 'anthropic', attempts: 1 });
    expect(lines[0]?.tokens).toBeDefined();
  });

  it('writes one line for the gateway\'s own model list', async () => {
    const response = await fetch(`${context.gateway.url}/user/bob/v1/models`, { headers: { 'x-api-key': 'sk-master-access-log-0123456789' } });
    expect(response.status).toBe(200);
    const lines = linesFor(response.headers.get('x-gateway-request-id'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', path: '/v1/models', status: 200, end: 'complete', provider: 'gateway' });
  });

  it('writes one line for an error on another route, and none for its successes', async () => {
    const missing = await fetch(`${context.gateway.url}/admin/keys/nope`, { headers: { 'x-api-key': 'sk-master-access-log-0123456789' } });
    expect(missing.status).toBe(404);
    expect(linesFor(missing.headers.get('request-id'))).toMatchObject([{ method: 'GET', path: '/admin/keys/nope', status: 404, error_code: 'GW_RESOURCE_NOT_FOUND' }]);
    const listed = await fetch(`${context.gateway.url}/admin/keys`, { headers: { 'x-api-key': 'sk-master-access-log-0123456789' } });
    expect(listed.status).toBe(200);
    expect(linesFor(listed.headers.get('request-id'))).toHaveLength(0);
  });
});
