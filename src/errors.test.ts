import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorRegistry, errorTypeForStatus, GatewayError } from './errors.ts';

describe('error registry', () => {
  const documentation = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.entries(errorRegistry))('%s is documented with its status and type', (code, definition) => {
    const row = documentation.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    expect(row).toBeDefined();
    expect(row).toContain(`| ${definition.status} | \`${definition.type}\` |`);
  });

  it('every status maps to the type Anthropic uses for it', () => {
    for (const definition of Object.values(errorRegistry)) expect(errorTypeForStatus(definition.status)).toBe(definition.type);
  });

  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [402, 'billing_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [409, 'conflict_error'],
    [413, 'request_too_large'],
    [422, 'invalid_request_error'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [502, 'api_error'],
    [504, 'timeout_error'],
    [529, 'overloaded_error'],
  ])('status %i is %s', (status, type) => {
    expect(errorTypeForStatus(status)).toBe(type);
  });

  it('a GatewayError carries its definition', () => {
    const error = new GatewayError('GW_DECODED_BODY_TOO_LARGE', 'too big', { retryAfterMs: 1500, provider: 'anthropic' });
    expect(error).toMatchObject({ code: 'GW_DECODED_BODY_TOO_LARGE', status: 413, type: 'request_too_large', retryable: false, detailsCode: 'request_body_too_large_after_decoding', retryAfterMs: 1500, provider: 'anthropic', message: 'too big' });
  });
});
