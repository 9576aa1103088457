import { readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/accounting/keys.ts';
import { inputTokenBound } from '../../src/request/input-bound.ts';
import { budgetMonth, type AccountingStore, type ApiKeyRecord, type UsageRecord } from '../../src/store/accounting.ts';
import { FakeAnthropic, defaultResponder, loadScenario, type RecordedRequest } from '../fakes/anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * Accounting on the request path (issue 5): gateway keys in each auth mode, what goes upstream,
 * per-key limits, budgets under concurrency, and the usage record of every request, durable
 * before the client has the whole answer.
 */

const GATEWAY_ANTHROPIC_KEY = 'sk-ant-api03-GATEWAY-OWN-canary-7f3a';
const CLIENT_ANTHROPIC_KEY = 'sk-ant-api03-CLIENT-canary-19cd';
const MASTER = 'master-canary-5b1e-please-never-log';

const issued: string[] = [];

async function createKey(store: AccountingStore, fields: Partial<ApiKeyRecord> & { userId: string }): Promise<{ key: string; record: ApiKeyRecord }> {
  const made = generateKey(undefined);
  issued.push(made.key);
  const now = Date.now();
  const record: ApiKeyRecord = { id: made.id, digest: made.digest, prefix: made.prefix, name: 'test', status: 'active', createdAt: now, updatedAt: now, ...fields };
  await store.createKey(record);
  return { key: made.key, record };
}

const body = (extra: Record<string, unknown> = {}) => ({ model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hello there' }], ...extra });

async function post(gateway: TestGateway, headers: Record<string, string>, payload: Record<string, unknown> = body(), path = '/v1/messages') {
  const response = await request(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(payload),
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text(), requestId: response.headers['x-gateway-request-id'] as string | undefined };
}

// text.jsonl: 25 input, 1,200 cache-read and 12 output tokens on Sonnet ($3 / $15 / $0.30 per million).
const TEXT_COST_MICROS = 25 * 3 + 12 * 15 + Math.round(1_200 * 0.3);

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await FakeAnthropic.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

describe('usage records', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ ANTHROPIC_API_BASE: fake.url, BEDROCK_ENABLED: 'false' });
  });
  afterAll(async () => gateway.close());

  it('the final record is durable before the client has the whole answer, JSON and stream', async () => {
    for (const stream of [false, true]) {
      const answer = await post(gateway, { 'x-api-key': CLIENT_ANTHROPIC_KEY }, body({ stream }));
      expect(answer.status).toBe(200);
      // No flush: the record was committed before the last bytes were written.
      const record = await gateway.accounting.getUsage(answer.requestId as string);
      expect(record).toMatchObject({
        state: 'complete',
        userId: 'default',
        route: 'messages',
        modelRequested: 'claude-sonnet-5-5',
        modelServed: 'claude-sonnet-5-5',
        provider: 'anthropic',
        stream,
        status: 200,
        inputTokens: 25,
        outputTokens: 12,
        cacheReadTokens: 1_200,
        costMicros: TEXT_COST_MICROS,
      });
      expect(record?.credentialId).toMatch(/^[0-9a-f]{24}$/);
      expect(record?.latencyMs).toBeGreaterThan(0);
      expect(record?.ttfbMs).toBeGreaterThan(0);
    }
  });

  it('a model writing "event: message_stop" in its text does not end the record early', async () => {
    const events = loadScenario('text', 'claude-sonnet-5-5');
    const decoy = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'say\nevent: message_stop\nnow' } };
    const withDecoy = [...events.slice(0, 3), decoy, { delayMs: 50 }, ...events.slice(3)] as const;
    fake.enqueue({ kind: 'sse', items: withDecoy.map((item) => ('delayMs' in item ? item : { event: item })) });
    const answer = await post(gateway, { 'x-api-key': CLIENT_ANTHROPIC_KEY }, body({ stream: true }));
    expect(answer.text).toContain('event: message_stop');
    expect(answer.text.indexOf('say\\nevent: message_stop')).toBeGreaterThan(0);
    expect(await gateway.accounting.getUsage(answer.requestId as string)).toMatchObject({ state: 'complete', outputTokens: 12, inputTokens: 25 });
  });

  it('a stream that ends with an error event is recorded with its error type', async () => {
    const events = loadScenario('text', 'claude-sonnet-5-5');
    fake.enqueue({ kind: 'sse', items: [...events.slice(0, 3).map((event) => ({ event })), { event: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }] });
    const answer = await post(gateway, { 'x-api-key': CLIENT_ANTHROPIC_KEY }, body({ stream: true }));
    expect(answer.text).toContain('event: error');
    expect(await gateway.accounting.getUsage(answer.requestId as string)).toMatchObject({ state: 'complete', status: 200, errorType: 'overloaded_error', inputTokens: 25 });
  });

  it('records the /user/{id} user, errors, count_tokens, and keeps the input tokens of a stream the client left', async () => {
    const user = await post(gateway, { 'x-api-key': CLIENT_ANTHROPIC_KEY }, body(), '/user/alice/v1/messages');
    fake.enqueue({ kind: 'json', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'bad' } } });
    const failed = await post(gateway, { 'x-api-key': CLIENT_ANTHROPIC_KEY });
    const counted = await post(gateway, { 'x-api-key': CLIENT_ANTHROPIC_KEY }, body(), '/v1/messages/count_tokens');

    const events = loadScenario('text', 'claude-sonnet-5-5');
    fake.enqueue({ kind: 'sse', items: [...events.slice(0, 2).map((event) => ({ event })), { delayMs: 10_000 }] });
    const controller = new AbortController();
    const cut = await request(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': CLIENT_ANTHROPIC_KEY },
      body: JSON.stringify(body({ stream: true })),
      signal: controller.signal,
    });
    const cutId = cut.headers['x-gateway-request-id'] as string;
    for await (const _chunk of cut.body) {
      controller.abort();
      break;
    }
    await expect.poll(async () => (await gateway.accounting.getUsage(cutId))?.state, { timeout: 5_000 }).toBe('complete');
    await gateway.flushUsage();

    expect(await gateway.accounting.getUsage(user.requestId as string)).toMatchObject({ userId: 'alice', status: 200 });
    expect(await gateway.accounting.getUsage(failed.requestId as string)).toMatchObject({ status: 400, errorType: 'invalid_request_error', inputTokens: 0, costMicros: 0 });
    expect(await gateway.accounting.getUsage(counted.requestId as string)).toMatchObject({ route: 'count_tokens', status: 200, costMicros: 0 });
    expect(await gateway.accounting.getUsage(cutId)).toMatchObject({ status: 200, stream: true, inputTokens: 25, cacheReadTokens: 1_200, outputTokens: 1 });
    await expectNoSecrets(gateway, [CLIENT_ANTHROPIC_KEY]);
  });
});

