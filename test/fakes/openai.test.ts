import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accumulate } from '../../src/anthropic/accumulate.ts';
import type { MessageStreamEvent } from '../../src/anthropic/types.ts';
import { fromOpenAIError } from '../../src/providers/openai-compatible/errors.ts';
import { fromOpenAIResponse } from '../../src/providers/openai-compatible/response.ts';
import { openAISseToAnthropic } from '../../src/providers/openai-compatible/sse.ts';
import { OpenAIStreamToAnthropic } from '../../src/providers/openai-compatible/stream.ts';
import { FakeOpenAI } from './openai.ts';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await FakeOpenAI.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

const context = { provider: 'fake', model: 'claude-sonnet-5-5', id: 'msg_oai_01' };

async function post(body: object, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-fake', ...headers }, body: JSON.stringify(body) });
}

async function streamEvents(response: Response): Promise<MessageStreamEvent[]> {
  const events: MessageStreamEvent[] = [];
  const body = response.body as unknown as AsyncIterable<Uint8Array>;
  for await (const event of openAISseToAnthropic(body, new OpenAIStreamToAnthropic(context), 'fake')) events.push(event);
  return events;
}

describe('FakeOpenAI', () => {
  it('records the request and serves a scenario both ways, streamed and whole alike', async () => {
    const json = await post({ model: 'deepseek', messages: [{ role: 'user', content: 'hi' }] });
    const whole = fromOpenAIResponse(await json.json(), context).message;
    const streamed = await streamEvents(await post({ model: 'deepseek', stream: true, stream_options: { include_usage: true }, messages: [] }));
    expect(accumulate(streamed)).toEqual(whole);
    expect(whole.content).toEqual([{ type: 'thinking', thinking: 'Let me see.', signature: '' }, { type: 'text', text: '42' }]);
    expect(fake.requests.map((request) => [request.path, request.headers.authorization, request.json?.model])).toEqual([
      ['/v1/chat/completions', 'Bearer sk-fake', 'deepseek'],
      ['/v1/chat/completions', 'Bearer sk-fake', 'deepseek'],
    ]);
  });

  it('sends usage chunks only when include_usage is asked (the converter then estimates)', async () => {
    const machine = new OpenAIStreamToAnthropic(context);
    const body = (await post({ model: 'text', stream: true, messages: [] })).body as unknown as AsyncIterable<Uint8Array>;
    const events: MessageStreamEvent[] = [];
    for await (const event of openAISseToAnthropic(body, machine, 'fake')) events.push(event);
    expect(machine.usageEstimated).toBe(true);
    expect(accumulate(events).content).toEqual([{ type: 'text', text: 'Hello, world.' }]);
  });

  it('OpenRouter comments and byte-by-byte delivery do not change the events', async () => {
    fake.enqueueScenario('openrouter', { chunking: 'byte' });
    fake.enqueueScenario('openrouter');
    const byByte = await streamEvents(await post({ model: 'x', stream: true, messages: [] }));
    expect(byByte).toEqual(await streamEvents(await post({ model: 'x', stream: true, messages: [] })));
    expect(accumulate(byByte).content).toEqual([{ type: 'thinking', thinking: 'Thinking.', signature: '' }, { type: 'text', text: 'Answer.' }]);
  });

  it('answers 429 with reset headers the error mapping reads as a cooldown', async () => {
    const response = await post({ model: 'rate-limited', messages: [] });
    const headers = Object.fromEntries(response.headers);
    const error = fromOpenAIError(response.status, headers, await response.text(), { provider: 'fake', nowMs: 0 });
    expect([error.code, error.fallback, error.retryAfterMs, error.upstreamRequestId]).toEqual(['GW_UPSTREAM_RATE_LIMITED', 'rate_limited', 360_000, 'req_fake_429']);
  });

  it('a mid-stream error chunk ends the converted stream with one classified failure', async () => {
    const events: MessageStreamEvent[] = [];
    const body = (await post({ model: 'mid-stream-error', stream: true, messages: [] })).body as unknown as AsyncIterable<Uint8Array>;
    await expect(
      (async () => {
        for await (const event of openAISseToAnthropic(body, new OpenAIStreamToAnthropic(context), 'fake')) events.push(event);
      })(),
    ).rejects.toMatchObject({ code: 'GW_UPSTREAM_ERROR', message: 'Upstream provider failed' });
    expect(events.map((event) => event.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
  });

  it('a stream that ends (no [DONE]) before the finish reason is a broken stream', async () => {
    fake.enqueue({ kind: 'sse', items: [{ chunk: { choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] } }], done: false });
    const body = (await post({ model: 'x', stream: true, messages: [] })).body as unknown as AsyncIterable<Uint8Array>;
    await expect(
      (async () => {
        for await (const event of openAISseToAnthropic(body, new OpenAIStreamToAnthropic(context), 'fake')) void event;
      })(),
    ).rejects.toMatchObject({ code: 'GW_UPSTREAM_STREAM_BROKEN' });
  });

  it('lists models', async () => {
    const response = await fetch(`${fake.url}/v1/models`);
    expect(((await response.json()) as { object: string }).object).toBe('list');
  });
});
