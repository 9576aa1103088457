import zlib from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
import { inputTokenBound } from '../../src/request/input-bound.ts';
import { budgetMonth, type AccountingStore, type ApiKeyRecord } from '../../src/store/accounting.ts';
import { compressingResponder, FakeAnthropic, textEvents, type FakeEncoding, type SseItem } from '../fakes/anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { storeKey } from '../helpers/keys.ts';

/**
 * Issue 10 A1: every answer is metered whatever its encoding. The gateway asks upstream for
 * identity on every request it meters, and an upstream that compresses anyway is metered from a
 * decoded copy while its bytes reach the client unchanged. Budgets and token limits then hold.
 */

const GATEWAY_ANTHROPIC_KEY = 'sk-ant-api03-GATEWAY-metering-test';

// text.jsonl: 25 input, 1,200 cache-read and 12 output tokens on Sonnet ($3 / $15 / $0.30 per million).
const TEXT_COST_MICROS = 25 * 3 + 12 * 15 + Math.round(1_200 * 0.3);

const encodings: readonly FakeEncoding[] = ['gzip', 'deflate', 'br'];

async function createKey(store: AccountingStore, fields: Partial<ApiKeyRecord> & { userId: string }): Promise<string> {
  return (await storeKey(store, { name: 'metering', ...fields })).key;
}