describe('gateway keys (AUTH_MODE=keys)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ ANTHROPIC_API_BASE: fake.url, BEDROCK_ENABLED: 'false', AUTH_MODE: 'keys', ANTHROPIC_API_KEY: GATEWAY_ANTHROPIC_KEY, MASTER_API_KEY: MASTER });
  });
  afterAll(async () => gateway.close());

  it('refuses requests without a valid key, in Anthropic’s shape', async () => {
    const missing = await post(gateway, {});
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text)).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const { key } = await createKey(gateway.accounting, { userId: 'bob' });
    const tampered = `${key.slice(0, -8)}AAAAAAAA`;
    for (const credential of [tampered, 'sk-gw-nonsense', CLIENT_ANTHROPIC_KEY]) {
      const refused = await post(gateway, { 'x-api-key': credential });
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text).error.type).toBe('authentication_error');
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('accepts the key as x-api-key, Bearer or the key header; upstream sees only the gateway’s own credential', async () => {
    const { key, record } = await createKey(gateway.accounting, { userId: 'carol' });
    for (const headers of [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }, { 'x-gateway-key': key }] as Record<string, string>[]) {
      const answer = await post(gateway, headers);
      expect(answer.status).toBe(200);
      const seen = fake.last();
      expect(seen.headers['x-api-key']).toBe(GATEWAY_ANTHROPIC_KEY);
      expect(seen.headers.authorization).toBeUndefined();
      expect(seen.rawHeaders.join('\n')).not.toContain(key);
      expect(seen.rawHeaders.join('\n')).not.toContain('x-gateway-key');
      expect(await gateway.accounting.getUsage(answer.requestId as string)).toMatchObject({ userId: 'carol', keyId: record.id });
    }
  });

  it('a revoked or disabled key stops working', async () => {
    const revoked = await createKey(gateway.accounting, { userId: 'dave', status: 'revoked' });
    expect((await post(gateway, { 'x-api-key': revoked.key })).status).toBe(401);
    const disabled = await createKey(gateway.accounting, { userId: 'dave', status: 'disabled', disabledReason: 'left the company' });
    const answer = await post(gateway, { 'x-api-key': disabled.key });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text).error).toMatchObject({ type: 'permission_error' });
    expect(answer.text).not.toContain(disabled.record.digest);
  });

  it('enforces requests per minute with an integer retry-after', async () => {
    const { key } = await createKey(gateway.accounting, { userId: 'erin', rpmLimit: 3 });
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    for (let index = 0; index < 5; index++) {
      const answer = await post(gateway, { 'x-api-key': key });
      statuses.push(answer.status);
      if (answer.status === 429) refused = answer;
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(JSON.parse(refused?.text ?? '{}').error.type).toBe('rate_limit_error');
    expect(refused?.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(Number(refused?.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another key is not affected.
    const other = await createKey(gateway.accounting, { userId: 'erin', rpmLimit: 3 });
    expect((await post(gateway, { 'x-api-key': other.key })).status).toBe(200);
    const metrics = await (await request(`${gateway.url}/metrics`)).body.text();
    expect(metrics).toMatch(/^gateway_rate_limit_rejections_total\{limit="rpm"\} 2$/m);
    expect(metrics).toMatch(/^gateway_usage_write_lag_seconds_count [1-9][0-9]*$/m);
    expect(metrics).toMatch(/^gateway_usage_queue_depth 0$/m);
  });

  it('enforces tokens per minute from what answers used', async () => {
    const { key } = await createKey(gateway.accounting, { userId: 'frank', tpmLimit: 1_300 });
    // Each text answer uses 25 + 12 + 1,200 tokens: the first passes, the window is then full.
    expect((await post(gateway, { 'x-api-key': key })).status).toBe(200);
    await expect.poll(async () => (await post(gateway, { 'x-api-key': key })).status, { timeout: 3_000 }).toBe(429);
  });

  it('never lets concurrent requests spend more than the budget (C1)', async () => {
    const payload = body();
    // The reservation: the bound of the input at $3 and max_tokens at $15 per million (reservation.ts).
    const reservation = Math.round(inputTokenBound(payload).tokens * 3 + 100 * 15);
    const budgetMicros = reservation * 7 + Math.floor(reservation / 2);
    const { key, record } = await createKey(gateway.accounting, { userId: 'gina', monthlyBudgetMicros: budgetMicros });
    // Hold every answer until all requests were admitted or refused.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Exact counts fail here, so every reservation is the bound (counting is covered in budget-edge.test.ts).
    fake.respondWith((recorded: RecordedRequest) =>
      recorded.path === '/v1/messages/count_tokens'
        ? { kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }
        : { kind: 'custom', handle: (_request, response) => void gate.then(() => respond(recorded, response)) },
    );
    const messagesCalls = () => fake.requests.filter((recorded) => recorded.path === '/v1/messages');
    let decided = 0;
    const pending = Array.from({ length: 40 }, () =>
      post(gateway, { 'x-api-key': key }).then((answer) => {
        decided++;
        return answer;
      }),
    );
    // Every request is either refused or held at the fake before any answer settles its cost.
    await expect.poll(() => messagesCalls().length + decided, { timeout: 5_000 }).toBe(40);
    expect(messagesCalls()).toHaveLength(7);
    release();
    const answers = await Promise.all(pending);
    fake.respondWith(defaultResponder);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(7);
    const refused = answers.filter((answer) => answer.status !== 200);
    expect(refused).toHaveLength(33);
    for (const answer of refused) expect(JSON.parse(answer.text).error.type).toBe('rate_limit_error');
    await gateway.flushUsage();
    const month = budgetMonth(Date.now());
    expect(await gateway.accounting.getBudget(record.id, month)).toEqual({ spentMicros: 7 * TEXT_COST_MICROS, reservedMicros: 0 });
  });

  it('a spent budget disables the key with billing_error until an administrator or the next month', async () => {
    const { key, record } = await createKey(gateway.accounting, { userId: 'hank', monthlyBudgetMicros: 1_800 });
    // Each answer costs 615 micro-dollars (its cache reads are more than the reservation foresaw).
    for (let index = 0; index < 3; index++) expect((await post(gateway, { 'x-api-key': key }, body({ max_tokens: 10 }))).status).toBe(200);
    // 1,845 spent of 1,800: the key is disabled with its reason.
    await expect.poll(async () => (await gateway.accounting.getKey(record.id))?.status, { timeout: 3_000 }).toBe('disabled');
    const refused = await post(gateway, { 'x-api-key': key }, body({ max_tokens: 10 }));
    expect(refused.status).toBe(402);
    expect(JSON.parse(refused.text).error.type).toBe('billing_error');
    expect(fake.requests.filter((recorded) => recorded.path === '/v1/messages')).toHaveLength(3);
    expect(await gateway.accounting.getKey(record.id)).toMatchObject({ disabledReason: 'budget_exceeded', disabledMonth: budgetMonth(Date.now()) });
  });

  it('leaves no key, credential or master key in logs, data files or metrics (X1)', async () => {
    expect((await post(gateway, { 'x-api-key': MASTER })).status).toBe(200);
    await expectNoSecrets(gateway, [GATEWAY_ANTHROPIC_KEY, CLIENT_ANTHROPIC_KEY, MASTER, ...issued]);
  });
});

describe('gateway keys beside the client’s own credential (AUTH_MODE=both)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ ANTHROPIC_API_BASE: fake.url, BEDROCK_ENABLED: 'false', AUTH_MODE: 'both', ANTHROPIC_API_KEY: GATEWAY_ANTHROPIC_KEY });
  });
  afterAll(async () => gateway.close());

  it('needs the key header, forwards the client’s credential and never the gateway key', async () => {
    const { key } = await createKey(gateway.accounting, { userId: 'ivy' });
    expect((await post(gateway, { 'x-api-key': CLIENT_ANTHROPIC_KEY })).status).toBe(401);
    const answer = await post(gateway, { 'x-api-key': CLIENT_ANTHROPIC_KEY, 'x-gateway-key': key });
    expect(answer.status).toBe(200);
    expect(fake.last().headers['x-api-key']).toBe(CLIENT_ANTHROPIC_KEY);
    expect(fake.last().rawHeaders.join('\n')).not.toContain(key);
    // No client credential, or only the gateway key where the Anthropic one goes: a 401 naming
    // what to send, never the gateway's own credential (C13), and nothing leaves.
    const calls = fake.requests.length;
    for (const headers of [{ 'x-gateway-key': key }, { authorization: `Bearer ${key}`, 'x-gateway-key': key }] as Record<string, string>[]) {
      const refused = await post(gateway, headers);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text).error.message).toMatch(/auth mode both: send your own Anthropic credential/);
    }
    expect(fake.requests.length).toBe(calls);
    await expectNoSecrets(gateway, [GATEWAY_ANTHROPIC_KEY, CLIENT_ANTHROPIC_KEY, ...issued]);
  });
});

/** X1: no canary secret in the log lines, the data files (WAL included) or /metrics. */
async function expectNoSecrets(gateway: TestGateway, secrets: readonly string[]): Promise<void> {
  await gateway.flushUsage();
  const metrics = await (await request(`${gateway.url}/metrics`)).body.text();
  const files = readdirSync(gateway.config.store.data_dir).map((file) => readFileSync(join(gateway.config.store.data_dir, file)));
  expect(gateway.logs.length).toBeGreaterThan(0);
  expect(files.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(gateway.logs.filter((line) => line.includes(secret))).toEqual([]);
    expect(metrics).not.toContain(secret);
    for (const file of files) expect(file.includes(secret)).toBe(false);
  }
}

function respond(recorded: RecordedRequest, response: ServerResponse): void {
  const step = defaultResponder(recorded);
  if (step.kind !== 'json') throw new Error('expected a JSON step');
  response.writeHead(step.status ?? 200, { 'content-type': 'application/json', ...step.headers });
  response.end(JSON.stringify(step.body));
}

export type { UsageRecord };
