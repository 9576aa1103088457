import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { FakeOpenAI, rateLimitedStep } from '../fakes/openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { storeKey } from '../helpers/keys.ts';

/**
 * `POST /v1/chat/completions` served by an OpenAI-compatible target (ADR 0009): the client's
 * body goes upstream byte for byte (the model value spliced when the route names another), and
 * the answer's bytes, JSON or SSE, come back unchanged, unknown fields and odd chunking
 * included, while the usage is still metered and routing still falls back before the first
 * byte. The official `openai` SDK is the client; the fake OpenAI-compatible upstream serves.
 */

let fake: FakeOpenAI;
let anthropic: FakeAnthropic;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  anthropic = await FakeAnthropic.start();
  gateway = await startTestGateway(
    { ANTHROPIC_API_BASE: anthropic.url, OPENAI_API_KEY: 'sk-openai-gateway', BEDROCK_ENABLED: 'false' },
    {
      routes: [
        { match: 'oai-*', targets: [{ provider: 'openai', model: 'gpt-test' }] },
        { match: 'fb-*', targets: [{ provider: 'openai', model: 'gpt-test' }, { provider: 'local', model: 'qwen3' }] },
      ],
      'openai_compatible.openai.base_url': `${fake.url}/oai/v1`,
      'openai_compatible.local': { base_url: `${fake.url}/local/v1` },
    },
  );
  client = new OpenAI({ apiKey: 'sk-ant-api03-client-secret', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await fake.close();
  await anthropic.close();
});

beforeEach(async () => {
  fake.reset();
  anthropic.reset();
  await gateway.resetCooldowns();
});

const hello = [{ role: 'user' as const, content: 'Hello' }];

/** A body as a client might write it: odd spacing, fields the gateway knows nothing of. */
const clientBody = (model: string, extra = '') => `{ "model" : "${model}",\n  "messages": [{"role":"user","content":"Hello"}], "x_future_field": {"keep": [1, 2.50, "three"]}, "n": 2 ${extra}}`;

