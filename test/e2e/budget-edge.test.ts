import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { budgetMonth } from '../../src/store/accounting.ts';
import { FakeAnthropic, type FakeStep, type RecordedRequest } from '../fakes/anthropic.ts';
import { startTestGateway, useGatewayWithBedrock, type TestGateway } from '../helpers/gateway.ts';
import { storeKey } from '../helpers/keys.ts';

/**
 * Issue 10 A3: concurrency cannot overspend a budget, whatever the prompt. Prompts of CJK text
 * and code run 1-2 characters a token, far from the ~4 an estimate assumes; the fake answers
 * with such realistic token counts (the same from count_tokens and in the Message's usage), and
 * waves of concurrent requests, each held at the fake until every request of the wave was
 * admitted or refused, must never spend past the budget.
 */

const GATEWAY_ANTHROPIC_KEY = 'sk-ant-api03-GATEWAY-budget-edge';
const SONNET = { input: 3, output: 15 };

const cjk = '東京の天気は晴れです。今日は会議が三つあります。서울은 오늘 맑습니다。北京今天下雨，请带伞。'.repeat(40);
const code = 'export function add(a: number, b: number): number {\n  return a + b; // {[()]}\n}\n'.repeat(90);

/** What a real tokenizer would give, roughly: a token per CJK character, two characters a token otherwise. */
function realTokens(body: Record<string, unknown>): number {
  const text = JSON.stringify([body.system ?? '', body.messages, body.tools ?? []]);
  let tokens = 10;
  for (const character of text) tokens += /[\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]/u.test(character) ? 1 : 0.5;
  return Math.ceil(tokens);
}

function parsed(recorded: RecordedRequest): Record<string, unknown> {
  return JSON.parse(recorded.body.toString('utf8')) as Record<string, unknown>;
}

function message(recorded: RecordedRequest): Record<string, unknown> {
  const body = parsed(recorded);
  return {
    id: 'msg_edge',
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [{ type: 'text', text: 'ok' }],
    stop_reason: 'max_tokens',
    stop_sequence: null,
    // The worst case: every input token counted, max_tokens used up.
    usage: { input_tokens: realTokens(body), output_tokens: body.max_tokens },
  };
}

let fake: FakeAnthropic;
let gateway: TestGateway;
let gate: Promise<void> = Promise.resolve();
let countFails = false;

beforeAll(async () => {
  fake = await FakeAnthropic.start();
  gateway = await startTestGateway({ ANTHROPIC_API_BASE: fake.url, BEDROCK_ENABLED: 'false', AUTH_MODE: 'keys', ANTHROPIC_API_KEY: GATEWAY_ANTHROPIC_KEY });
});
afterAll(async () => {
  await gateway.close();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  countFails = false;
  fake.respondWith((recorded): FakeStep => {
    if (recorded.path === '/v1/messages/count_tokens') {
      if (countFails) return { kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };
      return { kind: 'json', body: { input_tokens: realTokens(parsed(recorded)) } };
    }
    const held = gate;
    return {
      kind: 'custom',
      handle: (_request, response: ServerResponse) =>
        void held.then(() => {
          const text = JSON.stringify(message(recorded));
          response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
          response.end(text);
        }),
    };
  });
});

async function createKey(budgetMicros: number): Promise<{ key: string; id: string }> {
  return storeKey(gateway.accounting, { name: 'edge', userId: 'edge', monthlyBudgetMicros: budgetMicros });
}

async function post(key: string, body: Record<string, unknown>) {
  const response = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) });
  return { status: response.statusCode, json: (await response.body.json()) as { error?: { type?: string; message?: string } } };
}

const messagesCalls = () => fake.requests.filter((recorded) => recorded.path === '/v1/messages').length;

/** Runs `size` concurrent requests, holding every upstream answer until each was admitted or refused. */
async function wave(key: string, body: Record<string, unknown>, size: number): Promise<{ admitted: number; refused: { status: number; type: string | undefined }[] }> {
  let release!: () => void;
  gate = new Promise<void>((resolve) => (release = resolve));
  const before = messagesCalls();
  let decided = 0;
  const pending = Array.from({ length: size }, () =>
    post(key, body).then((answer) => {
      decided++;
      return answer;
    }),
  );
  await expect.poll(() => messagesCalls() - before + decided, { timeout: 10_000 }).toBe(size);
  release();
  const answers = await Promise.all(pending);
  const refused = answers.filter((answer) => answer.status !== 200).map((answer) => ({ status: answer.status, type: answer.json.error?.type }));
  return { admitted: answers.length - refused.length, refused };
}

