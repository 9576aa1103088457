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
    for (const forbidden of ['alice-metrics', 'metrics-secret', 'claude-sonnet-5-5']) expect(text).not.toContain(forbidden);
  });
});
