import { describe, expect, it } from 'vitest';
import { exceptionName, fromBedrockError, fromMessagesStatus } from './errors.ts';

describe('fromBedrockError', () => {
  it.each([
    ['ThrottlingException', 429, 'rate_limit_error'],
    ['throttlingException', 429, 'rate_limit_error'],
    ['ServiceQuotaExceededException', 429, 'rate_limit_error'],
    ['ModelNotReadyException', 529, 'overloaded_error'],
    ['serviceUnavailableException', 529, 'overloaded_error'],
    ['InternalServerException', 500, 'api_error'],
    ['ModelErrorException', 500, 'api_error'],
    ['modelStreamErrorException', 500, 'api_error'],
    ['ModelTimeoutException', 504, 'timeout_error'],
    ['ValidationException', 400, 'invalid_request_error'],
    ['ConflictException', 400, 'invalid_request_error'],
    ['AccessDeniedException', 403, 'permission_error'],
    ['ResourceNotFoundException', 404, 'not_found_error'],
    ['UnrecognizedClientException', 500, 'api_error'],
    ['SomethingNewException', 500, 'api_error'],
  ])('%s -> %i %s', (name, status, type) => {
    expect(fromBedrockError(name, 'upstream words')).toMatchObject({ status, type, provider: 'bedrock' });
  });

  it('keeps the upstream message, except for the gateway’s own credential failures', () => {
    expect(fromBedrockError('ValidationException', 'messages: field required').message).toBe('messages: field required');
    expect(fromBedrockError('InvalidSignatureException', 'The request signature we calculated does not match AKIA…').message).toBe('The gateway could not authenticate to AWS Bedrock.');
  });

  it('a model error with a 4xx original status stays a client error', () => {
    expect(fromBedrockError('ModelErrorException', 'bad', 400)).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(fromBedrockError('ModelErrorException', 'slow down', 429)).toMatchObject({ status: 429, type: 'rate_limit_error' });
  });

  it.each([
    ['ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/', 'ThrottlingException'],
    ['com.amazon.coral.validate#ValidationException', 'ValidationException'],
    ['AccessDeniedException', 'AccessDeniedException'],
  ])('reads the name from %s', (raw, name) => {
    expect(exceptionName(raw)).toBe(name);
  });
});

describe('fromMessagesStatus', () => {
  it.each([
    [401, undefined, 'GW_UPSTREAM_CREDENTIALS'],
    [413, undefined, 'GW_BODY_TOO_LARGE'],
    [400, 'request_too_large', 'GW_BODY_TOO_LARGE'],
    [429, undefined, 'GW_UPSTREAM_RATE_LIMITED'],
    [529, undefined, 'GW_UPSTREAM_OVERLOADED'],
    [503, undefined, 'GW_UPSTREAM_OVERLOADED'],
    [403, undefined, 'GW_UPSTREAM_PERMISSION'],
    [404, undefined, 'GW_UPSTREAM_NOT_FOUND'],
    [504, undefined, 'GW_UPSTREAM_TIMEOUT'],
    [422, undefined, 'GW_UPSTREAM_INVALID_REQUEST'],
    [500, undefined, 'GW_UPSTREAM_ERROR'],
  ])('%i (%s) -> %s', (status, type, code) => {
    expect(fromMessagesStatus(status, type)).toBe(code);
  });
});
