import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTables } from '../../src/store/dynamodb/accounting.ts';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { startDynalite } from '../helpers/dynalite.ts';
import { eventually } from '../helpers/gateway.ts';
import { launchCli, startCli } from '../helpers/process.ts';

/**
 * D18: what stops the gateway from starting is one clear line and a non-zero exit, never a stack
 * trace; a store it can start without (DynamoDB) makes it not ready until it can be reached.
 */

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs the gateway to its exit and returns what it printed (trimmed) and the exit code. */
async function failedStart(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const run = launchCli([], { PORT: '0', LOG_LEVEL: 'warn', BEDROCK_ENABLED: 'false', ...env });
  const code = await run.exit;
  return { code, lines: run.output().trim().split('\n') };
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'gateway-startup-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('start-up failures are one line and exit 1 (D18)', () => {
  let occupied: Server;
  let occupiedPort: number;
  beforeAll(async () => {
    occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    occupiedPort = (occupied.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => occupied.close(() => resolve())));

  const file = () => {
    const path = join(scratch, 'a-file');
    writeFileSync(path, 'not a directory');
    return path;
  };
  // Root may write anywhere a mode allows; /sys refuses even root.
  const unwritable = () => (process.getuid?.() === 0 ? '/sys/claude-gateway-test-data' : '/proc/claude-gateway-test-data');

  const cases: readonly (readonly [string, () => Promise<Record<string, string>> | Record<string, string>, RegExp])[] = [
    ['the port is in use', () => ({ GATEWAY_DATA_DIR: join(scratch, 'port'), PORT: String(occupiedPort) }), /^claude-gateway: cannot listen on 127\.0\.0\.1:\d+: the port is in use by another process \(choose another with PORT or --port\)\.$/],
    ['HOST does not resolve', () => ({ GATEWAY_DATA_DIR: join(scratch, 'host'), HOST: 'no-such-host.invalid' }), /^claude-gateway: cannot listen on no-such-host\.invalid: the host name does not resolve/],
    ['Redis cannot be reached', async () => ({ GATEWAY_DATA_DIR: join(scratch, 'redis'), REDIS_URL: `redis://:hunter2@127.0.0.1:${await freePort()}` }), /^claude-gateway: cannot connect to Redis at redis:\/\/\[redacted\]@127\.0\.0\.1:\d+: .*ECONNREFUSED/],
    // The user name and query values of the URL are redacted too, as in /debug (C14).
    ['Redis cannot be reached, a user and query secrets in its URL', async () => ({ GATEWAY_DATA_DIR: join(scratch, 'redis2'), REDIS_URL: `redis://hunter2-user:hunter2@127.0.0.1:${await freePort()}/0?password=hunter2-query` }), /^claude-gateway: cannot connect to Redis at redis:\/\/\[redacted\]@127\.0\.0\.1:\d+\/0\?password=\[redacted\]: .*ECONNREFUSED/],
    ['the data directory is a file', () => ({ GATEWAY_DATA_DIR: file() }), /^claude-gateway: cannot use the data directory .*a-file \(GATEWAY_DATA_DIR\): it, or a directory above it, is a file/],
    ['the data directory is below a file', () => ({ GATEWAY_DATA_DIR: join(file(), 'data') }), /^claude-gateway: cannot use the data directory .*a-file\/data \(GATEWAY_DATA_DIR\): it, or a directory above it, is a file/],
    ['the data directory cannot be written', () => ({ GATEWAY_DATA_DIR: unwritable() }), /^claude-gateway: cannot (write to|use) the data directory \/(sys|proc)\/claude-gateway-test-data \(GATEWAY_DATA_DIR\)/],
  ];
  for (const [name, env, expected] of cases) {
    it(name, { timeout: 30_000 }, async () => {
      const result = await failedStart(await env());
      expect(result.code).toBe(1);
      expect(result.lines).toHaveLength(1);
      expect(result.lines[0]).toMatch(expected);
      expect(result.lines[0]).not.toContain('hunter2');
    });
  }

  it('keys list on an unusable data directory says so in one line too', async () => {
    const run = launchCli(['keys', 'list'], { GATEWAY_DATA_DIR: file() });
    expect(await run.exit).toBe(1);
    expect(run.output().trim().split('\n')).toEqual([expect.stringMatching(/^claude-gateway: cannot use the data directory /)]);
  });
});

