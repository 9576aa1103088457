import { describe, expect, it } from 'vitest';
import { useGatewayWithBedrock } from '../helpers/gateway.ts';

/** `GET /metrics`: Prometheus text with bounded labels, counting what routing did. */

const context = useGatewayWithBedrock({}, { 'routing.retry_budget_minimum': 100 });

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).split(' ')[0] ?? '';
    if (wanted.every((pair) => labelText.includes(pair))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('counts requests, fallbacks, attempts, errors and cooldowns, with no user, key or model in a label', async () => {
    const send = (body: string) => fetch(`${context.gateway.url}/user/alice-metrics/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-metrics-secret' }, body });
    const message = JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    expect((await send(message)).status).toBe(200);
    context.fake.enqueue({ kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const fallback = await send(message);
    expect(fallback.headers.get('x-gateway-provider')).toBe('bedrock');
    expect((await send('{not json')).status).toBe(400);

    const response = await fetch(`${context.gateway.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'gateway_requests_total', { route: 'messages', provider: 'anthropic', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_requests_total', { route: 'messages', provider: 'bedrock', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_fallbacks_total', { trigger: 'overloaded' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_attempts_total', { provider: 'anthropic', result: 'next_target' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_errors_total', { code: 'GW_BODY_NOT_JSON_OBJECT' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_cooldowns_active')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_request_duration_seconds_count', { route: 'messages', provider: 'bedrock' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_time_to_first_byte_seconds_count', { route: 'messages', provider: 'anthropic', stream: 'false' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'gateway_tokens_total', { provider: 'anthropic', kind: 'input' })).toBeGreaterThan(0);
    expect(sample(text, 'gateway_tokens_total', { provider: 'bedrock', kind: 'output' })).toBeGreaterThan(0);
    expect(sample(text, 'gateway_cost_usd_total', { provider: 'anthropic' })).toBeGreaterThan(0);
    for (const forbidden of ['alice-metrics', 'metrics-secret', 'claude-sonnet-5-5']) expect(text).not.toContain(forbidden);
  });

  it('puts the tokens and the price of each answer, stream or not, in its log line', async () => {
    const send = (stream: boolean) =>
      fetch(`${context.gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'x-fake-scenario': 'thinking' },
        body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 8, stream, messages: [{ role: 'user', content: 'hi' }] }),
      });
    await (await send(true)).text();
    await (await send(false)).text();
    const lines = context.gateway.logs.filter((line) => line.includes('"msg":"request"') && line.includes('"tokens"')).slice(-2).map((line) => JSON.parse(line) as { tokens: unknown; cost_usd: number });
    expect(lines).toHaveLength(2);
    expect(lines[0]?.tokens).toEqual(lines[1]?.tokens);
    expect(lines[0]?.tokens).toMatchObject({ input: 58, cacheWrite5m: 2048 });
    expect(lines[0]?.cost_usd).toBeGreaterThan(0);
  });
});
