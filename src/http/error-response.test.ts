import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { errorResponseParts, reasonPhrase } from './error-response.ts';

describe('errorResponseParts', () => {
  it.each([
    ['GW_UPSTREAM_CREDENTIAL_MISSING', 500, 'false'],
    ['GW_UPSTREAM_CREDENTIALS', 500, 'false'],
    ['GW_BODY_NOT_JSON_OBJECT', 400, 'false'],
    ['GW_KEY_RATE_LIMITED', 429, 'true'],
    ['GW_OVERLOADED', 529, 'true'],
    ['GW_INTERNAL', 500, 'true'],
  ] as const)('%s: %d with x-should-retry %s, the registry’s word (the SDKs obey it before their status rules)', (code, status, retry) => {
    const parts = errorResponseParts(new GatewayError(code, 'message'), 'req_gw1');
    expect(parts.status).toBe(status);
    expect(parts.headers['x-should-retry']).toBe(retry);
  });
});

describe('reasonPhrase', () => {
  it.each([
    [400, 'Bad Request'],
    [529, 'Overloaded'],
    [500, 'Internal Server Error'],
  ])('%d -> %s', (status, phrase) => {
    expect(reasonPhrase(status)).toBe(phrase);
  });
});
