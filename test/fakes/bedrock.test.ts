import sts from '@aws-sdk/nested-clients/sts';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accumulate } from '../../src/anthropic/accumulate.ts';
import type { MessageStreamEvent } from '../../src/anthropic/types.ts';
import { EventStreamDecoder, headerString, type EventStreamMessage } from '../../src/providers/bedrock/event-stream.ts';
import { bearerSigner, sigV4Signer, type RequestSigner } from '../../src/providers/bedrock/signing.ts';
import { loadConverseResponse, loadConverseStream } from '../fixtures/bedrock/converse.ts';
import { loadScenario, sseOf } from './anthropic.ts';
import { anthropicModelName, bedrockException, exampleCredentials, FakeBedrock, invokeScenario, scenarioFor } from './bedrock.ts';
import { chunkFrame, eventFrame, exceptionFrame } from './event-stream.ts';

const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const HAIKU_PATH = `/model/${encodeURIComponent(HAIKU)}`;
const INVALID_SIGNATURE = 'InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/';

let fake: FakeBedrock;
beforeAll(async () => {
  fake = await FakeBedrock.start({ apiKey: 'bedrock-api-key-123' });
});
afterAll(async () => fake.close());
afterEach(() => fake.reset());

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly bytes: Buffer;
  json(): Record<string, unknown>;
}

interface CallOptions {
  readonly body?: string | object;
  readonly headers?: Record<string, string>;
  readonly signer?: RequestSigner;
  /** Replace the body after signing. */
  readonly sendBody?: string;
  readonly method?: string;
}

async function call(path: string, options: CallOptions = {}): Promise<Answer> {
  const url = new URL(path, fake.url);
  const body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body ?? { max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] });
  const signer = options.signer ?? sigV4Signer(fake.region, exampleCredentials);
  const method = options.method ?? 'POST';
  const headers = await signer({ method, url, headers: { 'content-type': 'application/json', ...options.headers }, body });
  const response = await request(url, { method, headers, body: options.sendBody ?? body });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, bytes, json: () => JSON.parse(bytes.toString('utf8')) as Record<string, unknown> };
}

interface DecodedFrame {
  readonly headers: Record<string, string | undefined>;
  /** The JSON payload without `p` padding; a chunk's base64 `bytes` decoded. */
  readonly payload: unknown;
}

function describeFrame(message: EventStreamMessage): DecodedFrame {
  const names = [':message-type', ':event-type', ':exception-type', ':content-type'];
  const headers = Object.fromEntries(names.map((name) => [name, headerString(message, name)]).filter(([, value]) => value !== undefined));
  const { p: _padding, ...payload } = JSON.parse(Buffer.from(message.body).toString('utf8')) as Record<string, unknown>;
  if (headers[':event-type'] === 'chunk') return { headers, payload: JSON.parse(Buffer.from(payload.bytes as string, 'base64').toString('utf8')) };
  return { headers, payload };
}

function decodeFrames(bytes: Buffer, pieceSize = bytes.length): DecodedFrame[] {
  const decoder = new EventStreamDecoder();
  const messages: EventStreamMessage[] = [];
  for (let offset = 0; offset < bytes.length; offset += pieceSize) messages.push(...decoder.push(bytes.subarray(offset, offset + pieceSize)));
  decoder.end();
  return messages.map(describeFrame);
}

const eventHeaders = (type: string) => ({ ':message-type': 'event', ':event-type': type, ':content-type': 'application/json' });

