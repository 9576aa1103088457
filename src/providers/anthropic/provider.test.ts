import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { createRequestBody } from '../../request/request-body.ts';
import type { RawUpstreamResponse } from '../../upstream/http.ts';
import { UpstreamFailure, type ProviderCall, type ProviderTarget } from '../provider.ts';
import type { AnthropicProvider, AnthropicRequest } from './index.ts';
import { createAnthropicProvider, type AnthropicRouting } from './provider.ts';

/** The Anthropic provider's call() against a fake transport: no sockets. */

function fakeTransport(status: number, headers: Record<string, string>, body: string): AnthropicProvider & { sent: AnthropicRequest[] } {
  const sent: AnthropicRequest[] = [];
  const transport = {
    name: 'anthropic',
    sent,
    credentialFor: (request: IncomingHttpHeaders) => (typeof request['x-api-key'] === 'string' ? { value: request['x-api-key'] } : undefined),
    send: async (request: AnthropicRequest): Promise<RawUpstreamResponse> => {
      sent.push(request);
      return { status, headers, body: Readable.from([Buffer.from(body)]) as unknown as RawUpstreamResponse['body'] };
    },
    close: async () => undefined,
  };
  return transport as unknown as AnthropicProvider & { sent: AnthropicRequest[] };
}

const routing: AnthropicRouting = { forceRateLimit: false, isRetired: (model) => model === 'claude-retired', now: () => 0 };

function call(model: string, overrides: Partial<ProviderCall<ProviderTarget<'anthropic'>>> = {}): ProviderCall<ProviderTarget<'anthropic'>> {
  return {
    target: { provider: 'anthropic', model },
    operation: 'messages',
    requestedModel: 'claude-a',
    body: createRequestBody(Buffer.from('{"model":"claude-a","max_tokens":5}'), undefined, 1_000),
    path: { path: '/v1/messages', search: '?beta=true' },
    headers: { 'x-api-key': 'sk-ant-1', 'content-encoding': 'identity' },
    stream: false,
    signal: new AbortController().signal,
    timeLeftMs: 1_000,
    requestId: 'req_1',
    messageId: 'msg_1',
    ...overrides,
  };
}

async function text(body: RawUpstreamResponse['body']): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const rateLimitBody = '{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}';

describe('the Anthropic provider', () => {
  it('sends the client bytes unchanged and answers passthrough', async () => {
    const transport = fakeTransport(200, { 'content-type': 'application/json', 'request-id': 'req_up' }, '{"id":"msg"}');
    const answer = await createAnthropicProvider(transport, routing).call(call('claude-a'));
    expect(answer).toMatchObject({ kind: 'passthrough', info: { upstreamRequestId: 'req_up' } });
    expect(transport.sent[0]).toMatchObject({ path: '/v1/messages', search: '?beta=true', uncompressed: true, body: Buffer.from('{"model":"claude-a","max_tokens":5}') });
  });

  it('re-serialises the body only when the target renames the model, without the client encoding', async () => {
    const transport = fakeTransport(200, {}, '{}');
    await createAnthropicProvider(transport, routing).call(call('claude-b'));
    expect(JSON.parse((transport.sent[0]?.body as Buffer).toString('utf8'))).toEqual({ model: 'claude-b', max_tokens: 5 });
    expect(transport.sent[0]?.headers['content-encoding']).toBeUndefined();
  });

  it('relays a failure routing does not act on (400) as an answer', async () => {
    const answer = await createAnthropicProvider(fakeTransport(400, {}, '{"type":"error"}'), routing).call(call('claude-a'));
    expect(answer.kind === 'passthrough' && answer.upstream.status).toBe(400);
  });

  it('throws a 429 as a classified failure that keeps the upstream answer, byte for byte', async () => {
    const failure = await createAnthropicProvider(fakeTransport(429, { 'retry-after': '3', 'request-id': 'req_up' }, rateLimitBody), routing)
      .call(call('claude-a'))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamFailure);
    const thrown = failure as UpstreamFailure;
    expect(thrown.trigger).toBe('rate_limited');
    expect(thrown.error).toMatchObject({ code: 'GW_UPSTREAM_RATE_LIMITED', message: 'slow down', retryAfterMs: 3_000, upstreamRequestId: 'req_up' });
    expect(thrown.answer?.upstream.status).toBe(429);
    expect(await text(thrown.answer?.upstream.body as RawUpstreamResponse['body'])).toBe(rateLimitBody);
  });

  it('moves on from a 404 only for a model retired at Anthropic', async () => {
    const retired = await createAnthropicProvider(fakeTransport(404, {}, '{}'), routing)
      .call(call('claude-retired'))
      .catch((error: unknown) => error);
    expect((retired as UpstreamFailure).trigger).toBe('model_retired');
    const other = await createAnthropicProvider(fakeTransport(404, {}, '{}'), routing).call(call('claude-a'));
    expect(other.kind).toBe('passthrough');
  });

  it('FORCE_RATE_LIMIT fails every call as a 429 without calling Anthropic', async () => {
    const transport = fakeTransport(200, {}, '{}');
    const error = await createAnthropicProvider(transport, { ...routing, forceRateLimit: true })
      .call(call('claude-a'))
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'GW_UPSTREAM_RATE_LIMITED', retryAfterMs: 60_000 });
    expect(transport.sent).toHaveLength(0);
  });

  it('names the credential that goes upstream (per-credential cooldowns)', () => {
    const provider = createAnthropicProvider(fakeTransport(200, {}, '{}'), routing);
    expect(provider.credentialFor?.({ 'x-api-key': 'sk-ant-1' })).toBe('sk-ant-1');
    expect(provider.credentialFor?.({})).toBeUndefined();
  });
});