async function post(body: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-ant-api03-client-secret' }, body });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

const upstreamJson =
  '{"id":"chatcmpl-up1","object":"chat.completion","created":1765000000,"model":"gpt-test-2026-01-01","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there","x_vendor":{"a":1}},"logprobs":null,"finish_reason":"stop"},{"index":1,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop"}],' +
  '"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":8}},"service_tier":"default",  "x_unknown" : true}';

describe('chat.completions forwarded byte for byte to an OpenAI-compatible target', () => {
  it('JSON: the body goes out as sent (model spliced), the answer comes back as the upstream wrote it, the usage is metered', async () => {
    fake.enqueue({ kind: 'json', body: upstreamJson, headers: { 'x-request-id': 'req_up_1' } });
    const answer = await post(clientBody('oai-raw'));
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(upstreamJson);
    expect(fake.requests[0]?.body.toString('utf8')).toBe(clientBody('gpt-test'));
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer sk-openai-gateway');
    expect(answer.headers.get('x-gateway-provider')).toBe('openai');
    expect(answer.headers.get('x-gateway-upstream-request-id')).toBe('req_up_1');
    // `n: 2` would be refused by the Messages conversion; forwarded, nothing was dropped.
    expect(answer.headers.get('x-gateway-dropped-fields')).toBeNull();
    await gateway.flushUsage();
    const record = await gateway.accounting.getUsage(answer.headers.get('x-gateway-request-id') as string);
    expect(record).toMatchObject({ state: 'complete', status: 200, provider: 'openai', modelServed: 'gpt-test', inputTokens: 4, cacheReadTokens: 8, outputTokens: 3 });
  });

  it('SSE: chunks with unknown fields, comments and odd chunking come back identical; the usage chunk is metered', async () => {
    const items = [
      { raw: ': keep-alive\n\n' },
      { raw: 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"x_extra":[1]}\n\n' },
      { raw: 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hé 🌍"},"finish_reason":null}]}\n\n' },
      { raw: 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' },
      { raw: 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}}\n\n' },
    ];
    fake.enqueue({ kind: 'sse', items, chunking: 7 });
    const answer = await post(clientBody('oai-stream', ', "stream": true, "stream_options": {"include_usage": true}'));
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(`${items.map((item) => item.raw).join('')}data: [DONE]\n\n`);
    expect(answer.headers.get('content-type')).toContain('text/event-stream');
    await gateway.flushUsage();
    const record = await gateway.accounting.getUsage(answer.headers.get('x-gateway-request-id') as string);
    expect(record).toMatchObject({ state: 'complete', stream: true, inputTokens: 20, outputTokens: 5 });
  });

  it('the openai SDK reads a forwarded stream; without include_usage the usage is the gateway’s estimate', async () => {
    fake.enqueueScenario('text', { chunking: 'byte' });
    const stream = await client.chat.completions.create({ model: 'oai-text', messages: hello, stream: true }).withResponse();
    let text = '';
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello, world.');
    // The client asked for no usage: none was asked upstream either (the body went as it came).
    expect(fake.requests[0]?.json?.stream_options).toBeUndefined();
    await gateway.flushUsage();
    const record = await gateway.accounting.getUsage(stream.response.headers.get('x-gateway-request-id') as string);
    // The fake drops its usage chunk when not asked; 13 characters of text are about 4 tokens.
    expect(record).toMatchObject({ state: 'complete', outputTokens: 4 });
    expect(record?.inputTokens).toBeGreaterThan(0);
  });

  it('tool calls come back as the upstream sent them (ids not rewritten)', async () => {
    fake.enqueueScenario('tool-whole');
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const final = await client.chat.completions.stream({ model: 'oai-tools', messages: [{ role: 'user', content: 'Weather in Rome?' }], tools }).finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && [call.id, call.function.name, JSON.parse(call.function.arguments)]).toEqual(['functions.get_weather:0', 'get_weather', { city: 'Rome' }]);
    expect(anthropic.requests).toHaveLength(0);
  });

  it('a 429 before the first byte falls back to the next target; its answer is forwarded byte for byte too', async () => {
    fake.enqueue(rateLimitedStep('6m0s', '1s'));
    fake.enqueue({ kind: 'json', body: upstreamJson });
    const { data, response } = await client.chat.completions.create({ model: 'fb-a', messages: hello }).withResponse();
    expect(data.choices[0]?.message.content).toBe('Hi there');
    expect((data as unknown as { x_unknown: boolean }).x_unknown).toBe(true);
    expect(response.headers.get('x-gateway-provider')).toBe('local');
    expect(response.headers.get('x-gateway-fallback')).toBe('rate_limited');
    expect(fake.requests.map((request) => [request.path, request.json?.model])).toEqual([
      ['/oai/v1/chat/completions', 'gpt-test'],
      ['/local/v1/chat/completions', 'qwen3'],
    ]);
  });

  it('an error chunk before any content falls back too; after content it reaches the client as the upstream sent it', async () => {
    fake.enqueue({ kind: 'sse', items: [{ raw: 'data: {"error":{"message":"Overloaded","type":"server_error","code":503}}\n\n' }], done: false });
    fake.enqueueScenario('text');
    const stream = await client.chat.completions.create({ model: 'fb-b', messages: hello, stream: true }).withResponse();
    let text = '';
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello, world.');
    expect(stream.response.headers.get('x-gateway-provider')).toBe('local');

    fake.enqueueScenario('mid-stream-error');
    const broken = await client.chat.completions.create({ model: 'oai-text', messages: hello, stream: true });
    let partial = '';
    const failure = await (async () => {
      for await (const chunk of broken) partial += chunk.choices[0]?.delta.content ?? '';
    })().catch((error: unknown) => error);
    expect(partial).toBe('Partial');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
  });
});

describe('a client that leaves a forwarded stream', () => {
  it('releases the upstream at once; the record says the client left, with the usage seen so far', async () => {
    const first = 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Part"},"finish_reason":null}]}\n\n';
    fake.enqueue({ kind: 'sse', items: [{ raw: first }, { delayMs: 10_000 }, { raw: first }] });
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-ant-api03-client-secret' }, body: clientBody('oai-leave', ', "stream": true'), signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(Buffer.from((await reader.read()).value ?? []).toString()).toBe(first);
    controller.abort();
    await expect.poll(() => fake.requests[0]?.aborted, { timeout: 5_000 }).toBe(true);
    await gateway.flushUsage();
    await expect.poll(async () => (await gateway.accounting.getUsage(response.headers.get('x-gateway-request-id') as string))?.outcome, { timeout: 5_000 }).toBe('client_aborted');
  });
});

describe('a forwarded request under a gateway key with a budget', () => {
  it('is reserved, recorded against the key and priced at the served model from the bytes’ usage', async () => {
    const keyed = await startTestGateway({ AUTH_MODE: 'keys', OPENAI_API_KEY: 'sk-openai-gateway', BEDROCK_ENABLED: 'false' }, { 'openai_compatible.openai.base_url': `${fake.url}/oai/v1` });
    try {
      const { key, id } = await storeKey(keyed.accounting, { userId: 'forwarder', monthlyBudgetMicros: 1_000_000 });
      fake.enqueue({ kind: 'json', body: upstreamJson });
      // gpt-4.1 is in the catalog: routed to openai by its id, priced at $2 / $0.50 cached / $8 per million.
      const { data, response } = await new OpenAI({ apiKey: key, baseURL: `${keyed.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'gpt-4.1', messages: hello }).withResponse();
      expect((data as unknown as { x_unknown: boolean }).x_unknown).toBe(true);
      expect(fake.requests[0]?.headers.authorization).toBe('Bearer sk-openai-gateway');
      const record = await keyed.accounting.getUsage(response.headers.get('x-gateway-request-id') as string);
      // 4 uncached input ($8), 8 cached ($4), 3 output ($24) micro-dollars.
      expect(record).toMatchObject({ keyId: id, provider: 'openai', modelServed: 'gpt-4.1', inputTokens: 4, cacheReadTokens: 8, outputTokens: 3, costMicros: 36 });
      expect(record?.reservedMicros).toBeGreaterThan(36);
    } finally {
      await keyed.close();
    }
  });
});