describe('STORE=dynamodb that cannot be reached (D18)', () => {
  it('starts not ready, says so in one line, answers /health 503 with the reason, and is ready once DynamoDB is', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const env = {
      GATEWAY_DATA_DIR: join(scratch, 'dynamo'),
      BEDROCK_ENABLED: 'false',
      STORE: 'dynamodb',
      DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`,
      DYNAMODB_TABLE_PREFIX: 'd18-',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDD18TEST',
      AWS_SECRET_ACCESS_KEY: 'd18-secret',
    };
    const gateway = await startCli(env);
    try {
      await eventually(() => gateway.output().includes('claude-gateway: not ready: '), 10_000);
      expect(gateway.output()).toMatch(/claude-gateway: not ready: the DynamoDB store cannot be reached: .+\. \/health answers 503 until it is resolved/);
      const down = await request(`${gateway.url}/health`);
      expect(down.statusCode).toBe(503);
      expect(await down.body.json()).toMatchObject({ status: 'not_ready', reason: expect.stringContaining('the DynamoDB store cannot be reached') });
      const live = await request(`${gateway.url}/health/live`);
      expect(live.statusCode).toBe(200);
      await live.body.dump();

      // DynamoDB comes up, without the tables yet: still not ready, now saying what to run.
      const dynamo = await startDynalite(port);
      try {
        const reasonNow = async () => {
          const response = await request(`${gateway.url}/health`);
          return { status: response.statusCode, body: (await response.body.json()) as { status: string; reason?: string } };
        };
        await expectEventually(async () => (await reasonNow()).body.reason?.includes('setup-tables') === true);
        await setupTables({ region: dynamo.region, endpoint: dynamo.endpoint, tablePrefix: 'd18-', credentials: dynamo.credentials });
        await expectEventually(async () => (await reasonNow()).status === 200);
        expect((await reasonNow()).body).toEqual({ status: 'ok' });
      } finally {
        await dynamo.stop();
      }
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exit;
    }
  });
});

describe('AUTH_MODE=keys without an upstream credential (D19)', () => {
  it('warns at start, and answers a valid key with the real cause, not "send x-api-key"', { timeout: 30_000 }, async () => {
    const fake = await FakeAnthropic.start();
    const master = 'sk-master-d19';
    const gateway = await startCli({ GATEWAY_DATA_DIR: join(scratch, 'd19'), BEDROCK_ENABLED: 'false', AUTH_MODE: 'keys', MASTER_API_KEY: master, ANTHROPIC_API_BASE: fake.url });
    try {
      await eventually(() => gateway.output().includes('no Anthropic credential is configured'), 10_000);
      expect(gateway.output()).toContain('ANTHROPIC_API_KEY');
      const created = await request(`${gateway.url}/admin/keys`, { method: 'POST', headers: { 'x-api-key': master, 'content-type': 'application/json' }, body: '{"user_id":"alice","name":"d19"}' });
      const { key } = (await created.body.json()) as { key: string };
      for (const headers of [{ 'x-api-key': key }, { authorization: `Bearer ${key}` }, { 'x-gateway-key': key }, { 'x-api-key': master }]) {
        const response = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"model":"claude-sonnet-5-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}' });
        expect(response.statusCode).toBe(500);
        const body = (await response.body.json()) as { error: { type: string; message: string } };
        expect(body.error.type).toBe('api_error');
        expect(body.error.message).toContain('The gateway has no Anthropic credential configured');
        expect(body.error.message).toContain('ANTHROPIC_API_KEY');
        expect(body.error.message).not.toMatch(/send x-api-key/i);
      }
      expect(fake.requests).toHaveLength(0);
    } finally {
      gateway.child.kill('SIGTERM');
      await gateway.exit;
      await fake.close();
    }
  });
});

function expectEventually(check: () => Promise<boolean>): Promise<void> {
  return eventually(check, 15_000, 100);
}
