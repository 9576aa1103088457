import { request } from 'undici';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/accounting/keys.ts';
import { GatewayError } from '../../src/errors.ts';
import { budgetMonth, type ApiKeyRecord } from '../../src/store/accounting.ts';
import { loadScenario } from '../fakes/anthropic.ts';
import { eventually, useGatewayWithFake } from '../helpers/gateway.ts';

/**
 * Budget reservations never leak (issue 15, reliability.md C4; the LiteLLM bug class where a
 * failed call keeps budget blocked): after a failure, a client leaving, a fallback, a timeout,
 * an upstream error after the first byte and a shutdown, the key's `reserved` is back to 0 and
 * its `spent` is exactly what its usage records charged.
 */

const context = useGatewayWithFake(
  { BEDROCK_ENABLED: 'false', AUTH_MODE: 'keys', ANTHROPIC_API_KEY: 'sk-ant-api03-GATEWAY-leaks' },
  {
    'routing.retry_budget_minimum': 1_000,
    'routing.deadline_ms': 1_500,
    routes: [{ match: 'fallback-model', targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }, { provider: 'anthropic', model: 'claude-haiku-4-5' }] }],
  },
);
const events = loadScenario('text', 'claude-sonnet-4-5');
const month = budgetMonth(Date.now());

let key: { key: string; record: ApiKeyRecord };
const requestIds: string[] = [];

beforeEach(async () => {
  const made = generateKey(undefined);
  const now = Date.now();
  const record: ApiKeyRecord = { id: made.id, digest: made.digest, prefix: made.prefix, name: 'leaks', status: 'active', userId: 'leaks', monthlyBudgetMicros: 100_000_000, createdAt: now, updatedAt: now };
  await context.gateway.accounting.createKey(record);
  key = { key: made.key, record };
  requestIds.length = 0;
  // Exact counts are not asked for: the reservation is the bound.
  context.fake.reset();
});

async function send(options: { model?: string; stream?: boolean; leaveAfter?: string } = {}): Promise<{ status: number; text: string }> {
  const response = await request(`${context.gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': key.key },
    body: JSON.stringify({ model: options.model ?? 'claude-sonnet-4-5', max_tokens: 200, stream: options.stream ?? true, messages: [{ role: 'user', content: 'Hello there' }] }),
  });
  requestIds.push(String(response.headers['x-gateway-request-id']));
  if (options.leaveAfter === undefined) return { status: response.statusCode, text: await response.body.text() };
  let text = '';
  for await (const chunk of response.body) {
    text += String(chunk);
    if (text.includes(options.leaveAfter)) break;
  }
  response.body.destroy();
  return { status: response.statusCode, text };
}

/** The key's budget once every record is written: nothing reserved, spent = what the records charged. */
async function expectSettled(): Promise<void> {
  const { gateway } = context;
  await eventually(async () => {
    await gateway.flushUsage();
    const records = await Promise.all(requestIds.map((id) => gateway.accounting.getUsage(id)));
    return records.every((record) => record !== undefined && record.state !== 'in_progress');
  });
  const records = await Promise.all(requestIds.map((id) => gateway.accounting.getUsage(id)));
  const charged = records.reduce((sum, record) => sum + (record?.costMicros ?? 0), 0);
  const budget = await gateway.accounting.getBudget(key.record.id, month);
  expect(budget).toEqual({ spentMicros: charged, reservedMicros: 0 });
  for (const record of records) expect(record?.reservedMicros).toBeGreaterThan(0);
}

describe('a budget reservation is released on every path', () => {
  it('an upstream failure answered as it came', async () => {
    context.fake.enqueue({ kind: 'json', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'no' } } });
    expect((await send({ stream: false })).status).toBe(400);
    await expectSettled();
  });

  it('a fallback to the next target', async () => {
    context.fake.enqueue({ kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const answer = await send({ model: 'fallback-model' });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('message_stop');
    await expectSettled();
    expect((await context.gateway.accounting.getBudget(key.record.id, month)).spentMicros).toBeGreaterThan(0);
  });

  it('every target failing', async () => {
    for (let index = 0; index < 2; index++) context.fake.enqueue({ kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    expect((await send({ model: 'fallback-model', stream: false })).status).toBe(529);
    await expectSettled();
  });

  it('the deadline, with the upstream hanging', async () => {
    context.fake.enqueue({ kind: 'hang' });
    expect((await send({ stream: false })).status).toBe(504);
    await expectSettled();
  });

  it('the client leaving mid-stream (charged what it received)', async () => {
    context.fake.enqueue({ kind: 'sse', items: events.slice(0, 3).map((event) => ({ event })), then: 'hang' });
    await send({ leaveAfter: 'content_block_start' });
    await expectSettled();
  });

  it('an upstream error event after the first byte', async () => {
    context.fake.enqueue({
      kind: 'sse',
      items: [...events.slice(0, 3).map((event) => ({ event })), { event: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }],
    });
    expect((await send()).text).toContain('event: error');
    await expectSettled();
  });

  it('the gateway ending the stream at shutdown', async () => {
    context.fake.enqueue({ kind: 'sse', items: events.slice(0, 3).map((event) => ({ event })), then: 'hang' });
    const answer = send();
    await eventually(() => context.gateway.inflight.size > 0 && context.fake.requests.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    context.gateway.inflight.terminateAll(new GatewayError('GW_SHUTTING_DOWN', 'The gateway is shutting down.'));
    expect((await answer).text).toContain('overloaded_error');
    await expectSettled();
  });
});