describe('budgets at the edge with prompts of 1-2 characters a token (A3)', () => {
  for (const [name, prompt] of [['CJK', cjk], ['code', code]] as const) {
    it(`concurrent ${name} requests never spend past the budget, and spend most of it`, async () => {
      const body = { model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user', content: prompt }] };
      const cost = realTokens(body) * SONNET.input + body.max_tokens * SONNET.output;
      const budget = 50_000;
      const { key, id } = await createKey(budget);
      let admitted = 0;
      let last: Awaited<ReturnType<typeof wave>> | undefined;
      for (let round = 0; round < 12; round++) {
        last = await wave(key, body, 20);
        admitted += last.admitted;
        await gateway.flushUsage();
        const state = await gateway.accounting.getBudget(id, budgetMonth(Date.now()));
        expect(state.spentMicros).toBeLessThanOrEqual(budget);
        expect(state.spentMicros).toBe(admitted * cost);
        if (last.admitted === 0) break;
      }
      // The budget was used, not refused outright: what is left is less than one more request.
      expect(admitted).toBeGreaterThanOrEqual(3);
      expect(budget - admitted * cost).toBeLessThan(cost * 1.05 + 10);
      expect(last?.admitted).toBe(0);
      expect(last?.refused.every((refusal) => refusal.status === 402 && refusal.type === 'billing_error')).toBe(true);
    });
  }

  // Objects typed "image" where the API reads JSON as text (a tool call's input, a tool's
  // input_schema) are text, not images: the bound must count their bytes (found by probing).
  const hidden = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: code.repeat(10) } };
  const hiddenBodies = {
    'a tool call input': {
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: hidden }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'done' }] },
      ],
    },
    "a tool's input_schema": { model: 'claude-sonnet-5-5', max_tokens: 100, tools: [{ name: 'f', input_schema: { type: 'object', properties: { x: hidden } } }], messages: [{ role: 'user', content: 'go' }] },
  };
  for (const [name, body] of Object.entries(hiddenBodies)) {
    it(`text in an object typed image inside ${name} is bounded as text: concurrency never spends past the budget`, async () => {
      const cost = realTokens(body) * SONNET.input + body.max_tokens * SONNET.output;
      const budget = 250_000; // room for two such requests at most
      expect(cost).toBeGreaterThan(budget / 3);
      const { key, id } = await createKey(budget);
      const first = await wave(key, body, 20);
      await gateway.flushUsage();
      const state = await gateway.accounting.getBudget(id, budgetMonth(Date.now()));
      expect(state.spentMicros).toBe(first.admitted * cost);
      expect(state.spentMicros).toBeLessThanOrEqual(budget);
    });
  }

  it('asks count_tokens with the gateway credential, the request betas and only the fields it takes', async () => {
    const body = { model: 'claude-sonnet-5-5', max_tokens: 100, temperature: 0.5, stream: false, system: 'Be brief.', messages: [{ role: 'user', content: cjk }] };
    const cost = realTokens(body) * SONNET.input + body.max_tokens * SONNET.output;
    // Room for the exact cost with its margin, not for the bound.
    const { key } = await createKey(Math.ceil(cost * 1.1));
    const answer = await request(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-beta': 'context-1m-2025-08-07' },
      body: JSON.stringify(body),
    });
    expect(answer.statusCode).toBe(200);
    await answer.body.dump();
    const counted = fake.requests.find((recorded) => recorded.path === '/v1/messages/count_tokens');
    expect(counted?.headers['x-api-key']).toBe(GATEWAY_ANTHROPIC_KEY);
    expect(counted?.headers['anthropic-beta']).toBe('context-1m-2025-08-07');
    expect(counted?.rawHeaders.join('\n')).not.toContain(key);
    expect(parsed(counted as RecordedRequest)).toEqual({ model: 'claude-sonnet-5-5', system: 'Be brief.', messages: body.messages });
  });

  it('refuses with the budget error when the bound does not fit and counting fails', async () => {
    countFails = true;
    const body = { model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user', content: cjk }] };
    const cost = realTokens(body) * SONNET.input + body.max_tokens * SONNET.output;
    const { key } = await createKey(Math.ceil(cost * 1.1));
    const answer = await post(key, body);
    expect(answer.status).toBe(402);
    expect(answer.json.error?.type).toBe('billing_error');
    expect(messagesCalls()).toBe(0);
  });

  it('does not count when the bound fits', async () => {
    const { key } = await createKey(10_000_000);
    expect((await post(key, { model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user', content: cjk }] })).status).toBe(200);
    expect(fake.requests.map((recorded) => recorded.path)).toEqual(['/v1/messages']);
  });
});

describe('exact counts on Bedrock (A3)', () => {
  const context = useGatewayWithBedrock({ AUTH_MODE: 'keys', ANTHROPIC_API_KEY: GATEWAY_ANTHROPIC_KEY });

  async function bedrockKey(budgetMicros: number): Promise<string> {
    return (await storeKey(context.gateway.accounting, { name: 'edge', userId: 'edge', monthlyBudgetMicros: budgetMicros })).key;
  }

  async function send(key: string, model: string) {
    const response = await request(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ model, max_tokens: 100, messages: [{ role: 'user', content: cjk }] }),
    });
    return { status: response.statusCode, json: (await response.body.json()) as { error?: { type?: string } } };
  }

  it('counts Claude on Bedrock with CountTokens when only the exact size fits', async () => {
    // Haiku 4.5: $1 / $5. The bound (~7,000 tokens of CJK bytes) does not fit $0.005; the count does.
    const key = await bedrockKey(5_000);
    const answer = await send(key, 'us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(answer.status).toBe(200);
    expect(context.bedrock.requests.map((recorded) => recorded.operation)).toEqual(['count-tokens', 'invoke']);
  });

  it('refuses a model nobody can count when only an exact size would fit', async () => {
    const key = await bedrockKey(1_000);
    const answer = await send(key, 'qwen.qwen3-coder-480b-a35b-v1:0');
    expect(answer.status).toBe(402);
    expect(answer.json.error?.type).toBe('billing_error');
    expect(context.bedrock.requests).toHaveLength(0);
  });
});
