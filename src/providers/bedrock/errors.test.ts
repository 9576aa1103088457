import { describe, expect, it } from 'vitest';
import { exceptionName, fromBedrockError, fromBedrockException, fromErrorFrame, fromExceptionFrame } from './errors.ts';
import type { EventStreamMessage as Message } from './event-stream.ts';

function frame(headers: Record<string, string>, payload?: unknown): Message {
  const entries = Object.entries(headers).map(([name, value]) => [name, { type: 'string' as const, value }]);
  return { headers: Object.fromEntries(entries), body: Buffer.from(payload === undefined ? '' : JSON.stringify(payload)) };
}

describe('fromBedrockException', () => {
  it.each([
    ['ThrottlingException', 'GW_UPSTREAM_RATE_LIMITED', 'rate_limited'],
    ['throttlingException', 'GW_UPSTREAM_RATE_LIMITED', 'rate_limited'],
    ['ServiceQuotaExceededException', 'GW_UPSTREAM_RATE_LIMITED', 'rate_limited'],
    ['ModelNotReadyException', 'GW_UPSTREAM_OVERLOADED', 'overloaded'],
    ['serviceUnavailableException', 'GW_UPSTREAM_OVERLOADED', 'overloaded'],
    ['InternalServerException', 'GW_UPSTREAM_ERROR', 'server_error'],
    ['ModelErrorException', 'GW_UPSTREAM_ERROR', 'server_error'],
    ['modelStreamErrorException', 'GW_UPSTREAM_ERROR', 'server_error'],
    ['ModelTimeoutException', 'GW_UPSTREAM_TIMEOUT', 'timeout'],
    ['ValidationException', 'GW_UPSTREAM_INVALID_REQUEST', undefined],
    ['ConflictException', 'GW_UPSTREAM_INVALID_REQUEST', undefined],
    ['AccessDeniedException', 'GW_UPSTREAM_PERMISSION', undefined],
    ['ResourceNotFoundException', 'GW_UPSTREAM_NOT_FOUND', undefined],
    ['UnrecognizedClientException', 'GW_UPSTREAM_CREDENTIALS', 'credentials'],
    ['ExpiredTokenException', 'GW_UPSTREAM_CREDENTIALS', 'credentials'],
    ['SomethingNewException', 'GW_UPSTREAM_ERROR', 'server_error'],
  ])('%s -> %s (fallback %s)', (name, code, fallback) => {
    expect(fromBedrockException(name, 'upstream words')).toMatchObject({ code, fallback, provider: 'bedrock' });
  });

  it('keeps the upstream message, except for the gateway’s own credential failures', () => {
    expect(fromBedrockException('ValidationException', 'messages: field required').message).toBe('messages: field required');
    expect(fromBedrockException('InvalidSignatureException', 'The request signature we calculated does not match AKIA…').message).toBe('The gateway could not authenticate to AWS Bedrock.');
    expect(fromBedrockException('ValidationException', '').message).toBe('ValidationException');
  });

  it('a model error with a 4xx original status stays a client error', () => {
    expect(fromBedrockException('ModelErrorException', 'bad', { originalStatusCode: 400 })).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(fromBedrockException('ModelErrorException', 'slow down', { originalStatusCode: 429 })).toMatchObject({ status: 429, type: 'rate_limit_error' });
    // Bedrock answers a model error with HTTP 424: that status alone does not make it the client's.
    expect(fromBedrockException('ModelErrorException', 'oops', { status: 424 })).toMatchObject({ code: 'GW_UPSTREAM_ERROR' });
  });

  it('an unknown name reads from its HTTP status', () => {
    expect(fromBedrockException('SomethingNewException', 'no', { status: 400 })).toMatchObject({ code: 'GW_UPSTREAM_INVALID_REQUEST' });
    expect(fromBedrockException('SomethingNewException', 'down', { status: 520 })).toMatchObject({ code: 'GW_UPSTREAM_ERROR', fallback: 'server_error' });
  });

  it.each([
    ['ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/', 'ThrottlingException'],
    ['com.amazon.coral.validate#ValidationException', 'ValidationException'],
    ['AccessDeniedException', 'AccessDeniedException'],
  ])('reads the name from %s', (raw, name) => {
    expect(exceptionName(raw)).toBe(name);
  });
});

