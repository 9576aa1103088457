import { existsSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic, loadScenario } from '../fakes/anthropic.ts';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
import { eventually } from '../helpers/gateway.ts';
import { memoryOf, startCli, type StartedProcess } from '../helpers/process.ts';
import { openRaw, postHead, type RawConnection } from '../helpers/raw-http.ts';

/**
 * B7 and B8 against the real process: memory stays bounded under many concurrent large uploads
 * (authenticated or not), and slow, silent and idle connections are closed and capped while
 * /health keeps answering.
 */

const MIB = 1024 * 1024;
const MASTER = 'sk-master-resources-test';
const linux = existsSync('/proc/self/status');

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await FakeAnthropic.start();
});
afterAll(async () => fake.close());

async function stop(gateway: StartedProcess): Promise<void> {
  gateway.child.kill('SIGTERM');
  await gateway.exit;
}

/** Sends `body` as one upload on a raw socket; resolves with the status (if any) once the connection ends. */
async function upload(url: string, headers: Record<string, string>, body: Buffer): Promise<number | undefined> {
  const connection = await openRaw(url);
  await connection.write(postHead('/v1/messages', { 'content-length': String(body.length), ...headers }));
  await connection.write(body);
  connection.socket.end();
  const response = await connection.response;
  await connection.closed;
  return response?.status;
}

describe.runIf(linux)('memory under concurrent large uploads (B7)', () => {
  it('stays within the in-flight body budget, whether the uploads are authenticated or not', { timeout: 90_000 }, async () => {
    const budget = 48 * MIB;
    const gateway = await startCli({
      ANTHROPIC_API_BASE: fake.url,
      BEDROCK_ENABLED: 'false',
      AUTH_MODE: 'keys',
      MASTER_API_KEY: MASTER,
      USAGE_TRACKING_ENABLED: 'false',
      BODY_LIMIT_BYTES: String(16 * MIB),
      MAX_INFLIGHT_BODY_BYTES: String(budget),
    });
    try {
      const pid = gateway.child.pid as number;
      const before = memoryOf(pid, 'VmHWM');
      const body = Buffer.alloc(16 * MIB, 0x61);
      // 24 without a key and 24 with the master key: 768 MB offered at once.
      const uploads = Array.from({ length: 48 }, (_, index) => upload(gateway.url, index % 2 === 0 ? {} : { 'x-api-key': MASTER }, body));
      const statuses = await Promise.all(uploads);
      const peakGrowth = memoryOf(pid, 'VmHWM') - before;
      // Buffering them all took the process past 800 MB; the budget allows 48 MB of bodies
      // (each held once, plus the copy the JSON check makes), with room for everything else.
      expect(peakGrowth).toBeLessThan(budget * 3 + 64 * MIB);
      const seen = statuses.filter((status): status is number => status !== undefined);
      expect(seen).toContain(401);
      expect(seen.every((status) => [401, 529, 400].includes(status))).toBe(true);
      const health = await request(`${gateway.url}/health`);
      expect(health.statusCode).toBe(200);
      await health.body.dump();
    } finally {
      await stop(gateway);
    }
  });
});

describe('slow and idle connections (B8)', () => {
  let gateway: StartedProcess;
  const events = loadScenario('text', 'claude-sonnet-5-5');
  beforeAll(async () => {
    gateway = await startCli({
      ANTHROPIC_API_BASE: fake.url,
      BEDROCK_ENABLED: 'false',
      HEADERS_TIMEOUT_SECONDS: '1',
      CLIENT_REQUEST_TIMEOUT_SECONDS: '2',
      KEEP_ALIVE_TIMEOUT_SECONDS: '3',
      MAX_CONNECTIONS: '40',
    });
  });
  afterAll(async () => stop(gateway));

  it('closes a connection whose headers trickle in past the headers timeout', { timeout: 20_000 }, async () => {
    const connection = await openRaw(gateway.url);
    await connection.write('POST /v1/messages HTTP/1.1\r\nhost: gateway.test\r\n');
    for (let index = 0; index < 100 && !connection.isClosed(); index++) {
      await connection.write(`x-slow-${index}: 1\r\n`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Closed by the gateway, not by the loop running out (100 x 100 ms).
    expect(connection.isClosed()).toBe(true);
  });

  it('closes a connection whose body trickles in past the request timeout', { timeout: 20_000 }, async () => {
    const connection = await openRaw(gateway.url);
    await connection.write(postHead('/v1/messages', { 'x-api-key': 'sk-ant-client', 'content-length': '100000' }));
    for (let index = 0; index < 100 && !connection.isClosed(); index++) {
      await connection.write(' ');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(connection.isClosed()).toBe(true);
    const response = await connection.response;
    if (response !== undefined) expect(response.status).toBe(408);
    expect(fake.requests).toHaveLength(0);
  });

  it('keeps a kept-alive connection past the headers timeout, and answers a stream that lasts longer than the request timeout', { timeout: 20_000 }, async () => {
    const connection = await openRaw(gateway.url);
    await connection.write('GET /health HTTP/1.1\r\nhost: gateway.test\r\n\r\n');
    expect((await connection.response)?.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(connection.isClosed()).toBe(false);
    connection.socket.destroy();

    // The answer is not bounded by the time to receive the request: 2.5 s of stream.
    fake.enqueue({ kind: 'sse', items: [{ event: events[0] as { type: string } }, { delayMs: 2_500 }, ...events.slice(1).map((event) => ({ event }))] });
    const response = await request(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-ant-client', 'content-type': 'application/json' }, body: '{"model":"claude-sonnet-5-5","max_tokens":10,"stream":true,"messages":[]}' });
    const names = decodeSse(Buffer.from(await response.body.arrayBuffer())).map((event) => event.event);
    expect(names.at(-1)).toBe('message_stop');
  });

  it('caps idle connections, closing the oldest for new ones, and /health answers through a flood', { timeout: 30_000 }, async () => {
    const flood: RawConnection[] = [];
    for (let index = 0; index < 200; index++) flood.push(await openRaw(gateway.url));
    // At most the cap (40) stay open: every connection past it closed an older idle one.
    await eventually(() => flood.filter((connection) => !connection.isClosed()).length <= 40, 10_000);
    for (let attempt = 0; attempt < 5; attempt++) {
      const health = await request(`${gateway.url}/health`, { reset: true });
      expect(health.statusCode).toBe(200);
      await health.body.dump();
    }
    // The silent ones still open are closed by the headers timeout.
    await eventually(() => flood.every((connection) => connection.isClosed()), 10_000);
  });

  it('when every connection is busy, /health still answers and other requests get 529 overloaded_error', { timeout: 30_000 }, async () => {
    fake.respondWith(() => ({ kind: 'hang' }));
    const busy: RawConnection[] = [];
    try {
      const body = '{"model":"claude-sonnet-5-5","max_tokens":10,"messages":[]}';
      for (let index = 0; index < 40; index++) {
        const connection = await openRaw(gateway.url);
        await connection.write(postHead('/v1/messages', { 'x-api-key': 'sk-ant-client', 'content-length': String(body.length) }) + body);
        busy.push(connection);
      }
      await eventually(() => fake.requests.length >= 40, 10_000);
      const health = await request(`${gateway.url}/health`, { reset: true });
      expect(health.statusCode).toBe(200);
      await health.body.dump();
      const refused = await request(`${gateway.url}/v1/models`, { reset: true });
      expect(refused.statusCode).toBe(529);
      expect(await refused.body.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
      expect(refused.headers['request-id']).toMatch(/^req_/);
    } finally {
      for (const connection of busy) connection.socket.destroy();
      fake.reset();
    }
  });
});
