import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
import { loadScenario, sseOf, type FakeStep } from '../fakes/anthropic.ts';
import { bedrockException } from '../fakes/bedrock.ts';
import { eventually, useGatewayWithBedrock } from '../helpers/gateway.ts';

/**
 * Fault injection against the fakes (issue 4): Anthropic first, Bedrock after it with the
 * catalog's mapping (zero configuration with AWS credentials). Each trigger must give the client
 * exactly one complete answer; client errors never fall back; after the first byte nothing does.
 */

// A budget large enough that these tests never run out of it (the budget has its own test).
const context = useGatewayWithBedrock({ RETRY_THRESHOLD_SECONDS: '2', MAX_RETRY_WAIT_SECONDS: '1' }, { 'routing.retry_budget_minimum': 10_000 });
const model = 'claude-sonnet-5-5';
const bedrockModel = 'global.anthropic.claude-sonnet-5-5';

async function post(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${context.gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-alice', ...headers },
    body: JSON.stringify({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

const error = (status: number, type: string, headers: Record<string, string> = {}): FakeStep => ({ kind: 'json', status, headers: { 'request-id': `req_up_${status}`, ...headers }, body: { type: 'error', error: { type, message: `upstream ${type}` }, request_id: `req_up_${status}` } });

describe('each trigger falls back to Bedrock, and the client sees one complete answer', () => {
  it.each([
    ['a 429 with a long retry-after', error(429, 'rate_limit_error', { 'retry-after': '120' }), 'rate_limited'],
    ['a 529', error(529, 'overloaded_error'), 'overloaded'],
    ['a 500', error(500, 'api_error'), 'server_error'],
    ['a 503', error(503, 'api_error'), 'overloaded'],
    ['a 504', error(504, 'timeout_error'), 'timeout'],
    // Every 5xx moves on, as it does from Bedrock (a 520 used to be relayed from Anthropic only).
    ['a 520', error(520, 'api_error'), 'server_error'],
    ['a 501', error(501, 'api_error'), 'server_error'],
    ['a reset connection', { kind: 'reset' } as FakeStep, 'connect_error'],
    ['an overloaded_error event first', { kind: 'sse', items: [{ event: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }] } as FakeStep, 'first_event_error'],
    [
      'an overloaded_error event after message_start and a ping, before any content',
      { kind: 'sse', items: [{ event: loadScenario('text', model)[0] as { type: string } }, { event: { type: 'ping' } }, { delayMs: 20 }, { event: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }] } as FakeStep,
      'first_event_error',
    ],
  ])('%s, streaming', async (_name, step, trigger) => {
    context.fake.enqueue(step);
    const response = await post({ stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-provider')).toBe('bedrock');
    expect(response.headers.get('x-gateway-model')).toBe(bedrockModel);
    expect(response.headers.get('x-gateway-fallback')).toBe(trigger);
    const events = decodeSse(await response.text());
    expect(events.map((event) => event.event).filter((name) => name === 'error')).toEqual([]);
    expect(events[0]?.event).toBe('message_start');
    expect(events.at(-1)?.event).toBe('message_stop');
    expect(context.fake.requests).toHaveLength(1);
    expect(context.bedrock.requests).toHaveLength(1);
    expect(context.bedrock.last()).toMatchObject({ operation: 'invoke-with-response-stream', modelId: bedrockModel, signatureValid: true });
    expect(JSON.stringify(context.bedrock.last().headers)).not.toContain('alice');
  });

  it('works for non-streaming requests and the official SDK too', async () => {
    context.fake.enqueue(error(529, 'overloaded_error'));
    const client = new Anthropic({ apiKey: 'sk-ant-api03-alice', baseURL: context.gateway.url, maxRetries: 0 });
    const message = await client.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect(context.bedrock.last().operation).toBe('invoke');
  });
});

describe('models Anthropic retired', () => {
  it('a 404 for a model retired on Anthropic moves on to Bedrock, which still serves it', async () => {
    context.fake.enqueue(error(404, 'not_found_error'));
    const response = await post({ model: 'claude-3-7-sonnet-20250219' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-fallback')).toBe('model_retired');
    expect(context.bedrock.last().modelId).toBe('us.anthropic.claude-3-7-sonnet-20250219-v1:0');
  });

  it('a 404 for an active model is the answer', async () => {
    context.fake.enqueue(error(404, 'not_found_error'));
    expect((await post({})).status).toBe(404);
    expect(context.bedrock.requests).toHaveLength(0);
  });
});

describe('what never falls back', () => {
  it('an error event first that another upstream cannot fix is relayed as it came', async () => {
    const event = { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long' } };
    context.fake.enqueue({ kind: 'sse', items: [{ event }] });
    const response = await post({ stream: true });
    expect(response.status).toBe(200);
    expect(decodeSse(await response.text()).map((received) => JSON.parse(received.data))).toEqual([event]);
    expect(context.bedrock.requests).toHaveLength(0);
  });

  it('a fallback target refusing the request for its own reasons does not hide the retryable failure', async () => {
    context.fake.enqueue(error(429, 'rate_limit_error', { 'retry-after': '120' }));
    context.bedrock.enqueue(bedrockException('ValidationException', 'messages.0: Bedrock does not like this'));
    const response = await post({});
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('120');
    expect(((await response.json()) as { error: { type: string; message: string } }).error).toEqual({ type: 'rate_limit_error', message: 'upstream rate_limit_error' });
  });

  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [413, 'request_too_large'],
  ])('a %i goes back to the client unchanged', async (status, type) => {
    context.fake.enqueue(error(status, type));
    const response = await post({});
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ type: 'error', error: { type, message: `upstream ${type}` }, request_id: `req_up_${status}` });
    expect(context.bedrock.requests).toHaveLength(0);
  });

  it('a failure after the first event is one error event, with nothing spliced from Bedrock', async () => {
    const events = loadScenario('text', model);
    context.fake.enqueue({ kind: 'sse', items: [...events.slice(0, 3).map((event) => ({ event })), { raw: sseOf(events[3] as { type: string }).slice(0, 10) }], then: 'reset' });
    const response = await post({ stream: true });
    const received = decodeSse(await response.text());
    expect(received.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'ping', 'error']);
    expect(context.bedrock.requests).toHaveLength(0);
  });
});

describe('retry-after and cooldowns', () => {
  it('waits for a short retry-after and retries Anthropic', async () => {
    context.fake.enqueue(error(429, 'rate_limit_error', { 'retry-after': '1' }));
    const started = Date.now();
    const response = await post({});
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-provider')).toBe('anthropic');
    expect(context.fake.requests).toHaveLength(2);
    expect(context.bedrock.requests).toHaveLength(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('after a long retry-after skips Anthropic for that credential and model only, until it ends', async () => {
    context.fake.enqueue(error(429, 'rate_limit_error', { 'retry-after': '120' }));
    expect((await post({})).headers.get('x-gateway-provider')).toBe('bedrock');
    const again = await post({});
    expect(again.headers.get('x-gateway-provider')).toBe('bedrock');
    expect(context.fake.requests).toHaveLength(1);
    // Another credential, and another model on the same credential, still go to Anthropic.
    expect((await post({}, { 'x-api-key': 'sk-ant-api03-bob' })).headers.get('x-gateway-provider')).toBe('anthropic');
    expect((await post({ model: 'claude-haiku-4-5' })).headers.get('x-gateway-provider')).toBe('anthropic');
    const debug = (await (await fetch(`${context.gateway.url}/debug`)).json()) as { cooldowns: { active: { key: string; reason: string; remaining_s: number }[] } };
    expect(debug.cooldowns.active).toEqual([{ key: expect.stringMatching(/^anthropic\|claude-sonnet-5-5\|cred:[0-9a-f]{24}$/), reason: 'rate_limited', until: expect.any(String), remaining_s: expect.any(Number) }]);
    expect(JSON.stringify(debug)).not.toContain('alice');
  });

  it('goes back to Anthropic once the cooldown has ended', async () => {
    context.fake.enqueue(error(429, 'rate_limit_error', { 'retry-after': '3' }));
    expect((await post({})).headers.get('x-gateway-provider')).toBe('bedrock');
    expect((await post({})).headers.get('x-gateway-provider')).toBe('bedrock');
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    expect((await post({})).headers.get('x-gateway-provider')).toBe('anthropic');
    expect(context.fake.requests).toHaveLength(2);
  });

  it('a 429 cools the credential, not the user name: renaming oneself escapes nothing, another credential still reaches Anthropic', async () => {
    const asUser = (user: string, key = 'sk-ant-api03-team') =>
      fetch(`${context.gateway.url}/user/${user}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ model, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
      });
    context.fake.enqueue(error(429, 'rate_limit_error', { 'retry-after': '120' }));
    expect((await asUser('alice')).headers.get('x-gateway-provider')).toBe('bedrock');
    expect((await asUser('alice')).headers.get('x-gateway-provider')).toBe('bedrock');
    expect((await asUser('bob')).headers.get('x-gateway-provider')).toBe('bedrock');
    expect((await asUser('carol-2')).headers.get('x-gateway-provider')).toBe('bedrock');
    expect(context.fake.requests).toHaveLength(1);
    expect((await asUser('alice', 'sk-ant-api03-other')).headers.get('x-gateway-provider')).toBe('anthropic');
  });

  it('an overloaded Anthropic cools for everyone, per model', async () => {
    context.fake.enqueue(error(529, 'overloaded_error', { 'retry-after': '60' }));
    await post({});
    expect((await post({}, { 'x-api-key': 'sk-ant-api03-bob' })).headers.get('x-gateway-provider')).toBe('bedrock');
    expect(context.fake.requests).toHaveLength(1);
  });

  it('when every target is rate limited the client gets a 429 with the shortest wait, rounded up', async () => {
    context.fake.enqueue(error(429, 'rate_limit_error', { 'retry-after': '90' }));
    context.bedrock.enqueue(bedrockException('ThrottlingException', 'Too many requests'));
    const first = await post({});
    expect(first.status).toBe(429);
    // Both are cooling now: Anthropic for 90 s (its retry-after), Bedrock (no retry-after) for COOLDOWN_SECONDS.
    const second = await post({});
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toMatch(/^(89|90)$/);
    expect(context.bedrock.requests).toHaveLength(1);
    expect(((await second.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
    expect(context.fake.requests).toHaveLength(1);
  });

  it('a client that leaves during the retry wait stops everything', async () => {
    context.fake.enqueue(error(429, 'rate_limit_error', { 'retry-after': '2' }));
    const controller = new AbortController();
    const pending = post({}, {}).catch(() => undefined);
    void pending;
    const aborted = fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-carol' },
      body: JSON.stringify({ model: 'claude-opus-5-5', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }),
      signal: controller.signal,
    }).catch(() => undefined);
    await eventually(() => context.fake.requests.some((request) => request.body.includes('claude-opus-5-5')));
    controller.abort();
    await aborted;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(context.fake.requests.filter((request) => request.body.includes('claude-opus-5-5'))).toHaveLength(1);
    expect(context.bedrock.requests.filter((request) => String(request.modelId).includes('opus-5-5'))).toHaveLength(0);
  });
});
