import { describe, expect, it } from 'vitest';
import { useGatewayWithFake } from '../helpers/gateway.ts';
import { rawRequest, type RawResponse } from '../helpers/raw-http.ts';

/**
 * What reaches the gateway as raw bytes (request targets, parser errors, malformed paths) gets
 * an Anthropic-shaped answer with a request id, and nothing odd is forwarded upstream.
 */

const context = useGatewayWithFake({});

function expectEnvelope(response: RawResponse, status: number, type: string): { message: string } {
  expect(response.statusLine).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
  const body = JSON.parse(response.body) as { type: string; error: { type: string; message: string }; request_id: string };
  expect(body).toMatchObject({ type: 'error', error: { type } });
  expect(body.request_id).toMatch(/^req_/);
  expect(response.headers['request-id']).toBe(body.request_id);
  return body.error;
}

const body = '{"model":"claude-haiku-4-5","max_tokens":1,"messages":[]}';

function post(target: string, extra = ''): string {
  return `POST ${target} HTTP/1.1\r\nHost: gateway\r\nx-api-key: sk-ant-client\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${extra}\r\n${body}`;
}

describe('request targets (C11)', () => {
  it('an origin-form target is forwarded', async () => {
    const response = await rawRequest(context.gateway.url, post('/v1/messages'));
    expect(response.statusLine).toMatch(/^HTTP\/1\.1 200 /);
    expect(context.fake.requests.map((request) => request.url)).toEqual(['/v1/messages']);
  });

  it.each([
    ['absolute-form', post('http://attacker.example:8443/v1/messages')],
    ['absolute-form with the gateway as host', post('http://127.0.0.1/v1/messages')],
    ['absolute-form, https', post('https://attacker.example/v1/messages?beta=true')],
    ['asterisk-form', 'OPTIONS * HTTP/1.1\r\nHost: gateway\r\nconnection: close\r\n\r\n'],
    ['authority-form', 'CONNECT attacker.example:443 HTTP/1.1\r\nHost: attacker.example:443\r\n\r\n'],
  ])('%s is a 400 in the Anthropic envelope, and nothing goes upstream', async (_name, bytes) => {
    const response = await rawRequest(context.gateway.url, bytes);
    expectEnvelope(response, 400, 'invalid_request_error');
    expect(context.fake.requests).toHaveLength(0);
  });
});

describe('a model id cannot move the forwarded path (C11, found by probing)', () => {
  const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: gateway\r\nx-api-key: sk-ant-client\r\nconnection: close\r\n\r\n`;

  it('an ordinary model id is forwarded', async () => {
    const response = await rawRequest(context.gateway.url, get('/v1/models/claude-haiku-5-5'));
    expect(response.statusLine).toMatch(/^HTTP\/1\.1 200 /);
    expect(context.fake.requests.map((request) => request.url)).toEqual(['/v1/models/claude-haiku-5-5']);
  });

  // A server upstream that decodes %2F or normalises dot segments would serve another route,
  // with the gateway's own credential in keys mode.
  it.each(['/v1/models/..', '/v1/models/%2e%2e', '/v1/models/..%2F..%2Fv1%2Ffiles', '/v1/models/a%5C..%5Cfiles', '/v1/models/%252e%252e%252ffiles', '/user/ann/v1/models/..%2Ffiles'])(
    '%s is a 400 and nothing goes upstream',
    async (target) => {
      const response = await rawRequest(context.gateway.url, get(target));
      expectEnvelope(response, 400, 'invalid_request_error');
      expect(context.fake.requests).toHaveLength(0);
    },
  );
});

describe('answers the router and the HTTP parser make (C15)', () => {
  it.each([
    ['a path with invalid percent-encoding', post('/user/%zz/v1/messages'), 400],
    ['a model id path with invalid percent-encoding', 'GET /v1/models/%zz HTTP/1.1\r\nHost: gateway\r\nconnection: close\r\n\r\n', 400],
    ['a user id over 256 characters', post(`/user/${'u'.repeat(300)}/v1/messages`), 400],
    ['a model id over 256 characters', `GET /v1/models/${'m'.repeat(300)} HTTP/1.1\r\nHost: gateway\r\nconnection: close\r\n\r\n`, 404],
    ['an invalid method', 'FOO{} /v1/messages HTTP/1.1\r\nHost: gateway\r\n\r\n', 400],
    ['an invalid header line', 'POST /v1/messages HTTP/1.1\r\nHost: gateway\r\nbad header\r\n\r\n', 400],
    ['a bare LF in a header value', 'GET /health HTTP/1.1\r\nHost: gateway\r\nx-a: b\nc\r\n\r\n', 400],
    ['two content-lengths that disagree', 'POST /v1/messages HTTP/1.1\r\nHost: gateway\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n{}', 400],
    ['headers over the size limit', `POST /v1/messages HTTP/1.1\r\nHost: gateway\r\nx-big: ${'a'.repeat(64 * 1024)}\r\ncontent-length: 2\r\n\r\n{}`, 431],
  ])('%s: Anthropic envelope and request-id', async (_name, bytes, status) => {
    const response = await rawRequest(context.gateway.url, bytes);
    expectEnvelope(response, status, status === 404 ? 'not_found_error' : 'invalid_request_error');
    expect(context.fake.requests).toHaveLength(0);
  });
});