describe('fromBedrockError', () => {
  it('names the failure by x-amzn-ErrorType, then __type, then the status', () => {
    expect(fromBedrockError(429, { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/', 'x-amzn-requestid': 'aws-1' }, '{"message":"slow down"}')).toMatchObject({
      code: 'GW_UPSTREAM_RATE_LIMITED',
      message: 'slow down',
      upstreamRequestId: 'aws-1',
    });
    expect(fromBedrockError(400, {}, '{"__type":"com.amazon.coral.validate#ValidationException","Message":"bad"}')).toMatchObject({ code: 'GW_UPSTREAM_INVALID_REQUEST', message: 'bad' });
    expect(fromBedrockError(503, {}, '<html>proxy</html>')).toMatchObject({ code: 'GW_UPSTREAM_OVERLOADED', status: 529, message: 'Bedrock answered 503.' });
    expect(fromBedrockError(424, { 'x-amzn-errortype': 'ModelErrorException' }, '{"message":"m","originalStatusCode":400}')).toMatchObject({ code: 'GW_UPSTREAM_INVALID_REQUEST' });
  });

  it('reads an Anthropic-shaped body (the native Messages API): the status decides, the type names it', () => {
    expect(fromBedrockError(400, {}, '{"type":"error","error":{"type":"request_too_large","message":"too big"}}')).toMatchObject({ code: 'GW_BODY_TOO_LARGE', message: 'too big' });
    expect(fromBedrockError(500, {}, '{"type":"error","error":{"type":"overloaded_error","message":"busy"}}')).toMatchObject({ code: 'GW_UPSTREAM_ERROR', fallback: 'server_error', message: 'busy' });
    expect(fromBedrockError(422, {}, '{"message":"front door words"}')).toMatchObject({ code: 'GW_UPSTREAM_INVALID_REQUEST', message: 'front door words' });
  });

  it('a 401 is the gateway’s own AWS credential: it moves on, and AWS’s words stay out of the answer', () => {
    expect(fromBedrockError(401, {}, '{"message":"bad key AKIA…"}')).toMatchObject({ code: 'GW_UPSTREAM_CREDENTIALS', fallback: 'credentials', message: 'The gateway could not authenticate to AWS Bedrock.' });
  });

  it.each([
    [413, 'GW_BODY_TOO_LARGE'],
    [403, 'GW_UPSTREAM_PERMISSION'],
    [404, 'GW_UPSTREAM_NOT_FOUND'],
    [408, 'GW_UPSTREAM_TIMEOUT'],
    [504, 'GW_UPSTREAM_TIMEOUT'],
    [529, 'GW_UPSTREAM_OVERLOADED'],
    [520, 'GW_UPSTREAM_ERROR'],
  ])('a bare %i is %s', (status, code) => {
    expect(fromBedrockError(status, {}, '')).toMatchObject({ code });
  });
});

describe('event-stream frames', () => {
  it('an exception frame keeps its message and original status', () => {
    expect(fromExceptionFrame(frame({ ':message-type': 'exception', ':exception-type': 'throttlingException' }, { message: 'slow' }))).toMatchObject({ code: 'GW_UPSTREAM_RATE_LIMITED', message: 'slow' });
    expect(fromExceptionFrame(frame({ ':message-type': 'exception', ':exception-type': 'modelErrorException' }, { Message: 'no', originalStatusCode: 400 }))).toMatchObject({ code: 'GW_UPSTREAM_INVALID_REQUEST', message: 'no' });
    expect(fromExceptionFrame(frame({ ':message-type': 'exception' }))).toMatchObject({ code: 'GW_UPSTREAM_ERROR', message: 'InternalServerException' });
  });

  it('an error frame reads its code and message headers', () => {
    expect(fromErrorFrame(frame({ ':message-type': 'error', ':error-code': 'ServiceUnavailableException', ':error-message': 'later' }))).toMatchObject({ code: 'GW_UPSTREAM_OVERLOADED', message: 'later' });
  });
});