const body = (extra: Record<string, unknown> = {}) => ({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hello there' }], ...extra });

async function post(gateway: TestGateway, key: string, payload: Record<string, unknown>) {
  const response = await request(`${gateway.url}/v1/messages`, {
    method: 'POST',
    // What Node's fetch (and so the SDKs) send by default.
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'accept-encoding': 'gzip, deflate, br', 'x-api-key': key },
    body: JSON.stringify(payload),
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, bytes, requestId: response.headers['x-gateway-request-id'] as string };
}

function decode(bytes: Buffer, encoding: string | string[] | undefined): string {
  if (encoding === 'gzip') return zlib.gunzipSync(bytes).toString('utf8');
  if (encoding === 'deflate') return zlib.inflateSync(bytes).toString('utf8');
  if (encoding === 'br') return zlib.brotliDecompressSync(bytes).toString('utf8');
  return bytes.toString('utf8');
}

let fake: FakeAnthropic;
let gateway: TestGateway;
beforeAll(async () => {
  fake = await FakeAnthropic.start();
  gateway = await startTestGateway({ ANTHROPIC_API_BASE: fake.url, BEDROCK_ENABLED: 'false', AUTH_MODE: 'keys', ANTHROPIC_API_KEY: GATEWAY_ANTHROPIC_KEY });
});
afterAll(async () => {
  await gateway.close();
  await fake.close();
});
beforeEach(() => fake.reset());

describe('compressed answers are metered (A1)', () => {
  for (const encoding of encodings) {
    for (const stream of [false, true]) {
      it(`asks for identity, so an upstream that compresses when allowed answers plainly (${encoding}, ${stream ? 'SSE' : 'JSON'})`, async () => {
        fake.respondWith(compressingResponder(encoding, 'when-allowed'));
        const key = await createKey(gateway.accounting, { userId: 'ann' });
        const answer = await post(gateway, key, body({ stream }));
        expect(answer.status).toBe(200);
        expect(fake.last().headers['accept-encoding']).toBe('identity');
        expect(answer.headers['content-encoding']).toBeUndefined();
        expect(await gateway.accounting.getUsage(answer.requestId)).toMatchObject({ state: 'complete', inputTokens: 25, outputTokens: 12, cacheReadTokens: 1_200, costMicros: TEXT_COST_MICROS });
      });

      it(`meters an upstream that compresses anyway, relaying its bytes unchanged (${encoding}, ${stream ? 'SSE' : 'JSON'})`, async () => {
        fake.respondWith(compressingResponder(encoding, 'always'));
        const key = await createKey(gateway.accounting, { userId: 'ben' });
        const answer = await post(gateway, key, body({ stream }));
        expect(answer.status).toBe(200);
        expect(answer.headers['content-encoding']).toBe(encoding);
        const text = decode(answer.bytes, answer.headers['content-encoding']);
        if (stream) expect([...decodeSse(text)].map((event) => event.event).at(-1)).toBe('message_stop');
        else expect(JSON.parse(text)).toMatchObject({ type: 'message', usage: { input_tokens: 25, output_tokens: 12 } });
        expect(await gateway.accounting.getUsage(answer.requestId)).toMatchObject({ state: 'complete', inputTokens: 25, outputTokens: 12, cacheReadTokens: 1_200, costMicros: TEXT_COST_MICROS });
      });
    }
  }

  it('a budget holds against an upstream that always compresses', async () => {
    for (const [index, encoding] of encodings.entries()) {
      const stream = index % 2 === 1;
      fake.respondWith(compressingResponder(encoding, 'always'));
      // Each answer costs 615 micro-dollars and reserves its bound: the third fits exactly, the
      // fourth does not (its exact count fails: the count answer is compressed too).
      const reservation = inputTokenBound(body({ stream })).tokens * 3 + 10 * 15;
      const key = await createKey(gateway.accounting, { userId: `cara-${encoding}`, monthlyBudgetMicros: 2 * TEXT_COST_MICROS + reservation });
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 6; attempt++) statuses.push((await post(gateway, key, body({ stream }))).status);
      expect(statuses).toEqual([200, 200, 200, 402, 402, 402]);
    }
    expect(fake.requests.filter((recorded) => recorded.path === '/v1/messages')).toHaveLength(9);
  });

  it('a tokens-per-minute limit holds against an upstream that always compresses', async () => {
    fake.respondWith(compressingResponder('br', 'always'));
    const key = await createKey(gateway.accounting, { userId: 'dora', tpmLimit: 1_300 });
    // Each answer uses 25 + 12 + 1,200 tokens: the first passes, the window is then full.
    expect((await post(gateway, key, body())).status).toBe(200);
    await expect.poll(async () => (await post(gateway, key, body())).status, { timeout: 3_000 }).toBe(429);
  });

  it('settles the budget to the decoded usage', async () => {
    fake.respondWith(compressingResponder('gzip', 'always'));
    const keyRecord = await storeKey(gateway.accounting, { name: 'metering', userId: 'eve', monthlyBudgetMicros: 1_000_000 });
    for (const stream of [false, true]) expect((await post(gateway, keyRecord.key, body({ stream }))).status).toBe(200);
    await gateway.flushUsage();
    expect(await gateway.accounting.getBudget(keyRecord.id, budgetMonth(Date.now()))).toEqual({ spentMicros: 2 * TEXT_COST_MICROS, reservedMicros: 0 });
  });
});

describe('answers the client cut short, or whose usage cannot be read (A1, found by probing)', () => {
  it('a stream the client leaves before message_delta is metered on the content it received, not on message_start', async () => {
    // The whole answer reaches the client; message_delta (the real output count) would come later.
    const text = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(40);
    const [start, blockStart, , blockStop, delta, stop] = textEvents('claude-sonnet-5-5', '').map((event) => ({ event }));
    const deltas = Array.from({ length: 20 }, (_, index) => ({ event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: text.slice(index * 114, index * 114 + 114) } } }));
    const items: SseItem[] = [start, blockStart, ...deltas, blockStop, { delayMs: 5_000 }, delta, stop].filter((item) => item !== undefined);
    fake.enqueue({ kind: 'sse', items });
    const keyRecord = await storeKey(gateway.accounting, { name: 'metering', userId: 'finn', monthlyBudgetMicros: 10_000_000 });
    const controller = new AbortController();
    const response = await request(`${gateway.url}/v1/messages`, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json', 'x-api-key': keyRecord.key },
      body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 32_000, stream: true, messages: [{ role: 'user', content: 'Hello there' }] }),
    });
    const requestId = response.headers['x-gateway-request-id'] as string;
    let received = '';
    try {
      for await (const chunk of response.body) {
        received += (chunk as Buffer).toString('utf8');
        if (received.includes('content_block_stop')) controller.abort();
      }
    } catch {
      // the abort
    }
    expect(received).toContain(text.slice(-114));
    await expect.poll(async () => (await gateway.accounting.getUsage(requestId))?.state, { timeout: 5_000 }).toBe('complete');
    const record = await gateway.accounting.getUsage(requestId);
    // Every token is at least a byte of its text: the bytes relayed bound the output received.
    expect(record?.outputTokens).toBeGreaterThanOrEqual(Buffer.byteLength(text));
    expect(record?.outputTokens).toBeLessThan(Buffer.byteLength(text) + 20 * 16);
    await gateway.flushUsage();
    expect((await gateway.accounting.getBudget(keyRecord.id, budgetMonth(Date.now()))).spentMicros).toBe(record?.costMicros);
  });

  it('a budgeted answer in an encoding the gateway cannot read is charged its reservation, not 0', async () => {
    fake.enqueue({
      kind: 'custom',
      handle: (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'compress' });
        response.end(Buffer.from('1f9d90a5b3c2', 'hex'));
      },
    });
    const keyRecord = await storeKey(gateway.accounting, { name: 'metering', userId: 'gus', monthlyBudgetMicros: 1_000_000 });
    const answer = await post(gateway, keyRecord.key, body());
    expect(answer.status).toBe(200);
    await gateway.flushUsage();
    const reservation = inputTokenBound(body()).tokens * 3 + 10 * 15;
    expect(await gateway.accounting.getBudget(keyRecord.id, budgetMonth(Date.now()))).toEqual({ spentMicros: reservation, reservedMicros: 0 });
    expect(await gateway.accounting.getUsage(answer.requestId)).toMatchObject({ state: 'complete', costMicros: reservation });
  });
});

