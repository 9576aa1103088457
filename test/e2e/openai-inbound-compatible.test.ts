import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { FakeOpenAI } from '../fakes/openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * `POST /v1/chat/completions` served by an OpenAI-compatible target, with the official `openai`
 * SDK as the client and the fake OpenAI-compatible upstream: today the request goes through the
 * Messages form both ways (Chat Completions -> Messages -> Chat Completions upstream, and back);
 * byte-for-byte forwarding when both sides speak Chat Completions is a later step.
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
    { routes: [{ match: 'oai-*', targets: [{ provider: 'openai', model: 'gpt-test' }] }], 'openai_compatible.openai.base_url': `${fake.url}/oai/v1` },
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

describe('chat.completions served by an OpenAI-compatible target', () => {
  it('create: a chat.completion with the upstream’s text and usage; the gateway’s key goes upstream', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'oai-text', messages: hello }).withResponse();
    expect(data).toMatchObject({ object: 'chat.completion', model: 'oai-text', choices: [{ message: { content: 'Hello, world.' }, finish_reason: 'stop' }] });
    expect(response.headers.get('x-gateway-provider')).toBe('openai');
    const upstream = fake.requests[0];
    expect(upstream?.path).toBe('/oai/v1/chat/completions');
    expect(upstream?.headers.authorization).toBe('Bearer sk-openai-gateway');
    expect(JSON.stringify(upstream?.headers)).not.toContain('client-secret');
    expect(anthropic.requests).toHaveLength(0);
  });

  it('stream: chunks with the text, finish_reason and the usage chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'oai-text', messages: hello, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('Hello, world.');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.usage).toMatchObject({ completion_tokens: 4 });
  });

  it('tools: the tool call comes back with a sanitised id and JSON arguments', async () => {
    fake.enqueueScenario('tool-whole');
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const final = await client.chat.completions.stream({ model: 'oai-tools', messages: [{ role: 'user', content: 'Weather in Rome?' }], tools }).finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)]).toEqual(['get_weather', { city: 'Rome' }]);
    expect(call?.id).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('a mid-stream error chunk from the upstream reaches the client as one error line the SDK throws', async () => {
    fake.enqueueScenario('mid-stream-error');
    const stream = await client.chat.completions.create({ model: 'oai-text', messages: hello, stream: true });
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((error: unknown) => error);
    expect(text).toBe('Partial');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
  });
});
