import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { request } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/accounting/keys.ts';
import type { ApiKeyRecord } from '../../src/store/accounting.ts';
import { startTestGateway, useGatewayWithBedrock } from '../helpers/gateway.ts';

/**
 * `POST /v1/chat/completions` with the official `openai` SDK (issue 12, inbound): the gateway in
 * keys mode in front of the fake Anthropic and the fake Bedrock. The OpenAI request is converted
 * to a Messages one, routed like /v1/messages, and the answer converted back; errors come in
 * OpenAI's shape; usage is recorded against the key.
 */

const GATEWAY_ANTHROPIC_KEY = 'sk-ant-api03-GATEWAY-OWN-openai-contract';
const context = useGatewayWithBedrock({ AUTH_MODE: 'keys', ANTHROPIC_API_KEY: GATEWAY_ANTHROPIC_KEY, MASTER_API_KEY: 'master-openai-contract-0123456789' });

let key = '';
let keyId = '';

async function createKey(fields: Partial<ApiKeyRecord> = {}): Promise<{ key: string; id: string }> {
  const made = generateKey(undefined);
  const now = Date.now();
  await context.gateway.accounting.createKey({ id: made.id, digest: made.digest, prefix: made.prefix, name: 'openai', status: 'active', createdAt: now, updatedAt: now, userId: 'olga', ...fields });
  return { key: made.key, id: made.id };
}

beforeAll(async () => {
  ({ key, id: keyId } = await createKey({ monthlyBudgetMicros: 50_000_000 }));
});

function client(options: { apiKey?: string; scenario?: string } = {}): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey ?? key,
    baseURL: `${context.gateway.url}/v1`,
    maxRetries: 0,
    ...(options.scenario === undefined ? {} : { defaultHeaders: { 'x-fake-scenario': options.scenario } }),
  });
}

const sonnet = 'claude-sonnet-5-5';
const claudeOnBedrock = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather for a place', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
  { type: 'function', function: { name: 'get_time', description: 'Time in a zone', parameters: { type: 'object', properties: { timezone: { type: 'string' } } } } },
];

