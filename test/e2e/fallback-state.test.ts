import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic, type FakeStep } from '../fakes/anthropic.ts';
import { bedrockException, FakeBedrock } from '../fakes/bedrock.ts';
import { awsEnvironment, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.ts';

/**
 * Routing state across requests, processes and restarts: cooldowns shared through Redis by two
 * gateway instances, remembered in the SQLite file across a restart; the retry budget and the
 * deadline when every upstream fails; FORCE_RATE_LIMIT; a client leaving during a fallback.
 */

let fake: FakeAnthropic;
let bedrock: FakeBedrock;
let redis: TestRedisServer;
let dataDir: string;

beforeAll(async () => {
  fake = await FakeAnthropic.start();
  bedrock = await FakeBedrock.start();
  redis = await startRedisServer();
  dataDir = await mkdtemp(join(tmpdir(), 'gateway-data-'));
});
afterAll(async () => {
  await fake.close();
  await bedrock.close();
  await redis.stop();
  await rm(dataDir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.reset();
  bedrock.reset();
});

const rateLimited: FakeStep = { kind: 'json', status: 429, headers: { 'retry-after': '120' }, body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } } };

function environment(extra: Record<string, string> = {}) {
  return { ANTHROPIC_API_BASE: fake.url, ...awsEnvironment(bedrock), ...extra };
}

async function send(gateway: TestGateway, model = 'claude-sonnet-5-5', signal?: AbortSignal): Promise<Response> {
  return fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-shared' },
    body: JSON.stringify({ model, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    ...(signal === undefined ? {} : { signal }),
  });
}

