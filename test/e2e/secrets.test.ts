import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { storeKey } from '../helpers/keys.ts';

/**
 * C12: nothing that is or contains the master key or a gateway key leaves the gateway, in any
 * auth mode and any header shape, and a credential header sent twice is a 400. Requests are
 * written on raw sockets, so repeated headers really arrive as repeated lines; the fake
 * upstream's record of every header it received is what is checked.
 */

const MASTER = 'master-canary-0c41-never-forward';
const GATEWAY_OWN = 'sk-ant-api03-gateway-own-c12';
const CLIENT = 'sk-ant-api03-client-c12';
const body = '{"model":"claude-haiku-4-5","max_tokens":1,"messages":[]}';

function post(headerLines: readonly string[], target = '/v1/messages'): string {
  return [`POST ${target} HTTP/1.1`, 'Host: gateway', 'content-type: application/json', `content-length: ${body.length}`, 'connection: close', ...headerLines, '', body].join('\r\n');
}

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await FakeAnthropic.start();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe.each(['passthrough', 'keys', 'both'] as const)('AUTH_MODE=%s', (mode) => {
  let gateway: TestGateway;
  let key: string;
  beforeAll(async () => {
    gateway = await startTestGateway({ ANTHROPIC_API_BASE: fake.url, BEDROCK_ENABLED: 'false', AUTH_MODE: mode, MASTER_API_KEY: MASTER, ANTHROPIC_API_KEY: GATEWAY_OWN });
    ({ key } = await storeKey(gateway.accounting, { userId: 'ann', name: 'c12' }));
  });
  afterAll(async () => gateway.close());

  /** The headers an ordinary, accepted request of this mode carries. */
  const own = (): string[] => (mode === 'passthrough' ? [`x-api-key: ${CLIENT}`] : mode === 'keys' ? [`x-api-key: ${key}`] : [`x-api-key: ${CLIENT}`, `x-gateway-key: ${key}`]);

  function expectNothingLeft(): void {
    for (const recorded of fake.requests) {
      const sent = recorded.rawHeaders.join('\n');
      expect(sent).not.toContain(MASTER);
      expect(sent).not.toContain('sk-gw-');
      const basicValues = recorded.rawHeaders.filter((value, index) => index % 2 === 1 && /^basic /i.test(value));
      for (const value of basicValues) expect(Buffer.from(value.slice(6), 'base64').toString('utf8')).not.toMatch(new RegExp(`${MASTER}|sk-gw-`));
    }
  }

  it('an ordinary request is forwarded with exactly one credential', async () => {
    const response = await rawRequest(gateway.url, post(own()));
    expect(response.statusLine).toMatch(/ 200 /);
    const sent = fake.last();
    expect(sent.headers['x-api-key']).toBe(mode === 'keys' ? GATEWAY_OWN : CLIENT);
    expect(sent.rawHeaders.filter((name, index) => index % 2 === 0 && ['x-api-key', 'authorization'].includes(name.toLowerCase()))).toHaveLength(1);
    expectNothingLeft();
  });

  it.each([
    ['a raw Authorization with the master key', () => [`Authorization: ${MASTER}`]],
    ['Basic with the master key as password', () => [`Authorization: ${basic(`admin:${MASTER}`)}`]],
    ['Basic with a gateway key as user', () => [`Authorization: ${basic(`${key}:`)}`]],
    ['a raw Authorization with a gateway key', () => [`Authorization: ${key}`]],
    ['the master key in another header', () => [`x-trace: before ${MASTER} after`]],
    ['a gateway key in another header', () => [`anthropic-beta: tools-2024-04-04,${key}`]],
  ])('%s never reaches the upstream, alone or beside the usual credentials', async (_name, extra) => {
    for (const lines of [extra(), [...own(), ...extra()]]) {
      const response = await rawRequest(gateway.url, post(lines));
      expect(response.statusLine).toMatch(/ (200|400|401) /);
    }
    expectNothingLeft();
  });

  it.each([
    ['x-api-key twice', () => [`x-api-key: ${CLIENT}`, `x-api-key: ${key}`, ...(mode === 'both' ? [`x-gateway-key: ${key}`] : [])]],
    ['Authorization twice', () => [...own(), `Authorization: Bearer ${CLIENT}`, `Authorization: Bearer ${key}`]],
    ['the gateway key header twice', () => [...own(), `x-gateway-key: ${key}`, `x-gateway-key: ${key}`]],
    ['comma-joined credentials in one x-api-key', () => [`x-api-key: ${CLIENT}, ${key}`]],
  ])('%s is a 400 and nothing goes upstream', async (_name, lines) => {
    const response = await rawRequest(gateway.url, post(lines()));
    expect(response.statusLine).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(response.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(response.headers['request-id']).toMatch(/^req_/);
    expect(fake.requests).toHaveLength(0);
  });

  // The request target is forwarded too (the query string is kept, /v1/models/{id} is passed on):
  // a secret there must not leave either, percent-encoded or not (found by probing).
  it.each([
    ['the query string', (secret: string) => `/v1/messages?api_key=${secret}`],
    ['a percent-encoded query string', (secret: string) => `/v1/messages?k=${[...secret].map((character) => `%${character.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')}`],
    ['a double-encoded query string', (secret: string) => `/v1/messages/count_tokens?k=${encodeURIComponent(encodeURIComponent(secret).replaceAll('-', '%2D'))}`],
    ['a model id in the path', (secret: string) => `/v1/models/${secret}`],
  ])('a gateway key or the master key in %s is a 400 and never reaches the upstream', async (_name, target) => {
    for (const secret of [key, MASTER]) {
      const path = target(secret);
      const request = path.startsWith('/v1/models/') ? post(own(), path).replace('POST ', 'GET ') : post(own(), path);
      const response = await rawRequest(gateway.url, request);
      expect(response.statusLine).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(response.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      expect(response.headers['request-id']).toMatch(/^req_/);
    }
    expect(fake.requests).toHaveLength(0);
  });
});
