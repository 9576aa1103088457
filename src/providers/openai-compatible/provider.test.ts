import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAI, openAIErrorBody, rateLimitedStep } from '../../../test/fakes/openai.ts';
import { openAIEndpointSchema, type OpenAIEndpoint } from '../../config/schema-openai.ts';
import type { OpenAICompatibleTarget } from '../../config/targets.ts';
import { GatewayError } from '../../errors.ts';
import { createRequestBody } from '../../request/request-body.ts';
import type { Provider, ProviderCall } from '../provider.ts';
import { OpenAICompatibleTransport } from './index.ts';
import { createOpenAICompatibleProvider, droppedFieldsValue } from './provider.ts';
import { providerQuirks } from './quirks.ts';

/** The provider object against the fake OpenAI-compatible upstream (loopback): statuses, keys, the stream's failures. */

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await FakeOpenAI.start();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

function providerFor(overrides: Partial<OpenAIEndpoint> = {}): Provider<OpenAICompatibleTarget> {
  const endpoint: OpenAIEndpoint = { ...openAIEndpointSchema.parse({}), name: 'groq', base_url: `${fake.url}/openai/v1`, api_key: 'gsk-gateway', builtin: true, ...overrides };
  return createOpenAICompatibleProvider(new OpenAICompatibleTransport(endpoint), { quirks: providerQuirks.groq, now: () => Date.parse('2026-12-07T00:00:00Z') });
}

function call(stream: boolean, headers: Record<string, string> = {}): ProviderCall<OpenAICompatibleTarget> {
  const body = { model: 'claude-haiku-4-5', max_tokens: 50, stream, messages: [{ role: 'user', content: 'Hi' }] };
  return {
    target: { provider: 'groq', model: 'llama-3.3-70b-versatile', options: { wire: 'openai' } },
    operation: 'messages',
    requestedModel: 'claude-haiku-4-5',
    body: createRequestBody(Buffer.from(JSON.stringify(body)), undefined, 1_000_000),
    path: { path: '/v1/messages', search: '' },
    headers,
    stream,
    signal: new AbortController().signal,
    timeLeftMs: 10_000,
    requestId: 'req_1',
    messageId: 'msg_1',
  };
}

async function failureOf(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('no failure');
}

async function drain(events: AsyncIterable<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

describe('the OpenAI-compatible provider', () => {
  it('a 401 is the gateway’s key: GW_UPSTREAM_CREDENTIALS, the provider’s words not shown, the client’s credential never sent', async () => {
    const provider = providerFor();
    fake.enqueue({ kind: 'json', status: 401, body: openAIErrorBody('Invalid API Key gsk-gateway', 'invalid_request_error', 'invalid_api_key') });
    const error = await failureOf(provider.call(call(false, { 'x-api-key': 'sk-ant-client', authorization: 'Bearer sk-ant-client' })));
    expect(error.code).toBe('GW_UPSTREAM_CREDENTIALS');
    expect(error.message).not.toContain('gsk-gateway');
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer gsk-gateway');
    expect(JSON.stringify(fake.requests[0]?.headers)).not.toContain('sk-ant-client');
    await provider.close();
  });

  it('a built-in provider without a key is not called', async () => {
    const provider = providerFor({ api_key: undefined });
    expect((await failureOf(provider.call(call(false)))).code).toBe('GW_UPSTREAM_CREDENTIALS');
    expect(fake.requests).toHaveLength(0);
    await provider.close();
  });

  it('a 429 waits for the exhausted bucket’s reset', async () => {
    const provider = providerFor();
    fake.enqueue(rateLimitedStep('2m30s', '1s'));
    const error = await failureOf(provider.call(call(true)));
    expect(error).toMatchObject({ code: 'GW_UPSTREAM_RATE_LIMITED', retryAfterMs: 150_000, upstreamRequestId: 'req_fake_429' });
    await provider.close();
  });

  it('a stream cut before its finish is a thrown error after the events that came', async () => {
    const provider = providerFor();
    fake.enqueue({ kind: 'sse', items: [{ chunk: { id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hal' } }] } }], done: false, then: 'close' });
    const answer = await provider.call(call(true));
    expect(answer.kind).toBe('events');
    if (answer.kind !== 'events') return;
    await expect(drain(answer.events)).rejects.toBeInstanceOf(GatewayError);
    await provider.close();
  });

  it('count_tokens is an estimate', async () => {
    const provider = providerFor();
    const counted = await provider.countTokens?.(call(false));
    expect(counted?.estimated).toBe(true);
    expect(counted?.inputTokens).toBeGreaterThan(0);
    await provider.close();
  });

  it('the dropped-fields header stays short: a long list ends with how many more', () => {
    expect(droppedFieldsValue(['top_k', 'cache_control'])).toBe('top_k, cache_control');
    const many = Array.from({ length: 200 }, (_, index) => `tools.${index}.defer_loading`);
    const value = droppedFieldsValue(many);
    expect(value.length).toBeLessThan(1100);
    expect(value).toMatch(/, \.\.\. \(\d+ more\)$/);
  });
});
