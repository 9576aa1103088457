import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { FakeStep } from '../fakes/anthropic.ts';
import { useGatewayWithFake } from '../helpers/gateway.ts';

/**
 * Issue 10 D21: a client that retries by itself (the official SDK, `maxRetries: 2`, and so
 * Claude Code) must not have its retries multiplied by the gateway's own wait-and-retry. The
 * same SDK call is made directly against the fake and through the gateway (one target: no AWS
 * credentials, so no Bedrock fallback), and the upstream calls are counted. The retry budget is
 * made large so that only the rule under test can hold the count down.
 */

const context = useGatewayWithFake({}, { 'routing.retry_budget_minimum': 10_000 });

const params = { model: 'claude-sonnet-5-5', max_tokens: 64, messages: [{ role: 'user' as const, content: 'hi' }] };

const rateLimited = (headers: Record<string, string>): FakeStep => ({
  kind: 'json',
  status: 429,
  headers: { 'request-id': 'req_up_429', ...headers },
  body: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' }, request_id: 'req_up_429' },
});

const client = (baseURL: string) => new Anthropic({ apiKey: 'sk-ant-api03-retrying', baseURL, maxRetries: 2 });

/** Upstream calls (and the retry counts they carried) of one SDK call, directly or through the gateway. */
async function upstreamCallsOf(baseURL: string, call: (client: Anthropic) => Promise<unknown>): Promise<{ calls: number; retryCounts: unknown[]; outcome: unknown }> {
  const before = context.fake.requests.length;
  let outcome: unknown;
  try {
    await call(client(baseURL));
    outcome = 'ok';
  } catch (error) {
    outcome = error instanceof Anthropic.APIError ? error.status : error;
  }
  const seen = context.fake.requests.slice(before);
  return { calls: seen.length, retryCounts: seen.map((request) => request.headers['x-stainless-retry-count']), outcome };
}

describe('an SDK client with maxRetries 2 against an upstream that keeps answering 429', () => {
  it.each([
    ['retry-after: 1 (seconds, as Anthropic sends it)', { 'retry-after': '1' }],
    ['retry-after-ms: 50', { 'retry-after-ms': '50', 'retry-after': '1' }],
  ])('makes no more upstream calls through the gateway than directly (%s)', async (_name, headers) => {
    context.fake.respondWith(() => rateLimited(headers));
    const direct = await upstreamCallsOf(context.fake.url, (sdk) => sdk.messages.create(params));
    await context.gateway.resetCooldowns();
    const viaGateway = await upstreamCallsOf(context.gateway.url, (sdk) => sdk.messages.create(params));
    expect(direct).toEqual({ calls: 3, retryCounts: ['0', '1', '2'], outcome: 429 });
    // The same three calls, each with the client's own x-stainless-retry-count, unchanged.
    expect(viaGateway).toEqual(direct);
  }, 15_000);

  it('streaming requests too', async () => {
    context.fake.respondWith(() => rateLimited({ 'retry-after-ms': '50' }));
    const direct = await upstreamCallsOf(context.fake.url, (sdk) => sdk.messages.create({ ...params, stream: true }));
    await context.gateway.resetCooldowns();
    const viaGateway = await upstreamCallsOf(context.gateway.url, (sdk) => sdk.messages.create({ ...params, stream: true }));
    expect(direct.calls).toBe(3);
    expect(viaGateway).toEqual(direct);
  });
});

describe('an SDK client whose retry succeeds', () => {
  it('gets the answer with as many upstream calls as directly', async () => {
    const twice = () => context.fake.enqueue(rateLimited({ 'retry-after-ms': '50' }), rateLimited({ 'retry-after-ms': '50' }));
    twice();
    const direct = await upstreamCallsOf(context.fake.url, (sdk) => sdk.messages.create(params));
    await context.gateway.resetCooldowns();
    twice();
    const viaGateway = await upstreamCallsOf(context.gateway.url, (sdk) => sdk.messages.create(params));
    expect(direct).toEqual({ calls: 3, retryCounts: ['0', '1', '2'], outcome: 'ok' });
    expect(viaGateway).toEqual(direct);
  });
});

describe('a client that does not retry by itself', () => {
  it('still gets the gateway’s wait and retry on the same target', async () => {
    context.fake.enqueue(rateLimited({ 'retry-after-ms': '50' }));
    const response = await fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-curl' },
      body: JSON.stringify(params),
    });
    expect(response.status).toBe(200);
    expect(context.fake.requests).toHaveLength(2);
  });
});
