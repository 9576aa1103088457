import { describe, expect, it } from 'vitest';
import { fromAnthropicError } from './errors.ts';

const body = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_up' });

describe('fromAnthropicError', () => {
  it.each([
    [400, 'invalid_request_error', 'GW_UPSTREAM_INVALID_REQUEST', undefined],
    [401, 'authentication_error', 'GW_UPSTREAM_AUTHENTICATION', undefined],
    [402, 'billing_error', 'GW_UPSTREAM_BILLING', undefined],
    [403, 'permission_error', 'GW_UPSTREAM_PERMISSION', undefined],
    [404, 'not_found_error', 'GW_UPSTREAM_NOT_FOUND', undefined],
    [409, 'conflict_error', 'GW_UPSTREAM_CONFLICT', undefined],
    [413, 'request_too_large', 'GW_BODY_TOO_LARGE', undefined],
    [422, 'invalid_request_error', 'GW_UPSTREAM_INVALID_REQUEST', undefined],
    [429, 'rate_limit_error', 'GW_UPSTREAM_RATE_LIMITED', 'rate_limited'],
    [500, 'api_error', 'GW_UPSTREAM_ERROR', 'server_error'],
    [502, 'api_error', 'GW_UPSTREAM_ERROR', 'server_error'],
    [503, 'overloaded_error', 'GW_UPSTREAM_OVERLOADED', 'overloaded'],
    [504, 'timeout_error', 'GW_UPSTREAM_TIMEOUT', 'timeout'],
    [520, 'api_error', 'GW_UPSTREAM_ERROR', 'server_error'],
    [529, 'overloaded_error', 'GW_UPSTREAM_OVERLOADED', 'overloaded'],
  ])('%i %s -> %s (fallback %s)', (status, type, code, fallback) => {
    expect(fromAnthropicError(status, { 'request-id': 'req_up' }, body(type, 'upstream words'))).toMatchObject({ code, fallback, provider: 'anthropic', message: 'upstream words', upstreamRequestId: 'req_up' });
  });

  it('the status decides whether routing moves on; the body’s type only names it within that', () => {
    // A 500 that says overloaded is still a server error (and moves on as one).
    expect(fromAnthropicError(500, {}, body('overloaded_error', 'busy'))).toMatchObject({ code: 'GW_UPSTREAM_ERROR', fallback: 'server_error' });
    // A 400 that says its body is too large is that.
    expect(fromAnthropicError(400, {}, body('request_too_large', 'too big'))).toMatchObject({ code: 'GW_BODY_TOO_LARGE', fallback: undefined });
    // 503 and 529 both mean overloaded, whatever the body's type.
    expect(fromAnthropicError(503, {}, body('api_error', 'down'))).toMatchObject({ code: 'GW_UPSTREAM_OVERLOADED' });
  });

  it('reads the status alone when the body was not read or is not Anthropic JSON', () => {
    expect(fromAnthropicError(529, {})).toMatchObject({ code: 'GW_UPSTREAM_OVERLOADED', message: 'Anthropic answered 529.', upstreamRequestId: undefined });
    expect(fromAnthropicError(502, {}, '<html>bad gateway</html>')).toMatchObject({ code: 'GW_UPSTREAM_ERROR', message: 'Anthropic answered 502.' });
    expect(fromAnthropicError(429, {}, '{"error":"not an object"}')).toMatchObject({ code: 'GW_UPSTREAM_RATE_LIMITED', message: 'Anthropic answered 429.' });
  });

  it('carries the wait routing read from the headers', () => {
    expect(fromAnthropicError(429, {}, undefined, { retryAfterMs: 2_000 })).toMatchObject({ retryAfterMs: 2_000 });
  });
});
