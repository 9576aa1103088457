import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { errorTypeForStatus } from '../../src/errors.ts';
import { useGatewayWithFake } from '../helpers/gateway.ts';

/** Bad input gets a clear Anthropic-shaped error, and nothing crashes the process. */

const context = useGatewayWithFake({});

async function send(path: string, body: Buffer | string | undefined, headers: Record<string, string> = {}, method = 'POST') {
  const response = await request(`${context.gateway.url}${path}`, { method: method as 'POST', headers: { 'x-api-key': 'k', 'content-type': 'application/json', ...headers }, body });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

function expectAnthropicError(response: { status: number; headers: Record<string, unknown>; text: string }, status: number, type: string) {
  expect(response.status).toBe(status);
  const body = JSON.parse(response.text) as { type: string; error: { type: string; message: string }; request_id: string };
  expect(body).toMatchObject({ type: 'error', error: { type } });
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.request_id).toMatch(/^req_/);
  expect(response.headers['request-id']).toBe(body.request_id);
}

describe('gateway-made errors', () => {
  it.each([
    ['GET', '/v1/nothing-here'],
    ['POST', '/v1/messages/batches'],
    ['GET', '/v1/messages'],
    ['DELETE', '/v1/models/x'],
    ['POST', '/user/alice/v2/messages'],
  ])('%s %s is a 404 not_found_error', async (method, path) => {
    expectAnthropicError(await send(path, method === 'GET' ? undefined : '{}', {}, method), 404, 'not_found_error');
    expect(context.fake.requests).toHaveLength(0);
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['a JSON array', '[{"model":"m"}]'],
    ['truncated JSON', '{"model":"m","messages":[{"role":"user"'],
    ['an empty body', ''],
  ])('a body that is %s is a 400 invalid_request_error', async (_name, body) => {
    expectAnthropicError(await send('/v1/messages', body), 400, 'invalid_request_error');
    expect(context.fake.requests).toHaveLength(0);
  });

  it.each([
    ['missing', '{"max_tokens":1,"messages":[]}', 'model: Field required'],
    ['not a string', '{"model":{"name":"x"},"max_tokens":1}', 'model: Input should be a valid string'],
  ])('a model that is %s is a 400 naming the field', async (_name, body, message) => {
    const response = await send('/v1/messages/count_tokens', body);
    expectAnthropicError(response, 400, 'invalid_request_error');
    expect(JSON.parse(response.text).error.message).toBe(message);
  });

  it('a top-level field named twice, escaped or not, is a 400 and nothing goes upstream (A4)', async () => {
    for (const body of [
      '{"model":"claude-haiku-4-5","mod\\u0065l":"claude-opus-4-8","max_tokens":1,"messages":[]}',
      '{"model":"claude-haiku-4-5","max_tokens":1,"messages":[],"model":"claude-opus-4-8"}',
      '{"model":"m","max_tokens":1,"m\\u0061x_tokens":64000,"messages":[]}',
    ]) {
      const response = await send('/v1/messages', body);
      expectAnthropicError(response, 400, 'invalid_request_error');
      expect(JSON.parse(response.text).error.message).toMatch(/appears more than once/);
    }
    expect(context.fake.requests).toHaveLength(0);
  });

  it('an escaped top-level key is read as the upstream reads it (A4)', async () => {
    const response = await send('/v1/messages', '{"mod\\u0065l":"claude-opus-4-8","max_tokens":1,"messages":[]}');
    expect(response.status).toBe(200);
    expect(response.headers['x-gateway-model']).toBe('claude-opus-4-8');
  });

  it.each([
    ['CR LF', 'claude-x\r\nset-cookie: a=b', 'claude-x%0D%0Aset-cookie:%20a=b'],
    ['NUL', 'claude-x\u0000', 'claude-x%00'],
    ['a snowman', 'claude-☃', 'claude-%E2%98%83'],
  ])('a model with %s is answered with the upstream answer and an encoded x-gateway-model (B10)', async (_name, model, header) => {
    for (const stream of [false, true]) {
      const response = await send('/v1/messages', JSON.stringify({ model, max_tokens: 1, stream, messages: [] }));
      expect(response.status).toBe(200);
      expect(response.headers['x-gateway-model']).toBe(header);
      expect(response.headers['set-cookie']).toBeUndefined();
    }
    expect(context.fake.requests).toHaveLength(2);
  });

  it('a model over 256 characters is a 400 before the upstream, and no log line echoes it (B10)', async () => {
    const logged = context.gateway.logs.length;
    for (const size of [257, 100_000, 5_000_000]) {
      const response = await send('/v1/messages', JSON.stringify({ model: 'm'.repeat(size), max_tokens: 1, messages: [] }));
      expectAnthropicError(response, 400, 'invalid_request_error');
      expect(response.text.length).toBeLessThan(1_000);
    }
    expect(context.fake.requests).toHaveLength(0);
    expect(Math.max(...context.gateway.logs.slice(logged).map((line) => line.length))).toBeLessThan(2_000);
  });

  it('an invalid user id is a 400', async () => {
    expectAnthropicError(await send(`/user/${'x'.repeat(200)}/v1/messages`, '{"model":"m"}'), 400, 'invalid_request_error');
    expectAnthropicError(await send('/user/a%20b/v1/messages', '{"model":"m"}'), 400, 'invalid_request_error');
  });

  it('a body over 32 MB is a 413 request_too_large, and the process stays up', async () => {
    const big = Buffer.alloc(32 * 1024 * 1024 + 1, 0x20);
    big.write('{"model":"m","x":"');
    const response = await send('/v1/messages', big);
    expectAnthropicError(response, 413, 'request_too_large');
    expect(context.fake.requests).toHaveLength(0);
    expect((await request(`${context.gateway.url}/health`)).statusCode).toBe(200);
  });

  it('a body of exactly 32 MB is accepted and forwarded', async () => {
    const prefix = '{"model":"m","max_tokens":1,"messages":[],"pad":"';
    const exact = Buffer.alloc(32 * 1024 * 1024, 0x61);
    exact.write(prefix);
    exact.write('"}', exact.length - 2);
    const response = await send('/v1/messages', exact);
    expect(response.status).toBe(200);
    expect(context.fake.last().body.length).toBe(exact.length);
  });

  it('a gzip bomb is a 413 with the Anthropic detail code', async () => {
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024, 0x20));
    const response = await send('/v1/messages', bomb, { 'content-encoding': 'gzip' });
    expectAnthropicError(response, 413, 'request_too_large');
    expect(JSON.parse(response.text).error.details).toEqual({ error_code: 'request_body_too_large_after_decoding' });
  });

  it('an unknown content-encoding is a 400 with the Anthropic detail code', async () => {
    const response = await send('/v1/messages', '{"model":"m"}', { 'content-encoding': 'compress' });
    expectAnthropicError(response, 400, 'invalid_request_error');
    expect(JSON.parse(response.text).error.details).toEqual({ error_code: 'request_body_encoding_unsupported' });
  });

  it('models named like Object.prototype members are forwarded, never a config hit or a 500', async () => {
    for (const model of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const response = await send('/v1/messages', JSON.stringify({ model, max_tokens: 1, messages: [] }));
      expect(response.status).toBe(200);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('oversized request headers are refused by the HTTP layer without crashing', async () => {
    const status = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(context.gateway.url).port), '127.0.0.1', () => {
        socket.write(`POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(64 * 1024)}\r\ncontent-length: 2\r\n\r\n{}`);
      });
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString();
      });
      socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
      // The server closes right after answering; unread request bytes can turn that into a reset.
      socket.on('error', () => resolve(data.split('\r\n')[0] ?? ''));
    });
    if (status !== '') expect(status).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect((await request(`${context.gateway.url}/health`)).statusCode).toBe(200);
  });
});

describe('fuzzing (F1)', () => {
  it('any body and content type gets a well-formed answer: forwarded, or an Anthropic error whose type matches its status', { timeout: 120_000 }, async () => {
    const bodies = fc.oneof(
      fc.string(),
      fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.record({ model: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString'), fc.jsonValue()), stream: fc.jsonValue(), messages: fc.jsonValue() }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
      fc.constant('{"__proto__":{"polluted":1},"model":"m"}'),
    );
    const paths = fc.constantFrom('/v1/messages', '/v1/messages?beta=true', '/v1/messages/count_tokens', '/user/fuzz/v1/messages');
    const contentTypes = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x');
    await fc.assert(
      fc.asyncProperty(bodies, paths, contentTypes, async (body, path, contentType) => {
        const response = await send(path, body, { 'content-type': contentType });
        if (response.status === 200) return;
        const parsed = JSON.parse(response.text) as { type: string; error: { type: string } };
        expect(parsed.type).toBe('error');
        expect(parsed.error.type).toBe(errorTypeForStatus(response.status));
        expect(response.headers['request-id']).toMatch(/^req_/);
      }),
      { numRuns: 300 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await request(`${context.gateway.url}/health`)).statusCode).toBe(200);
  });
});