describe('SigV4 from the gateway signer', () => {
  it('accepts a signed InvokeModel and records the decoded model id', async () => {
    const answer = await call(`${HAIKU_PATH}/invoke`);
    expect(answer.status).toBe(200);
    expect(fake.last()).toMatchObject({ operation: 'invoke', modelId: HAIKU, path: `${HAIKU_PATH}/invoke`, auth: 'sigv4', signatureValid: true, authError: undefined });
    expect(fake.last().url).toContain('v1%3A0');
    expect(fake.last().json).toEqual({ max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('checks the session token when one is configured', async () => {
    const withToken = await FakeBedrock.start({ region: 'eu-west-1', credentials: { ...exampleCredentials, sessionToken: 'session-token-1' } });
    try {
      const url = new URL(`${HAIKU_PATH}/converse`, withToken.url);
      const body = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }] });
      const send = async (signer: RequestSigner) => {
        const response = await request(url, { method: 'POST', headers: await signer({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body }), body });
        return { status: response.statusCode, errorType: response.headers['x-amzn-errortype'], body: await response.body.text() };
      };
      expect((await send(sigV4Signer('eu-west-1', { ...exampleCredentials, sessionToken: 'session-token-1' }))).status).toBe(200);
      expect(withToken.last()).toMatchObject({ auth: 'sigv4', signatureValid: true });
      for (const credentials of [exampleCredentials, { ...exampleCredentials, sessionToken: 'another-token' }]) {
        expect(await send(sigV4Signer('eu-west-1', credentials))).toEqual({
          status: 403,
          errorType: 'UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/',
          body: '{"message":"The security token included in the request is invalid."}',
        });
      }
    } finally {
      await withToken.close();
    }
  });

  it.each([
    ['a tampered body', { sendBody: '{"max_tokens":17}' }, 'The request signature we calculated does not match the signature you provided.'],
    ['a wrong secret', { signer: sigV4Signer('us-east-1', { ...exampleCredentials, secretAccessKey: 'not-the-secret' }) }, 'The request signature we calculated does not match'],
    ['a wrong region', { signer: sigV4Signer('us-west-2', exampleCredentials) }, "Credential should be scoped to a valid region, not 'us-west-2'."],
    ['another service name', { signer: sigV4Signer('us-east-1', exampleCredentials, 'bedrock-runtime') }, "Credential should be scoped to correct service: 'bedrock'."],
  ])('refuses %s with 403 InvalidSignatureException', async (_name, options, message) => {
    fake.enqueue(bedrockException('ThrottlingException', 'queued for the next accepted request'));
    const answer = await call(`${HAIKU_PATH}/invoke`, options);
    expect(answer.status).toBe(403);
    expect(answer.headers['x-amzn-errortype']).toBe(INVALID_SIGNATURE);
    expect(answer.json().message).toContain(message);
    expect(fake.last()).toMatchObject({ auth: 'sigv4', signatureValid: false });
    // A refused request does not consume the queued step.
    expect((await call(`${HAIKU_PATH}/invoke`)).status).toBe(429);
  });

  it('refuses an unknown access key with UnrecognizedClientException and no credentials with MissingAuthenticationTokenException', async () => {
    const unknown = await call(`${HAIKU_PATH}/invoke`, { signer: sigV4Signer('us-east-1', { ...exampleCredentials, accessKeyId: 'AKIDUNKNOWN' }) });
    expect([unknown.status, unknown.headers['x-amzn-errortype'], unknown.json()]).toEqual([
      403,
      'UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/',
      { message: 'The security token included in the request is invalid.' },
    ]);
    const anonymous = await call(`${HAIKU_PATH}/invoke`, { signer: async (unsigned) => ({ ...unsigned.headers }) });
    expect([anonymous.status, anonymous.headers['x-amzn-errortype'], anonymous.json()]).toEqual([
      403,
      'MissingAuthenticationTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/',
      { message: 'Missing Authentication Token' },
    ]);
    expect(fake.last()).toMatchObject({ auth: 'none', signatureValid: false });
  });
});

