import { describe, expect, it } from 'vitest';
import { claudeCapabilities } from '../../config/model-catalog.ts';
import { GatewayError } from '../../errors.ts';
import { createRequestBody } from '../../request/request-body.ts';
import type { ProviderCall } from '../provider.ts';
import type { BedrockMessagesCall, BedrockProvider, BedrockResult } from './index.ts';
import { createBedrockProvider, type RoutedBedrockTarget } from './provider.ts';

/** The Bedrock provider's call() and counts against a fake client: no sockets. */

interface FakeClient {
  readonly calls: BedrockMessagesCall[];
  readonly client: BedrockProvider;
}

function fakeClient(result: BedrockResult | GatewayError, count: number | GatewayError | undefined = 7): FakeClient {
  const calls: BedrockMessagesCall[] = [];
  const client = {
    messages: async (call: BedrockMessagesCall) => {
      calls.push(call);
      if (result instanceof GatewayError) throw result;
      return result;
    },
    countTokens: async () => {
      if (count instanceof GatewayError) throw count;
      return count;
    },
    close: async () => undefined,
  };
  return { calls, client: client as unknown as BedrockProvider };
}

const target: RoutedBedrockTarget = { provider: 'bedrock', model: 'us.anthropic.claude-x', options: { region: 'us-east-1', api: 'invoke', serviceTier: 'default', capabilities: claudeCapabilities } };

const conversation = {
  model: 'claude-x',
  max_tokens: 5,
  messages: [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 'unsigned' }, { type: 'tool_use', id: 'call.1', name: 't', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call.1', content: 'ok' }] },
  ],
};

function call(body: object = conversation, overrides: Partial<ProviderCall<RoutedBedrockTarget>> = {}): ProviderCall<RoutedBedrockTarget> {
  return {
    target,
    operation: 'messages',
    requestedModel: 'claude-x',
    body: createRequestBody(Buffer.from(JSON.stringify(body)), undefined, 1_000_000),
    path: { path: '/v1/messages', search: '' },
    headers: { 'anthropic-beta': ['a', 'b'] as unknown as string },
    stream: true,
    signal: new AbortController().signal,
    timeLeftMs: 1_000,
    requestId: 'req_1',
    messageId: 'msg_bdrk_1',
    ...overrides,
  };
}

async function* noEvents(): AsyncGenerator<never> {
  // an empty stream: the provider only hands it on
}

const eventsResult: BedrockResult = {
  response: { kind: 'events', events: noEvents(), headers: { 'x-gateway-service-tier': 'default' } },
  serviceTier: 'default',
  droppedBetas: ['b'],
  removed: ['top_k'],
  upstreamRequestId: 'aws-1',
};

const routing = { maxBodyBytes: 1_000_000, urlFetcher: undefined, warn: () => undefined };

describe('the Bedrock provider', () => {
  it('sends the history made valid for Bedrock, with the target, betas and message id', async () => {
    const fake = fakeClient(eventsResult);
    await createBedrockProvider(fake.client, routing).call(call());
    const sent = fake.calls[0];
    expect(sent).toMatchObject({ target: { model: 'us.anthropic.claude-x', region: 'us-east-1', api: 'invoke' }, betaHeader: 'a,b', stream: true, requestedModel: 'claude-x', messageId: 'msg_bdrk_1' });
    expect(sent?.request.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 't', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'ok' }] },
    ]);
  });

  it('answers typed events with what it learnt (tier, betas dropped, fields removed, request id)', async () => {
    const answer = await createBedrockProvider(fakeClient(eventsResult).client, routing).call(call());
    expect(answer).toMatchObject({ kind: 'events', info: { headers: { 'x-gateway-service-tier': 'default' }, serviceTier: 'default', droppedBetas: ['b'], removed: ['top_k'], upstreamRequestId: 'aws-1' } });
  });

  it("refuses a body over Bedrock's limit before calling it", async () => {
    const fake = fakeClient(eventsResult);
    await expect(createBedrockProvider(fake.client, { ...routing, maxBodyBytes: 10 }).call(call())).rejects.toMatchObject({ code: 'GW_BODY_TOO_LARGE' });
    expect(fake.calls).toHaveLength(0);
  });

  it('throws what the client throws (a classified failure)', async () => {
    const throttled = new GatewayError('GW_UPSTREAM_RATE_LIMITED', 'Too many requests', { provider: 'bedrock' });
    await expect(createBedrockProvider(fakeClient(throttled).client, routing).call(call())).rejects.toBe(throttled);
  });

  it('counts tokens with Bedrock, and answers with an estimate when counting fails', async () => {
    expect(await createBedrockProvider(fakeClient(eventsResult, 42).client, routing).countTokens?.(call())).toEqual({ inputTokens: 42, estimated: false });
    const warned: string[] = [];
    const failing = createBedrockProvider(fakeClient(eventsResult, new GatewayError('GW_UPSTREAM_ERROR', 'boom')).client, { ...routing, warn: (_fields, message) => warned.push(message) });
    const estimate = await failing.countTokens?.(call());
    expect(estimate?.estimated).toBe(true);
    expect(estimate?.inputTokens).toBeGreaterThan(0);
    expect(warned).toHaveLength(1);
  });

  it('counts input for a budget on Claude only', async () => {
    const provider = createBedrockProvider(fakeClient(eventsResult, 42).client, routing);
    expect(await provider.countInput?.(target, conversation, {}, new AbortController().signal)).toBe(42);
    const other = { ...target, options: { ...target.options, capabilities: { ...claudeCapabilities, family: 'other' as const } } };
    expect(await provider.countInput?.(other, conversation, {}, new AbortController().signal)).toBeUndefined();
  });
});