async function streamed(gateway: TestGateway): Promise<Response> {
  return fetch(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-shared' },
    body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

describe('shared and persistent cooldowns', () => {
  it('two gateway instances sharing Redis honour one cooldown', async () => {
    const overrides = { 'store.cooldowns': 'redis' };
    const first = await startTestGateway(environment({ REDIS_URL: redis.url }), overrides);
    const second = await startTestGateway(environment({ REDIS_URL: redis.url }), overrides);
    try {
      fake.enqueue(rateLimited);
      expect((await send(first)).headers.get('x-gateway-provider')).toBe('bedrock');
      expect((await send(second)).headers.get('x-gateway-provider')).toBe('bedrock');
      expect(fake.requests).toHaveLength(1);
      expect(second.cooldowns.kind).toBe('redis');
    } finally {
      await first.resetCooldowns();
      await first.close();
      await second.close();
    }
  });

  it('a restarted gateway remembers its SQLite cooldowns', async () => {
    const overrides = { 'store.cooldowns': 'sqlite' };
    const before = await startTestGateway(environment({ GATEWAY_DATA_DIR: dataDir }), overrides);
    fake.enqueue(rateLimited);
    expect((await send(before)).headers.get('x-gateway-provider')).toBe('bedrock');
    await before.close();
    const after = await startTestGateway(environment({ GATEWAY_DATA_DIR: dataDir }), overrides);
    try {
      expect(after.cooldowns.kind).toBe('sqlite');
      expect((await send(after)).headers.get('x-gateway-provider')).toBe('bedrock');
      expect(fake.requests).toHaveLength(1);
    } finally {
      await after.resetCooldowns();
      await after.close();
    }
  });
});

describe('bounds when everything fails', () => {
  it('the retry budget caps fallbacks to about a fifth of the traffic, with a small minimum', async () => {
    const gateway = await startTestGateway(environment({ COOLDOWN_SECONDS: '0' }), { 'routing.retry_budget_minimum': 3 });
    try {
      fake.respondWith(() => ({ kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }));
      bedrock.respondWith(() => bedrockException('ServiceUnavailableException', 'busy'));
      const statuses: number[] = [];
      for (let index = 0; index < 20; index++) statuses.push((await send(gateway)).status);
      expect(statuses.every((status) => status === 529)).toBe(true);
      expect(fake.requests).toHaveLength(20);
      // 20 requests -> at most max(3, 20 * 0.2) = 4 extra attempts.
      expect(bedrock.requests.length).toBeGreaterThanOrEqual(3);
      expect(bedrock.requests.length).toBeLessThanOrEqual(4);
    } finally {
      await gateway.close();
    }
  });

  it('the deadline stops retries: a wait that runs to it ends with the failure as the answer', async () => {
    // The wait asked for (5 s) runs past the deadline (2 s): it is cut there, and no attempt follows.
    const gateway = await startTestGateway(environment({ RETRY_THRESHOLD_SECONDS: '10', MAX_RETRY_WAIT_SECONDS: '10' }), { 'routing.deadline_ms': 2_000, 'routing.retry_budget_minimum': 100 });
    try {
      fake.enqueue({ ...rateLimited, headers: { 'retry-after': '5' } });
      const response = await send(gateway);
      expect(response.status).toBe(429);
      expect(fake.requests).toHaveLength(1);
      expect(bedrock.requests).toHaveLength(0);
    } finally {
      await gateway.close();
    }
  });

  it('the deadline bounds an attempt in progress: its wait for headers is cut to the time left', async () => {
    const gateway = await startTestGateway(environment(), { 'routing.deadline_ms': 200, 'routing.retry_budget_minimum': 100 });
    try {
      fake.enqueue({ ...rateLimited, headers: { 'retry-after': '1' }, delayMs: 2_000 });
      const response = await send(gateway);
      expect(response.status).toBe(504);
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe('timeout_error');
      expect(bedrock.requests).toHaveLength(0);
    } finally {
      await gateway.close();
    }
  });

  it('an Anthropic that sends no headers in time moves on to Bedrock', async () => {
    const gateway = await startTestGateway(environment(), { 'anthropic.headers_timeout_ms': 300 });
    try {
      fake.enqueue({ kind: 'hang' });
      const response = await send(gateway);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-gateway-fallback')).toBe('timeout');
      expect(bedrock.requests).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });

  it('a stream whose first event does not come in time moves on to Bedrock', async () => {
    const gateway = await startTestGateway(environment(), { 'routing.first_event_timeout_ms': 300 });
    try {
      fake.enqueue({ kind: 'sse', items: [], then: 'hang' });
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-shared' },
        body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-gateway-fallback')).toBe('timeout');
      expect((await response.text()).includes('event: message_stop')).toBe(true);
      await fake.last().settled;
      expect(fake.last().aborted).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  it('a hung Bedrock target in the middle of the chain moves on after the first-event timeout (issue 11)', async () => {
    const routes = [{ match: 'claude-sonnet-5-5', targets: [{ provider: 'bedrock' }, { provider: 'anthropic' }] }];
    const gateway = await startTestGateway(environment(), { routes, 'routing.first_event_timeout_ms': 300 });
    try {
      bedrock.enqueue({ kind: 'hang' });
      const response = await streamed(gateway);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-gateway-provider')).toBe('anthropic');
      expect(response.headers.get('x-gateway-fallback')).toBe('timeout');
      expect((await response.text()).includes('event: message_stop')).toBe(true);
      expect(bedrock.requests).toHaveLength(1);
      await bedrock.last().settled;
      expect(bedrock.last().aborted).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  it('a Converse stream whose first frame is followed by a throttling exception falls back (issue 11)', async () => {
    const routes = [{ match: 'claude-sonnet-5-5', targets: [{ provider: 'bedrock', api: 'converse' }, { provider: 'anthropic' }] }];
    const gateway = await startTestGateway(environment(), { routes });
    try {
      bedrock.enqueue({ kind: 'event-stream', items: [{ converse: 'messageStart', payload: { role: 'assistant' } }, { exception: 'throttlingException', payload: { message: 'Too many requests' } }] });
      const response = await streamed(gateway);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-gateway-provider')).toBe('anthropic');
      expect(response.headers.get('x-gateway-fallback')).toBe('rate_limited');
      const text = await response.text();
      expect(text.includes('event: message_stop')).toBe(true);
      expect(text.includes('event: error')).toBe(false);
    } finally {
      await gateway.close();
    }
  });

  it('FORCE_RATE_LIMIT sends Claude traffic to Bedrock without calling Anthropic', async () => {
    const gateway = await startTestGateway(environment({ FORCE_RATE_LIMIT: 'true' }));
    try {
      const response = await send(gateway);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-gateway-fallback')).toBe('rate_limited');
      expect(fake.requests).toHaveLength(0);
      expect(bedrock.requests).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });

  it('the seeds’ DEFAULT_MODEL_MAPPING chooses the Bedrock model of the fallback', async () => {
    const mapping = { 'claude-sonnet-5-5': 'global.anthropic.claude-sonnet-5-5-team-v1:0' };
    const gateway = await startTestGateway(environment({ FORCE_RATE_LIMIT: 'true', DEFAULT_MODEL_MAPPING: JSON.stringify(mapping) }));
    try {
      expect((await send(gateway)).status).toBe(200);
      expect(bedrock.last().modelId).toBe('global.anthropic.claude-sonnet-5-5-team-v1:0');
    } finally {
      await gateway.close();
    }
  });

  it('a client leaving during the fallback attempt cancels the Bedrock call', async () => {
    const gateway = await startTestGateway(environment());
    try {
      fake.enqueue({ kind: 'json', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
      bedrock.enqueue({ kind: 'hang' });
      const controller = new AbortController();
      const pending = send(gateway, 'claude-sonnet-5-5', controller.signal).catch(() => undefined);
      for (let waited = 0; bedrock.requests.length === 0 && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      controller.abort();
      await pending;
      await bedrock.last().settled;
      expect(bedrock.last().aborted).toBe(true);
    } finally {
      await gateway.close();
    }
  });
});