describe('chat.completions.create against Anthropic (passthrough target)', () => {
  it('answers a chat.completion, sends a Messages request with the gateway credential, records usage against the key', async () => {
    const { data, response } = await client()
      .chat.completions.create({ model: sonnet, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }], max_completion_tokens: 100, seed: 7 })
      .withResponse();
    // A field with no Anthropic form is dropped, and named.
    expect(response.headers.get('x-gateway-dropped-fields')).toBe('seed');
    expect(data).toMatchObject({ object: 'chat.completion', model: sonnet, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant' } }] });
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(typeof data.choices[0]?.message.content).toBe('string');
    // text.jsonl: 25 input, 1,200 cache-read and 12 output tokens.
    expect(data.usage).toEqual({ prompt_tokens: 1_225, completion_tokens: 12, total_tokens: 1_237, prompt_tokens_details: { cached_tokens: 1_200 } });
    const upstream = context.fake.last();
    expect(upstream.path).toBe('/v1/messages');
    expect(upstream.headers['x-api-key']).toBe(GATEWAY_ANTHROPIC_KEY);
    expect(upstream.headers['anthropic-version']).toBe('2023-06-01');
    expect(JSON.stringify(upstream.headers)).not.toContain(key);
    expect(JSON.parse(upstream.body.toString('utf8'))).toEqual({ model: sonnet, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] });
    const requestId = response.headers.get('x-gateway-request-id') as string;
    await context.gateway.flushUsage();
    expect(await context.gateway.accounting.getUsage(requestId)).toMatchObject({ state: 'complete', keyId, userId: 'olga', route: 'messages', provider: 'anthropic', status: 200, inputTokens: 25, outputTokens: 12, cacheReadTokens: 1_200 });
  });

  it('streams chunks as OpenAI does: role first, content deltas, finish_reason, the usage chunk, [DONE]', async () => {
    const stream = await client().chat.completions.create({ model: sonnet, messages: [{ role: 'user', content: 'Hello' }], stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 1_225, completion_tokens: 12 } });
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);

    const raw = await request(`${context.gateway.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: sonnet, messages: [{ role: 'user', content: 'Hello' }], stream: true }),
    });
    expect(raw.headers['content-type']).toMatch(/^text\/event-stream/);
    const body = await raw.body.text();
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(body).not.toContain('"usage"');
  });

  it('round-trips tools: tool_calls by index (streamed and whole), then tool results sent back as tool_result blocks', async () => {
    const asked = { model: sonnet, messages: [{ role: 'user' as const, content: 'Weather and time in SF?' }], tools, tool_choice: 'auto' as const };
    const whole = await client({ scenario: 'tool-use' }).chat.completions.create(asked);
    expect(whole.choices[0]?.finish_reason).toBe('tool_calls');
    expect(whole.choices[0]?.message.tool_calls).toEqual([
      { id: 'toolu_01FakeWeather', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } },
      { id: 'toolu_02FakeTime', type: 'function', function: { name: 'get_time', arguments: '{"timezone":"America/Los_Angeles"}' } },
    ]);
    const streamed = await client({ scenario: 'tool-use' }).chat.completions.stream(asked).finalChatCompletion();
    const calls = streamed.choices[0]?.message.tool_calls ?? [];
    expect(calls.map((call) => call.type === 'function' && [call.id, call.function.name, JSON.parse(call.function.arguments)])).toEqual([
      ['toolu_01FakeWeather', 'get_weather', { location: 'San Francisco, CA', unit: 'celsius' }],
      ['toolu_02FakeTime', 'get_time', { timezone: 'America/Los_Angeles' }],
    ]);
    expect(streamed.choices[0]?.finish_reason).toBe('tool_calls');

    const message = whole.choices[0]?.message as OpenAI.Chat.Completions.ChatCompletionMessage;
    const next = await client().chat.completions.create({
      ...asked,
      messages: [
        ...asked.messages,
        { role: 'assistant', content: message.content, tool_calls: message.tool_calls ?? [] },
        { role: 'tool', tool_call_id: 'toolu_01FakeWeather', content: '18C, fog' },
        { role: 'tool', tool_call_id: 'toolu_02FakeTime', content: '09:00' },
      ],
    });
    expect(next.choices[0]?.finish_reason).toBe('stop');
    const sent = JSON.parse(context.fake.last().body.toString('utf8')) as { messages: { role: string; content: { type: string }[] }[]; tools: unknown[] };
    expect(sent.tools).toEqual([
      { name: 'get_weather', description: 'Weather for a place', input_schema: { type: 'object', properties: { location: { type: 'string' } } } },
      { name: 'get_time', description: 'Time in a zone', input_schema: { type: 'object', properties: { timezone: { type: 'string' } } } },
    ]);
    expect(sent.messages.map((turn) => [turn.role, turn.content.map((block) => block.type)])).toEqual([
      ['user', ['text']],
      ['assistant', ['text', 'tool_use', 'tool_use']],
      ['user', ['tool_result', 'tool_result']],
    ]);
  });
});

describe('chat.completions against Bedrock', () => {
  it('answers and streams from Claude on Bedrock (typed events converted)', async () => {
    const whole = await client().chat.completions.create({ model: claudeOnBedrock, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 64 });
    expect(whole).toMatchObject({ object: 'chat.completion', model: claudeOnBedrock, choices: [{ finish_reason: 'stop' }] });
    expect(whole.choices[0]?.message.content?.length ?? 0).toBeGreaterThan(0);
    expect(context.bedrock.last().modelId).toBe(claudeOnBedrock);
    const stream = await client().chat.completions.create({ model: claudeOnBedrock, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 64, stream: true });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(finish).toBe('stop');
    expect(context.fake.requests).toHaveLength(0);
  });
});

const rateLimited = { kind: 'json', status: 429, headers: { 'retry-after': '30' }, body: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } } } as const;

describe('errors in OpenAI shape', () => {
  it('401 for an unknown gateway key', async () => {
    const failure = await client({ apiKey: 'sk-gw-not-a-real-key-000000000000' })
      .chat.completions.create({ model: sonnet, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(failure).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    expect(context.fake.requests).toHaveLength(0);
  });

  it('400 for n > 1, naming the field', async () => {
    const failure = await client()
      .chat.completions.create({ model: sonnet, messages: [{ role: 'user', content: 'Hi' }], n: 2 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('n:') as unknown });
    expect(context.fake.requests).toHaveLength(0);
  });

  it('a 429 from Anthropic falls over to Bedrock, as on /v1/messages', async () => {
    context.fake.enqueue(rateLimited);
    const { data, response } = await client().chat.completions.create({ model: sonnet, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(response.headers.get('x-gateway-provider')).toBe('bedrock');
    expect(response.headers.get('x-gateway-fallback')).toBe('rate_limited');
  });

  it('429 from Anthropic with no other target passes through as a RateLimitError with its retry-after', async () => {
    const alone = await startTestGateway({ ANTHROPIC_API_BASE: context.fake.url, BEDROCK_ENABLED: 'false' });
    try {
      context.fake.enqueue(rateLimited);
      const failure = await new OpenAI({ apiKey: 'sk-ant-api03-client-own', baseURL: `${alone.url}/v1`, maxRetries: 0 })
        .chat.completions.create({ model: sonnet, messages: [{ role: 'user', content: 'Hi' }] })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
      expect(failure).toMatchObject({ status: 429, code: 'rate_limit_exceeded', message: expect.stringContaining('per-minute rate limit') as unknown });
      expect((failure as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('30');
      // An Anthropic API key an OpenAI client can only send as Bearer goes upstream as x-api-key.
      expect(context.fake.last().headers['x-api-key']).toBe('sk-ant-api03-client-own');
      expect(context.fake.last().headers.authorization).toBeUndefined();
      expect(context.fake.requests).toHaveLength(1);
    } finally {
      await alone.close();
    }
  });

  it('a spent budget is a 402 in OpenAI shape', async () => {
    const poor = await createKey({ monthlyBudgetMicros: 1 });
    const failure = await client({ apiKey: poor.key })
      .chat.completions.create({ model: sonnet, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure).toMatchObject({ status: 402, type: 'insufficient_quota' });
  });

  it('an error after the first chunk is one OpenAI error line, without [DONE]; the SDK throws it', async () => {
    context.fake.enqueue({
      kind: 'sse',
      items: [
        { event: { type: 'message_start', message: { id: 'msg_x', type: 'message', role: 'assistant', model: sonnet, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } } },
        { event: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
        { event: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Partial' } } },
        { event: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } },
      ],
    });
    const stream = await client().chat.completions.create({ model: sonnet, messages: [{ role: 'user', content: 'Hi' }], stream: true });
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((error: unknown) => error);
    expect(text).toBe('Partial');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).message).toContain('Overloaded');
  });
});

describe('GET /v1/models in the caller\'s shape', () => {
  it('OpenAI clients get {object: "list"}; Anthropic clients (anthropic-version) keep Anthropic\'s page', async () => {
    const openai = await client().models.list();
    expect(openai.data.length).toBeGreaterThan(0);
    expect(openai.data.every((model) => model.object === 'model' && typeof model.created === 'number' && typeof model.owned_by === 'string')).toBe(true);
    expect(openai.data.map((model) => model.id)).toContain(sonnet);
    const anthropic = await new Anthropic({ apiKey: key, baseURL: context.gateway.url, maxRetries: 0 }).models.list({ limit: 1000 });
    expect(anthropic.data[0]).toMatchObject({ type: 'model', display_name: expect.any(String) as unknown });
  });
});
