import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { fromClientError, rawErrorResponse, requestTargetForm } from './raw-error.ts';

describe('requestTargetForm', () => {
  it.each([
    ['/v1/messages', undefined],
    ['/v1/messages?beta=true', undefined],
    ['/', undefined],
    ['//attacker.example/v1/messages', 'a path starting with //'],
    ['http://attacker.example:8443/v1/messages', 'the absolute-form (scheme://host/path)'],
    ['HTTPS://a/b', 'the absolute-form (scheme://host/path)'],
    ['*', 'the asterisk-form (*)'],
    ['attacker.example:443', 'the authority-form (host:port)'],
    ['', 'an empty target'],
    ['/v1/models/claude-haiku-4-5?after_id=a/../b', undefined],
    ['/v1/messages/', undefined],
    ['/v1/models/..', 'a path with a dot segment, a backslash or an encoded slash'],
    ['/v1/models/.', 'a path with a dot segment, a backslash or an encoded slash'],
    ['/v1/models/%2E%2e', 'a path with a dot segment, a backslash or an encoded slash'],
    // An OpenAI-compatible provider's model id (`openai/gpt-oss-120b`): answered by the gateway, never forwarded.
    ['/v1/models/x%2Fy', undefined],
    ['/user/ann/v1/models/openai%2Fgpt-oss-120b', undefined],
    ['/v1/models/x%2F..', 'a path with a dot segment, a backslash or an encoded slash'],
    ['/v1/models/x%2Fy/z', 'a path with a dot segment, a backslash or an encoded slash'],
    ['/user/a%2Fb/v1/models/x%2Fy', 'a path with a dot segment, a backslash or an encoded slash'],
    ['/v1/messages%2Fx', 'a path with a dot segment, a backslash or an encoded slash'],
    ['/v1/models/x%5Cy', 'a path with a dot segment, a backslash or an encoded slash'],
    ['/v1/models/x\\y', 'a path with a dot segment, a backslash or an encoded slash'],
    ['/v1/models/%25252e%25252e', 'a path with a dot segment, a backslash or an encoded slash'],
    [undefined, 'an empty target'],
  ])('%j -> %j', (target, form) => {
    expect(requestTargetForm(target)).toBe(form);
  });
});

describe('fromClientError', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 'GW_HEADERS_TOO_LARGE', 431],
    ['ERR_HTTP_REQUEST_TIMEOUT', 'GW_CLIENT_TIMEOUT', 408],
    ['HPE_INVALID_METHOD', 'GW_BAD_HTTP', 400],
    [undefined, 'GW_BAD_HTTP', 400],
  ])('%s -> %s', (code, expected, status) => {
    expect(fromClientError({ code })).toMatchObject({ code: expected, status });
  });
});

describe('rawErrorResponse', () => {
  it('is a whole HTTP/1.1 response in the Anthropic envelope that closes the connection', () => {
    const text = rawErrorResponse(new GatewayError('GW_BAD_HTTP', 'The request is not valid HTTP/1.1 (HPE_INVALID_METHOD).'), 'req_gw1');
    const [head, body] = text.split('\r\n\r\n') as [string, string];
    expect(head.split('\r\n')).toEqual(['HTTP/1.1 400 Bad Request', 'content-type: application/json', 'request-id: req_gw1', 'x-gateway-request-id: req_gw1', 'x-should-retry: false', `content-length: ${Buffer.byteLength(body)}`, 'connection: close']);
    expect(JSON.parse(body)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'The request is not valid HTTP/1.1 (HPE_INVALID_METHOD).' }, request_id: 'req_gw1' });
  });
});