describe('SigV4 from SignatureV4 used directly, not through the gateway signer', () => {
  const signer = new SignatureV4({ credentials: exampleCredentials, region: 'us-east-1', service: 'bedrock', sha256: Hash.bind(null, 'sha256') });

  async function send(options: { signedPath: string; sentPath?: string; query?: Record<string, string>; sentQuery: string; headers?: Record<string, string>; afterSigning?: Record<string, string>; signingDate?: Date }) {
    const url = new URL(fake.url);
    const body = '{"anthropic_version":"bedrock-2023-05-31","max_tokens":8,"messages":[{"role":"user","content":"h\u00e9 \u4e16"}]}';
    const signed = await signer.sign(
      { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: options.signedPath, query: options.query ?? {}, headers: { host: url.host, 'content-type': 'application/json', ...options.headers }, body },
      options.signingDate === undefined ? {} : { signingDate: options.signingDate },
    );
    const target = `${fake.url}${options.sentPath ?? options.signedPath}${options.sentQuery}`;
    const response = await request(target, { method: 'POST', headers: { ...signed.headers, ...options.afterSigning }, body });
    return { status: response.statusCode, body: await response.body.text() };
  }

  it.each([
    ['an inference-profile id with %3A', { signedPath: `${HAIKU_PATH}/invoke`, sentQuery: '' }],
    ['an ARN with %3A and %2F', { signedPath: `/model/${encodeURIComponent('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc')}/converse`, sentQuery: '' }],
    ['query parameters out of order, one with a space and a colon', { signedPath: `${HAIKU_PATH}/invoke`, query: { b: '2', a: 'x y:z' }, sentQuery: '?b=2&a=x%20y%3Az' }],
    ['signed Bedrock headers', { signedPath: `${HAIKU_PATH}/invoke`, sentQuery: '', headers: { 'x-amzn-bedrock-service-tier': 'priority', 'x-amzn-bedrock-trace': 'ENABLED', accept: 'application/json' } }],
    ['an unsigned header added after signing', { signedPath: `${HAIKU_PATH}/invoke`, sentQuery: '', afterSigning: { 'user-agent': 'added-later/1.0' } }],
  ])('accepts %s', async (_name, options) => {
    expect((await send(options)).status).toBe(200);
    expect(fake.last()).toMatchObject({ auth: 'sigv4', signatureValid: true });
  });

  it.each([
    ['the path signed decoded but sent encoded (no double encoding)', { signedPath: `/model/${HAIKU}/invoke`, sentPath: `${HAIKU_PATH}/invoke`, sentQuery: '' }],
    ['a signed header changed after signing', { signedPath: `${HAIKU_PATH}/invoke`, sentQuery: '', headers: { 'x-amzn-bedrock-service-tier': 'flex' }, afterSigning: { 'x-amzn-bedrock-service-tier': 'priority' } }],
    ['a query parameter that was not signed', { signedPath: `${HAIKU_PATH}/invoke`, sentQuery: '?extra=1' }],
  ])('refuses %s', async (_name, options) => {
    const answer = await send(options);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('The request signature we calculated does not match the signature you provided.');
  });

  it('refuses a signature older than the allowed clock skew', async () => {
    const answer = await send({ signedPath: `${HAIKU_PATH}/invoke`, sentQuery: '', signingDate: new Date(Date.now() - 10 * 60_000) });
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('Signature expired');
  });

  it('verifies a request signed by a real AWS SDK client (STS from @aws-sdk/nested-clients, the only client installed)', async () => {
    const stsFake = await FakeBedrock.start({ region: 'us-west-2', service: 'sts', credentials: { ...exampleCredentials, sessionToken: 'sts-session' } });
    try {
      const client = new sts.STSClient({ endpoint: stsFake.url, region: 'us-west-2', maxAttempts: 1, credentials: { ...exampleCredentials, sessionToken: 'sts-session' } });
      const failure = await client.send(new sts.AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123456789012:role/demo', RoleSessionName: 'fake' })).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      // Signed headers include content-length, x-amz-content-sha256 and the SDK's amz-sdk-* headers.
      expect(stsFake.last()).toMatchObject({ auth: 'sigv4', signatureValid: true, operation: 'unknown' });
      expect(stsFake.last().headers.authorization).toMatch(/SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token/);
    } finally {
      await stsFake.close();
    }
  });
});

describe('Bedrock API keys', () => {
  it('accepts the configured key as Bearer and refuses another', async () => {
    expect((await call(`${HAIKU_PATH}/converse`, { body: { messages: [] }, signer: bearerSigner('bedrock-api-key-123') })).status).toBe(200);
    expect(fake.last()).toMatchObject({ auth: 'bearer', signatureValid: true });
    const refused = await call(`${HAIKU_PATH}/converse`, { body: { messages: [] }, signer: bearerSigner('bedrock-api-key-999') });
    expect([refused.status, refused.headers['x-amzn-errortype'], refused.json()]).toEqual([
      403,
      'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/',
      { Message: 'Authentication failed: Please make sure your API Key is valid.' },
    ]);
    expect(fake.last()).toMatchObject({ auth: 'bearer', signatureValid: false });
  });

  it('accepts x-api-key on /anthropic/v1/messages only', async () => {
    const withHeader = (key: string): RequestSigner => async (unsigned) => ({ ...unsigned.headers, 'x-api-key': key });
    expect((await call('/anthropic/v1/messages', { body: { model: 'us.anthropic.claude-opus-5', max_tokens: 8, messages: [] }, signer: withHeader('bedrock-api-key-123') })).status).toBe(200);
    expect(fake.last()).toMatchObject({ operation: 'messages', modelId: 'us.anthropic.claude-opus-5', auth: 'bearer', signatureValid: true });
    expect((await call(`${HAIKU_PATH}/invoke`, { signer: withHeader('bedrock-api-key-123') })).status).toBe(403);
    expect(fake.last()).toMatchObject({ auth: 'none' });
  });
});

describe('default answers', () => {
  const textEvents = (model: string) =>
    loadScenario('text', model).map((event) => (event.type === 'message_start' ? { ...event, message: { ...event.message, id: 'msg_bdrk_fake_text_01' } } : event));

  it('InvokeModel: the text scenario as a Message, with the token-count headers', async () => {
    const answer = await call(`${HAIKU_PATH}/invoke`);
    expect(answer.json()).toEqual(accumulate(textEvents('claude-haiku-4-5-20251001')));
    expect(answer.headers).toMatchObject({
      'x-amzn-bedrock-input-token-count': '25',
      'x-amzn-bedrock-output-token-count': '12',
      'x-amzn-bedrock-cache-read-input-token-count': '1200',
      'x-amzn-bedrock-cache-write-input-token-count': '0',
      'x-amzn-bedrock-invocation-latency': '512',
      'x-amzn-bedrock-service-tier': 'default',
      'x-amzn-requestid': fake.last().requestId,
      'content-type': 'application/json',
    });
  });

  it('InvokeModelWithResponseStream: chunk frames without ping, invocation metrics on message_stop, parity with InvokeModel', async () => {
    const answer = await call(`${HAIKU_PATH}/invoke-with-response-stream`);
    expect(answer.headers).toMatchObject({ 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-bedrock-content-type': 'application/json', 'x-amzn-requestid': fake.last().requestId });
    const frames = decodeFrames(answer.bytes);
    expect(frames.every((frame) => frame.headers[':event-type'] === 'chunk' && frame.headers[':message-type'] === 'event')).toBe(true);
    const events = frames.map((frame) => frame.payload as MessageStreamEvent & Record<string, unknown>);
    expect(events.map((event) => event.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(events.at(-1)).toEqual({
      type: 'message_stop',
      'amazon-bedrock-invocationMetrics': { inputTokenCount: 25, outputTokenCount: 12, invocationLatency: 512, firstByteLatency: 128, cacheReadInputTokenCount: 1200, cacheWriteInputTokenCount: 0 },
    });
    const { 'amazon-bedrock-invocationMetrics': _metrics, ...stop } = events.at(-1) as Record<string, unknown>;
    const streamed = accumulate([...events.slice(0, -1), stop as unknown as MessageStreamEvent]);
    expect(streamed).toEqual((await call(`${HAIKU_PATH}/invoke`)).json());
  });

  it('Converse: the converse text fixture with the service tier echoed', async () => {
    const answer = await call(`${HAIKU_PATH}/converse`, { body: { messages: [{ role: 'user', content: [{ text: 'Hi' }] }], serviceTier: { type: 'priority' } } });
    expect(answer.json()).toEqual({ ...loadConverseResponse('text'), serviceTier: { type: 'priority' } });
    expect(answer.headers['x-amzn-bedrock-service-tier']).toBe('priority');
    expect(fake.last()).toMatchObject({ operation: 'converse', serviceTier: 'priority' });
  });

  it('ConverseStream: one event frame per fixture line, padded, the tier in metadata', async () => {
    const answer = await call(`${HAIKU_PATH}/converse-stream`, { body: { messages: [{ role: 'user', content: [{ text: 'Hi' }] }] } });
    const frames = decodeFrames(answer.bytes);
    const expected = loadConverseStream('text').map((line) => ({
      headers: eventHeaders(line.type),
      payload: line.type === 'metadata' ? { ...line.payload, serviceTier: { type: 'default' } } : line.payload,
    }));
    expect(frames).toEqual(expected);
    const payloads = new EventStreamDecoder().push(answer.bytes).map((message) => JSON.parse(Buffer.from(message.body).toString('utf8')) as { p?: unknown });
    expect(payloads.every((payload) => typeof payload.p === 'string')).toBe(true);
  });

  it.each([
    ['an InvokeModel body', { input: { invokeModel: { body: Buffer.from('x'.repeat(41)).toString('base64') } } }, 11],
    ['a Converse request', { input: { converse: { messages: [{ role: 'user', content: [{ text: 'abc' }] }] } } }, Math.ceil(JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'abc' }] }] }).length / 4)],
  ])('CountTokens of %s', async (_name, body, inputTokens) => {
    const answer = await call(`${HAIKU_PATH}/count-tokens`, { body });
    expect([answer.status, answer.json()]).toEqual([200, { inputTokens }]);
    expect(answer.headers['x-amzn-bedrock-service-tier']).toBeUndefined();
  });

  it('/anthropic/v1/messages: Anthropic SSE or JSON, per the body', async () => {
    const model = 'global.anthropic.claude-opus-5';
    const events = loadScenario('text', model).map((event) => (event.type === 'message_start' ? { ...event, message: { ...event.message, id: 'msg_bdrk_fake_text_01' } } : event));
    const streamed = await call('/anthropic/v1/messages', { body: { model, stream: true, max_tokens: 8, messages: [] } });
    expect(streamed.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(streamed.bytes.toString('utf8')).toBe(events.map((event) => sseOf(event)).join(''));
    const whole = await call('/anthropic/v1/messages', { body: { model, max_tokens: 8, messages: [] } });
    expect(whole.json()).toEqual(accumulate(events));
  });
});

