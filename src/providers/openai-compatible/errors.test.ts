import { describe, expect, it } from 'vitest';
import { fromOpenAIError, fromOpenAIStreamError } from './errors.ts';

const now = Date.parse('2026-12-07T20:00:00Z');
const options = { provider: 'groq', nowMs: now };
const body = (message: string, type: string, code: string | null = null) => JSON.stringify({ error: { message, type, param: null, code } });

describe('fromOpenAIError', () => {
  it.each([
    [400, body('context too long', 'invalid_request_error', 'context_length_exceeded'), 'GW_UPSTREAM_INVALID_REQUEST', 'context too long', undefined],
    [401, body('Invalid API Key', 'invalid_request_error', 'invalid_api_key'), 'GW_UPSTREAM_CREDENTIALS', 'The gateway could not authenticate to groq.', 'credentials'],
    [402, JSON.stringify({ error: { code: 402, message: 'Insufficient credits' } }), 'GW_UPSTREAM_CREDITS_EXHAUSTED', "The gateway's groq account has no credits or quota left; the gateway's operator must top it up.", 'credentials'],
    [403, body('region', 'invalid_request_error'), 'GW_UPSTREAM_PERMISSION', 'region', undefined],
    [404, body('The model does not exist', 'invalid_request_error', 'model_not_found'), 'GW_UPSTREAM_NOT_FOUND', 'The model does not exist', undefined],
    [413, 'Request Entity Too Large', 'GW_BODY_TOO_LARGE', 'groq answered 413.', undefined],
    [429, body('Rate limit reached', 'tokens', 'rate_limit_exceeded'), 'GW_UPSTREAM_RATE_LIMITED', 'Rate limit reached', 'rate_limited'],
    [429, body('You exceeded your current quota', 'insufficient_quota', 'insufficient_quota'), 'GW_UPSTREAM_CREDITS_EXHAUSTED', "The gateway's groq account has no credits or quota left; the gateway's operator must top it up.", 'credentials'],
    [500, '<html>oops</html>', 'GW_UPSTREAM_ERROR', 'groq answered 500.', 'server_error'],
    [503, body('over capacity', 'internal_server_error'), 'GW_UPSTREAM_OVERLOADED', 'over capacity', 'overloaded'],
  ] as const)('%i', (status, text, code, message, fallback) => {
    const error = fromOpenAIError(status, {}, text, options);
    expect([error.code, error.message, error.fallback, error.provider]).toEqual([code, message, fallback, 'groq']);
  });

  it('reads the wait from the reset headers of a 429, and the upstream request id', () => {
    const error = fromOpenAIError(429, { 'x-request-id': 'req_9', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' }, body('slow down', 'tokens'), options);
    expect([error.retryAfterMs, error.upstreamRequestId]).toEqual([360_000, 'req_9']);
    expect(fromOpenAIError(503, { 'retry-after': '2' }, undefined, options).retryAfterMs).toBe(2000);
  });
});

describe('fromOpenAIStreamError', () => {
  it.each([
    [{ code: 429, message: 'Rate limited upstream' }, 'GW_UPSTREAM_RATE_LIMITED', 'Rate limited upstream'],
    [{ code: 502, message: 'Provider returned error' }, 'GW_UPSTREAM_ERROR', 'Provider returned error'],
    [{ code: 402, message: 'Insufficient credits' }, 'GW_UPSTREAM_CREDITS_EXHAUSTED', "The gateway's groq account has no credits or quota left; the gateway's operator must top it up."],
    [{ message: 'busy', type: 'overloaded_error' }, 'GW_UPSTREAM_OVERLOADED', 'busy'],
    [{ message: 'Too many tokens', type: 'tokens', code: 'rate_limit_exceeded' }, 'GW_UPSTREAM_RATE_LIMITED', 'Too many tokens'],
    ['boom', 'GW_UPSTREAM_ERROR', 'boom'],
    [{}, 'GW_UPSTREAM_ERROR', 'groq reported an error in the stream.'],
  ] as const)('%j', (error, code, message) => {
    const mapped = fromOpenAIStreamError(error, 'groq');
    expect([mapped.code, mapped.message]).toEqual([code, message]);
  });
});