describe('models without a price (A2)', () => {
  it('prices the retired ids clients still send', async () => {
    const key = await createKey(gateway.accounting, { userId: 'fay', monthlyBudgetMicros: 100_000 });
    const answer = await post(gateway, key, body({ model: 'claude-3-5-sonnet-20241022' }));
    expect(answer.status).toBe(200);
    // Sonnet 3.5 has Sonnet's prices.
    expect(await gateway.accounting.getUsage(answer.requestId)).toMatchObject({ modelRequested: 'claude-3-5-sonnet-20241022', costMicros: TEXT_COST_MICROS });
  });

  it('refuses a budgeted request for an unpriced model before the upstream call, naming the model and how to price it', async () => {
    const key = await createKey(gateway.accounting, { userId: 'gus', monthlyBudgetMicros: 100_000 });
    for (const stream of [false, true]) {
      const answer = await post(gateway, key, body({ model: 'claude-unpriced-7', stream }));
      expect(answer.status).toBe(403);
      const error = (JSON.parse(answer.bytes.toString('utf8')) as { error: { type: string; message: string } }).error;
      expect(error.type).toBe('permission_error');
      expect(error.message).toContain('"claude-unpriced-7"');
      expect(error.message).toContain('`models:`');
      expect(error.message).toContain('pricing.default');
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('still serves an unpriced model to a key without a budget, recorded at cost 0', async () => {
    const key = await createKey(gateway.accounting, { userId: 'hal' });
    const answer = await post(gateway, key, body({ model: 'claude-unpriced-7' }));
    expect(answer.status).toBe(200);
    expect(await gateway.accounting.getUsage(answer.requestId)).toMatchObject({ inputTokens: 25, costMicros: 0 });
  });

  it('a default price lets budgeted keys use unpriced models, and prices them', async () => {
    const priced = await startTestGateway({ ANTHROPIC_API_BASE: fake.url, BEDROCK_ENABLED: 'false', AUTH_MODE: 'keys', ANTHROPIC_API_KEY: GATEWAY_ANTHROPIC_KEY, PRICING_DEFAULT: '{"input":2,"output":10}' });
    try {
      const key = await createKey(priced.accounting, { userId: 'ida', monthlyBudgetMicros: 100_000 });
      const answer = await post(priced, key, body({ model: 'claude-unpriced-7' }));
      expect(answer.status).toBe(200);
      // 25 × $2 + 12 × $10 + 1,200 cache reads × $0.20 (a tenth of the input price) per million.
      expect(await priced.accounting.getUsage(answer.requestId)).toMatchObject({ costMicros: 25 * 2 + 12 * 10 + 1_200 * 0.2 });
    } finally {
      await priced.close();
    }
  });

  it('refuses when any target of the chain has no price', async () => {
    const routed = await startTestGateway(
      { ANTHROPIC_API_BASE: fake.url, AUTH_MODE: 'keys', ANTHROPIC_API_KEY: GATEWAY_ANTHROPIC_KEY, BEDROCK_ENDPOINT: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-example' },
      {
        routes: [
          { match: 'team-model', targets: [{ provider: 'anthropic', model: 'claude-sonnet-5-5' }, { provider: 'bedrock', model: 'qwen.qwen9-unpriced-v1:0' }] },
          { match: 'team-priced', targets: [{ provider: 'anthropic', model: 'claude-sonnet-5-5' }, { provider: 'bedrock', model: 'qwen.qwen3-32b-v1:0' }] },
        ],
      },
    );
    try {
      const key = await createKey(routed.accounting, { userId: 'jon', monthlyBudgetMicros: 100_000 });
      const refused = await post(routed, key, body({ model: 'team-model' }));
      expect(refused.status).toBe(403);
      expect(refused.bytes.toString('utf8')).toContain('\\"team-model\\" (served as \\"qwen.qwen9-unpriced-v1:0\\")');
      expect(fake.requests).toHaveLength(0);
      expect((await post(routed, key, body({ model: 'team-priced' }))).status).toBe(200);
    } finally {
      await routed.close();
    }
  });
});
