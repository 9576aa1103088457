import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { eventually, useGatewayWithFake } from '../helpers/gateway.ts';
import { loadScenario } from '../fakes/anthropic.ts';

/**
 * A cut stream is not recorded like a finished answer (issue 15, F7/F3): each usage record says
 * how the delivery ended, with the tokens known, and /v1/usage and the metrics count it.
 */

const MASTER = 'master-outcome-test-5c1d-never-shown';
const context = useGatewayWithFake({ BEDROCK_ENABLED: 'false', MASTER_API_KEY: MASTER });
const model = 'claude-sonnet-4-5';
const events = loadScenario('text', model);
const headers = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-api03-outcome-test' };
const body = JSON.stringify({ model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hello' }] });

async function stream(): Promise<{ requestId: string; text: string }> {
  const response = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers, body });
  return { requestId: String(response.headers['x-gateway-request-id']), text: await response.body.text() };
}

async function outcomeOf(requestId: string): Promise<string | undefined> {
  await context.gateway.flushUsage();
  return (await context.gateway.accounting.getUsage(requestId))?.outcome;
}

describe('how the delivery of an answer ended', () => {
  it('a whole stream is completed', async () => {
    const { requestId, text } = await stream();
    expect(text).toContain('message_stop');
    expect(await outcomeOf(requestId)).toBe('completed');
  });

  it('a stream the upstream cut after the first byte is upstream_error, with the input tokens it had', async () => {
    context.fake.enqueue({ kind: 'sse', items: events.slice(0, 3).map((event) => ({ event })), then: 'reset' });
    const { requestId, text } = await stream();
    expect(text).toContain('event: error');
    await context.gateway.flushUsage();
    const record = await context.gateway.accounting.getUsage(requestId);
    expect(record?.outcome).toBe('upstream_error');
    expect(record?.status).toBe(200);
    expect(record?.inputTokens).toBeGreaterThan(0);
  });

  it('a stream whose upstream sent an error event after the first byte is upstream_error', async () => {
    context.fake.enqueue({ kind: 'sse', items: [...events.slice(0, 3).map((event) => ({ event })), { event: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }] });
    const { requestId, text } = await stream();
    expect(text).toContain('overloaded_error');
    expect(await outcomeOf(requestId)).toBe('upstream_error');
  });

  it('a stream the client left is client_aborted, and the upstream call is closed', async () => {
    context.fake.enqueue({ kind: 'sse', items: events.slice(0, 3).map((event) => ({ event })), then: 'hang' });
    const response = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers, body });
    const requestId = String(response.headers['x-gateway-request-id']);
    for await (const chunk of response.body) {
      if (String(chunk).includes('content_block_start')) break;
    }
    response.body.destroy();
    const upstream = context.fake.requests.at(-1);
    await upstream?.settled;
    expect(upstream?.aborted).toBe(true);
    await eventually(async () => (await outcomeOf(requestId)) !== undefined);
    expect(await outcomeOf(requestId)).toBe('client_aborted');
  });

  it('/v1/usage and the metrics count requests by outcome', async () => {
    const usage = await request(`${context.gateway.url}/v1/usage?days=1`, { headers: { authorization: `Bearer ${MASTER}` } });
    const report = (await usage.body.json()) as { summary: { requests_by_outcome: Record<string, number> } };
    expect(report.summary.requests_by_outcome).toEqual({ completed: 1, client_aborted: 1, upstream_error: 2, interrupted: 0 });
    const metrics = await (await request(`${context.gateway.url}/metrics`)).body.text();
    for (const [outcome, count] of [['completed', 1], ['client_aborted', 1], ['upstream_error', 2]]) {
      expect(metrics).toMatch(new RegExp(`gateway_answer_outcomes_total\\{route="messages",outcome="${outcome}"\\} ${count}\\b`));
    }
  });
});
