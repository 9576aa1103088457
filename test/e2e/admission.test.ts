import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { eventually, useGatewayWithFake } from '../helpers/gateway.ts';
import { openRaw, postHead } from '../helpers/raw-http.ts';

/**
 * B7: a request is authenticated and rate-limited from its headers, before its body is read,
 * and the bytes of all bodies in flight are bounded by one budget (529 past it).
 */

const MASTER = 'sk-master-admission-test';
const context = useGatewayWithFake(
  { AUTH_MODE: 'keys', MASTER_API_KEY: MASTER, ANTHROPIC_API_KEY: 'sk-ant-gateway' },
  { 'server.body_limit_bytes': 1_000_000, 'server.max_inflight_body_bytes': 1_500_000 },
);

const message = JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });

async function metric(name: string): Promise<number> {
  const text = await (await request(`${context.gateway.url}/metrics`)).body.text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match === null ? Number.NaN : Number(match[1]);
}

async function createKey(fields: Record<string, unknown>): Promise<string> {
  const response = await request(`${context.gateway.url}/admin/keys`, { method: 'POST', headers: { 'x-api-key': MASTER, 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 'alice', name: 'admission', ...fields }) });
  expect(response.statusCode).toBe(201);
  return ((await response.body.json()) as { key: string }).key;
}

describe('admission before the body (B7)', () => {
  it('answers a request without a key 401 from its headers alone, and closes the connection', async () => {
    for (const path of ['/v1/messages', '/user/alice/v1/messages', '/v1/messages/count_tokens', '/admin/keys']) {
      const connection = await openRaw(context.gateway.url);
      // The body is announced but never sent: the answer cannot have waited for it.
      await connection.write(postHead(path, { 'content-length': '900000' }));
      const response = await connection.response;
      expect(response?.status).toBe(401);
      expect(response?.headers['connection']).toBe('close');
      expect(response?.headers['request-id']).toMatch(/^req_/);
      expect(JSON.parse(response?.body ?? '{}')).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      await connection.closed;
    }
    expect(context.fake.requests).toHaveLength(0);
  });

  it('answers Expect: 100-continue only once the request is admitted: a refused client never uploads', async () => {
    const received = (connection: Awaited<ReturnType<typeof openRaw>>) => {
      let text = '';
      connection.socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      return () => text;
    };
    const refused = await openRaw(context.gateway.url);
    const refusedText = received(refused);
    await refused.write(postHead('/v1/messages', { 'x-api-key': 'sk-gw-not-a-key', expect: '100-continue', 'content-length': String(message.length) }));
    await refused.closed;
    expect(refusedText()).toMatch(/^HTTP\/1\.1 401 /);
    expect(refusedText()).not.toContain('100 Continue');

    context.fake.enqueue({ kind: 'json', body: { id: 'msg_c', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } });
    const admitted = await openRaw(context.gateway.url);
    const admittedText = received(admitted);
    await admitted.write(postHead('/v1/messages', { 'x-api-key': MASTER, expect: '100-continue', 'content-length': String(message.length) }));
    await expectEventually(async () => admittedText().startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
    await admitted.write(message);
    await expectEventually(async () => /HTTP\/1\.1 200 /.test(admittedText()));
    admitted.socket.destroy();
  });

  it('answers an unknown route 404 without reading the body', async () => {
    const connection = await openRaw(context.gateway.url);
    await connection.write(postHead('/v1/nothing-here', { 'x-api-key': MASTER, 'content-length': '900000' }));
    const response = await connection.response;
    expect(response?.status).toBe(404);
    expect(response?.headers['connection']).toBe('close');
    await connection.closed;
  });

  it('refuses a key over its requests-per-minute limit from the headers', async () => {
    const key = await createKey({ rpm_limit: 1 });
    context.fake.enqueue({ kind: 'json', body: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } });
    const first = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: message });
    expect(first.statusCode).toBe(200);
    await first.body.dump();
    const connection = await openRaw(context.gateway.url);
    await connection.write(postHead('/v1/messages', { 'x-api-key': key, 'content-length': '900000' }));
    const response = await connection.response;
    expect(response?.status).toBe(429);
    expect(JSON.parse(response?.body ?? '{}')).toMatchObject({ error: { type: 'rate_limit_error' } });
    expect(response?.headers['retry-after']).toBeDefined();
    await connection.closed;
  });

  it('refuses at once, with 529, a body whose Content-Length does not fit the bytes left in flight; the bytes come back when the holder ends', async () => {
    // A declared length holds nothing until its bytes arrive: a slow sender cannot starve the others.
    const holder = await openRaw(context.gateway.url);
    await holder.write(postHead('/v1/messages', { 'x-api-key': MASTER, 'content-length': '1000000' }));
    await holder.write('{"model":');
    await expectEventually(async () => (await metric('gateway_request_body_bytes_in_flight')) === 9);
    context.fake.enqueue({ kind: 'json', body: { id: 'msg_0', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } });
    const fits = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': MASTER, 'content-type': 'application/json' }, body: `${message}${' '.repeat(990_000 - message.length)}` });
    expect(fits.statusCode).toBe(200);
    await fits.body.dump();
    await holder.write(Buffer.alloc(900_000, 0x20));
    await expectEventually(async () => (await metric('gateway_request_body_bytes_in_flight')) === 900_009);

    const refused = await openRaw(context.gateway.url);
    let statusLine = '';
    refused.socket.once('data', (chunk: Buffer) => (statusLine = chunk.toString('latin1').split('\r\n')[0] ?? ''));
    await refused.write(postHead('/v1/messages', { 'x-api-key': MASTER, 'content-length': '600000' }));
    const response = await refused.response;
    expect(response?.status).toBe(529);
    expect(statusLine).toBe('HTTP/1.1 529 Overloaded');
    expect(response?.headers['connection']).toBe('close');
    expect(response?.headers['retry-after']).toBe('1');
    expect(JSON.parse(response?.body ?? '{}')).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });

    // A chunked body is counted as it arrives and refused when it would cross the budget.
    const chunked = await openRaw(context.gateway.url);
    await chunked.write(postHead('/v1/messages', { 'x-api-key': MASTER, 'transfer-encoding': 'chunked' }));
    const piece = Buffer.alloc(200_000, 0x20);
    for (let sent = 0; sent < 4 && !chunked.isClosed(); sent++) await chunked.write(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
    const chunkedResponse = await chunked.response;
    expect(chunkedResponse?.status).toBe(529);
    await chunked.closed;

    holder.socket.destroy();
    await expectEventually(async () => (await metric('gateway_request_body_bytes_in_flight')) === 0);
    context.fake.enqueue({ kind: 'json', body: { id: 'msg_2', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } });
    const after = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': MASTER, 'content-type': 'application/json' }, body: message });
    expect(after.statusCode).toBe(200);
    await after.body.dump();
    expect(await metric('gateway_request_body_bytes_in_flight')).toBe(0);
  });

  it('a body over the limit is refused from its Content-Length, before it is read', async () => {
    const connection = await openRaw(context.gateway.url);
    await connection.write(postHead('/v1/messages', { 'x-api-key': MASTER, 'content-length': '1000001' }));
    const response = await connection.response;
    expect(response?.status).toBe(413);
    expect(JSON.parse(response?.body ?? '{}')).toMatchObject({ error: { type: 'request_too_large' } });
  });
});

function expectEventually(check: () => Promise<boolean>): Promise<void> {
  return eventually(check, 5_000, 10);
}
