import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
import { FakeAnthropic, loadScenario } from '../fakes/anthropic.ts';
import { FakeBedrock } from '../fakes/bedrock.ts';
import { eventually } from '../helpers/gateway.ts';
import { startRedisServer } from '../helpers/redis-server.ts';
import { launchCli, startCli } from '../helpers/process.ts';

/** The `claude-gateway` command as a real process: help, configuration errors, start, SIGTERM drain. */

const launch = (args: string[], env: Record<string, string>) => launchCli(args, env);
const start = (env: Record<string, string>) => startCli(env);

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await FakeAnthropic.start();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

describe('claude-gateway command', () => {
  it('--help documents the options and every environment variable', async () => {
    const run = launch(['--help'], {});
    expect(await run.exit).toBe(0);
    for (const text of ['--config FILE', 'ANTHROPIC_BASE_URL=http://127.0.0.1:8080 claude', 'ANTHROPIC_API_BASE', 'CLAUDE_CODE_OAUTH_TOKEN', 'PROXY_PORT', 'GATEWAY_CONFIG', 'DRAIN_TIMEOUT_SECONDS']) {
      expect(run.output()).toContain(text);
    }
  });

  it('a mistyped command or option is one line pointing at --help, exit 2', async () => {
    for (const args of [['help'], ['--bogus']]) {
      const run = launch(args, {});
      expect(await run.exit).toBe(2);
      expect(run.output().trim().split('\n')).toHaveLength(1);
      expect(run.output()).toContain('See claude-gateway --help.');
    }
  });

  it('warns that Bedrock is open to every client when it listens beyond loopback, unless Bedrock is off', async () => {
    for (const [env, warned] of [[{}, true], [{ BEDROCK_ENABLED: 'false' }, false]] as const) {
      const started = await start({ HOST: '0.0.0.0', ANTHROPIC_API_BASE: fake.url, ...env });
      if (warned) await eventually(() => started.output().includes('can use the gateway’s AWS credentials'), 10_000);
      started.child.kill('SIGTERM');
      await started.exit;
      expect(started.output().includes('can use the gateway’s AWS credentials')).toBe(warned);
    }
  });

  it('refuses invalid configuration with every problem and exit code 2', async () => {
    const run = launch([], { PORT: 'eighty', LOG_LEVEL: 'chatty' });
    expect(await run.exit).toBe(2);
    expect(run.output()).toContain('server.port: ');
    expect(run.output()).toContain('(from environment variable PORT)');
    expect(run.output()).toContain('log.level: ');
  });

  it('starts with zero configuration and prints where it listens and how to use it', async () => {
    const gateway = await start({});
    try {
      expect(gateway.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\. Point Claude Code at it: ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+ claude/);
      const hello = await request(`${gateway.url}/api/hello`, { method: 'HEAD' });
      expect(hello.statusCode).toBe(200);
      const debug = (await (await request(`${gateway.url}/debug`)).body.json()) as { config: { anthropic: { base_url: string } } };
      expect(debug.config.anthropic.base_url).toBe('https://api.anthropic.com');
    } finally {
      gateway.child.kill('SIGTERM');
      expect(await gateway.exit).toBe(0);
    }
  });
});

describe('two gateway processes', () => {
  it('sharing Redis honour one cooldown', async () => {
    const redis = await startRedisServer();
    const bedrock = await FakeBedrock.start();
    const env = { ANTHROPIC_API_BASE: fake.url, REDIS_URL: redis.url, BEDROCK_ENDPOINT: bedrock.url, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: bedrock.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: bedrock.credentials.secretAccessKey };
    const first = await start(env);
    const second = await start(env);
    try {
      fake.enqueue({ kind: 'json', status: 429, headers: { 'retry-after': '120' }, body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } } });
      const body = '{"model":"claude-sonnet-5-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}';
      const viaFirst = await request(`${first.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body });
      expect(viaFirst.headers['x-gateway-provider']).toBe('bedrock');
      await viaFirst.body.dump();
      const viaSecond = await request(`${second.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body });
      expect(viaSecond.statusCode).toBe(200);
      expect(viaSecond.headers['x-gateway-provider']).toBe('bedrock');
      expect(viaSecond.headers['x-gateway-fallback']).toBeUndefined();
      await viaSecond.body.dump();
      expect(fake.requests).toHaveLength(1);
      expect(bedrock.requests).toHaveLength(2);
    } finally {
      first.child.kill('SIGTERM');
      second.child.kill('SIGTERM');
      await Promise.all([first.exit, second.exit]);
      await bedrock.close();
      await redis.stop();
    }
  });
});

describe('SIGTERM drain', () => {
  const events = loadScenario('text', 'claude-sonnet-5-5');
  const body = '{"model":"claude-sonnet-5-5","max_tokens":10,"stream":true,"messages":[]}';

  it('lets an in-flight stream finish, refuses new connections, then exits 0', async () => {
    const gateway = await start({ ANTHROPIC_API_BASE: fake.url, DRAIN_TIMEOUT_SECONDS: '10' });
    fake.enqueue({ kind: 'sse', items: [{ event: events[0] as { type: string } }, { delayMs: 400 }, ...events.slice(1).map((event) => ({ event }))] });
    const response = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body });
    const chunks: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of response.body) chunks.push(chunk as Buffer);
    })();
    await eventually(() => chunks.length > 0);
    gateway.child.kill('SIGTERM');
    await eventually(() => gateway.output().includes('draining') || gateway.child.exitCode !== null, 5_000).catch(() => undefined);
    await expect(request(`${gateway.url}/health`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await reading;
    const names = decodeSse(Buffer.concat(chunks)).map((event) => event.event);
    expect(names.at(-1)).toBe('message_stop');
    expect(names).not.toContain('error');
    expect(await gateway.exit).toBe(0);
  });

  it('at the deadline ends a committed stream with one overloaded_error event and an uncommitted request with a 529', async () => {
    const gateway = await start({ ANTHROPIC_API_BASE: fake.url, DRAIN_TIMEOUT_SECONDS: '0.3' });
    fake.respondWith((recorded) => {
      if (recorded.headers['x-fake-scenario'] === 'headers-only') return { kind: 'sse', items: [], then: 'hang' };
      return recorded.body.includes('"stream":true') ? { kind: 'sse', items: [{ event: events[0] as { type: string } }], then: 'hang' } : { kind: 'hang' };
    });
    const streaming = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body });
    const chunks: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of streaming.body) chunks.push(chunk as Buffer);
    })();
    await eventually(() => chunks.length > 0);
    const waiting = request(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: '{"model":"m","max_tokens":1,"messages":[]}' });
    // A stream whose upstream sent headers but no event yet: not committed, so also a 529.
    const uncommitted = request(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k', 'x-fake-scenario': 'headers-only' }, body });
    await eventually(() => fake.requests.length === 3);
    gateway.child.kill('SIGTERM');
    await reading;
    const received = decodeSse(Buffer.concat(chunks));
    expect(received.map((event) => event.event)).toEqual(['message_start', 'error']);
    expect(JSON.parse(received[1]?.data ?? '{}')).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    for (const pending of [waiting, uncommitted]) {
      const refused = await pending;
      expect(refused.statusCode).toBe(529);
      expect(await refused.body.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    }
    expect(await gateway.exit).toBe(0);
    expect(fake.requests.every((recorded) => recorded.aborted)).toBe(true);
  });
});