describe('refusals before any step', () => {
  it('refuses a rejected service tier with 400 ValidationException; the retry with default gets the queued step', async () => {
    fake.rejectServiceTiers = ['flex'];
    fake.enqueue(invokeScenario('text', { model: 'scripted' }));
    const refused = await call(`${HAIKU_PATH}/invoke`, { headers: { 'x-amzn-bedrock-service-tier': 'flex' } });
    expect([refused.status, refused.headers['x-amzn-errortype'], refused.json()]).toEqual([
      400,
      'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/',
      { message: 'The provided service tier is not supported for this model.' },
    ]);
    const converse = await call(`${HAIKU_PATH}/converse`, { body: { messages: [], serviceTier: { type: 'flex' } } });
    expect(converse.status).toBe(400);
    const retried = await call(`${HAIKU_PATH}/invoke`);
    expect([retried.status, retried.json().model, retried.headers['x-amzn-bedrock-service-tier']]).toEqual([200, 'scripted', 'default']);
  });

  it('with enforceAuth off, records a failed authentication but answers anyway', async () => {
    fake.enforceAuth = false;
    const answer = await call(`${HAIKU_PATH}/invoke`, { signer: sigV4Signer('us-east-1', { ...exampleCredentials, secretAccessKey: 'wrong' }) });
    expect(answer.status).toBe(200);
    expect(fake.last()).toMatchObject({ auth: 'sigv4', signatureValid: false });
    expect(fake.last().authError).toContain('does not match');
  });

  it('echoes an accepted tier from the header', async () => {
    const answer = await call(`${HAIKU_PATH}/invoke-with-response-stream`, { headers: { 'x-amzn-bedrock-service-tier': 'flex' } });
    expect(answer.headers['x-amzn-bedrock-service-tier']).toBe('flex');
    expect(fake.last().serviceTier).toBe('flex');
  });

  it.each([
    ['malformed JSON', `${HAIKU_PATH}/invoke`, '{"max_tokens":', 400, 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/'],
    ['a count-tokens input of neither kind', `${HAIKU_PATH}/count-tokens`, '{"input":{}}', 400, 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/'],
    ['an unknown operation', `${HAIKU_PATH}/generate`, '{}', 404, 'UnknownOperationException:http://internal.amazon.com/coral/com.amazon.coral.service/'],
    ['an unknown path', '/v1/messages', '{}', 404, 'UnknownOperationException:http://internal.amazon.com/coral/com.amazon.coral.service/'],
  ])('answers %s', async (_name, path, body, status, errorType) => {
    const answer = await call(path, { body });
    expect([answer.status, answer.headers['x-amzn-errortype']]).toEqual([status, errorType]);
    expect(fake.last().signatureValid).toBe(true);
  });
});

describe('scripted steps', () => {
  it('plays an exception with its status, error type and request id', async () => {
    fake.enqueue(bedrockException('ThrottlingException', 'Too many requests, please wait before trying again.'));
    const answer = await call(`${HAIKU_PATH}/invoke`);
    expect([answer.status, answer.json()]).toEqual([429, { message: 'Too many requests, please wait before trying again.' }]);
    expect(answer.headers).toMatchObject({ 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/', 'x-amzn-requestid': fake.last().requestId });
    expect(answer.headers['x-amzn-bedrock-service-tier']).toBeUndefined();
  });

  const scripted = {
    items: [
      { anthropic: { type: 'message_start', message: { id: 'msg_bdrk_1', content: [] } } },
      { frame: chunkFrame({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) },
      { delayMs: 5 },
      { converse: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'h\u00e9 \u4e16' } } },
      { frame: eventFrame('messageStop', { stopReason: 'end_turn' }) },
      { exception: 'modelStreamErrorException', payload: { message: 'boom', originalStatusCode: 500, originalMessage: 'x' } },
    ],
  } as const;
  const expectedFrames: DecodedFrame[] = [
    { headers: eventHeaders('chunk'), payload: { type: 'message_start', message: { id: 'msg_bdrk_1', content: [] } } },
    { headers: eventHeaders('chunk'), payload: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    { headers: eventHeaders('contentBlockDelta'), payload: { contentBlockIndex: 0, delta: { text: 'h\u00e9 \u4e16' } } },
    { headers: eventHeaders('messageStop'), payload: { stopReason: 'end_turn' } },
    { headers: { ':message-type': 'exception', ':exception-type': 'modelStreamErrorException', ':content-type': 'application/json' }, payload: { message: 'boom', originalStatusCode: 500, originalMessage: 'x' } },
  ];

  it.each(['frame', 'byte', 7] as const)('event-stream items decode into the frames scripted (chunking %s)', async (chunking) => {
    fake.enqueue({ kind: 'event-stream', chunking, ...scripted });
    const answer = await call(`${HAIKU_PATH}/invoke-with-response-stream`);
    expect(answer.status).toBe(200);
    expect(decodeFrames(answer.bytes)).toEqual(expectedFrames);
    expect(decodeFrames(answer.bytes, 1)).toEqual(expectedFrames);
  });

  it.each([
    ['reset', /^ECONNRESET /],
    ['close', /^UND_ERR_SOCKET other side closed/],
  ] as const)("then '%s' cuts the connection after the frames", async (then, error) => {
    fake.enqueue({ kind: 'event-stream', then, ...scripted });
    const url = new URL(`${HAIKU_PATH}/invoke-with-response-stream`, fake.url);
    const body = '{}';
    const response = await request(url, { method: 'POST', headers: await sigV4Signer(fake.region, exampleCredentials)({ method: 'POST', url, headers: {}, body }), body });
    const received: Buffer[] = [];
    const failure = await (async () => {
      for await (const chunk of response.body) received.push(chunk as Buffer);
    })().then(
      () => undefined,
      (caught: unknown) => caught as Error & { code?: string },
    );
    expect(failure).toBeDefined();
    expect(`${failure?.code} ${failure?.message}`).toMatch(error);
    expect(decodeFrames(Buffer.concat(received))).toEqual(expectedFrames);
  });

  it('a hang leaves the request open until the client gives up, then records it aborted', async () => {
    fake.enqueue({ kind: 'hang' });
    const url = new URL(`${HAIKU_PATH}/invoke`, fake.url);
    const controller = new AbortController();
    const pending = request(url, { method: 'POST', headers: await sigV4Signer(fake.region, exampleCredentials)({ method: 'POST', url, headers: {}, body: '{}' }), body: '{}', signal: controller.signal });
    await expect.poll(() => fake.requests.length).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await fake.last().settled;
    expect(fake.last().aborted).toBe(true);
  });

  it('a responder can serve any scenario shaped for the operation', async () => {
    fake.respondWith((recorded) => (recorded.operation === 'count-tokens' ? { kind: 'json', body: { inputTokens: 99 } } : scenarioFor(recorded, 'tool-use')));
    const invoked = await call(`${HAIKU_PATH}/invoke`);
    expect((invoked.json().content as { type: string }[]).map((block) => block.type)).toEqual(['text', 'tool_use', 'tool_use']);
    expect((await call(`${HAIKU_PATH}/count-tokens`, { body: { input: { converse: {} } } })).json()).toEqual({ inputTokens: 99 });
    fake.reset();
    expect((await call(`${HAIKU_PATH}/invoke`)).json().content).toEqual([{ type: 'text', text: 'Hello from the fake! Multibyte: h\u00e9llo \u4e16\u754c \ud83d\ude00.' }]);
  });

  it('a custom step writes its own answer', async () => {
    fake.enqueue({ kind: 'custom', handle: (_recorded, response) => response.writeHead(202, { 'x-custom': 'yes' }).end('ok') });
    const answer = await call(`${HAIKU_PATH}/invoke`);
    expect([answer.status, answer.headers['x-custom'], answer.bytes.toString()]).toEqual([202, 'yes', 'ok']);
  });
});

describe('anthropicModelName', () => {
  it.each([
    ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5-20251001'],
    ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'claude-3-5-sonnet-20240620'],
    ['global.anthropic.claude-opus-5', 'claude-opus-5'],
    ['arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5-20250929'],
    ['qwen.qwen3-32b-v1:0', 'qwen.qwen3-32b-v1:0'],
    [undefined, 'claude-unknown'],
  ])('%s -> %s', (modelId, expected) => {
    expect(anthropicModelName(modelId)).toBe(expected);
  });
});

describe('an unanswerable step', () => {
  it('answers 500 InternalServerException when the responder throws', async () => {
    fake.respondWith(() => {
      throw new Error('no such scenario');
    });
    const answer = await call(`${HAIKU_PATH}/invoke`);
    expect(answer.status).toBe(500);
    expect(answer.json().message).toContain('no such scenario');
  });

  it('frames a raw exception frame byte for byte', async () => {
    const frame = exceptionFrame('throttlingException', { message: 'slow down' });
    fake.enqueue({ kind: 'event-stream', items: [{ frame }] });
    expect((await call(`${HAIKU_PATH}/invoke-with-response-stream`)).bytes).toEqual(frame);
  });
});
