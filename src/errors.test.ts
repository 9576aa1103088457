import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorRegistry, errorTypeForStatus, fallbackOf, GatewayError, triggerForError, upstreamCodeForStatus, upstreamCodeForType, upstreamErrorCode, type GatewayErrorCode } from './errors.ts';

const codes = Object.keys(errorRegistry) as GatewayErrorCode[];

describe('error registry', () => {
  const documentation = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

  it.each(Object.entries(errorRegistry))('%s is documented with its status, type, retryable and fallback', (code, definition) => {
    const row = documentation.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    expect(row).toBeDefined();
    const fallback = fallbackOf(code as GatewayErrorCode);
    expect(row).toContain(`| ${definition.status} | \`${definition.type}\` | ${definition.retryable ? 'yes' : 'no'} | ${fallback === undefined ? '' : `\`${fallback}\``} |`);
  });

  it('every gateway status maps to the type Anthropic uses for it', () => {
    // The gateway's own 408 is the client being slow (invalid_request_error); an upstream's 408 is a timeout.
    for (const code of codes.filter((each) => each !== 'GW_CLIENT_TIMEOUT')) expect(errorTypeForStatus(errorRegistry[code].status), code).toBe(errorRegistry[code].type);
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
    [520, 'api_error'],
    [529, 'overloaded_error'],
  ])('status %i is %s', (status, type) => {
    expect(errorTypeForStatus(status)).toBe(type);
  });

  it('a GatewayError carries its definition', () => {
    const error = new GatewayError('GW_DECODED_BODY_TOO_LARGE', 'too big', { retryAfterMs: 1500, provider: 'anthropic' });
    expect(error).toMatchObject({ code: 'GW_DECODED_BODY_TOO_LARGE', status: 413, type: 'request_too_large', retryable: false, fallback: undefined, detailsCode: 'request_body_too_large_after_decoding', retryAfterMs: 1500, provider: 'anthropic', message: 'too big' });
    expect(new GatewayError('GW_UPSTREAM_OVERLOADED', 'busy')).toMatchObject({ fallback: 'overloaded', retryable: true });
  });
});

describe('the routing column', () => {
  it('only upstream failures move on', () => {
    for (const code of codes) if (fallbackOf(code) !== undefined) expect(code).toMatch(/^GW_UPSTREAM_/);
  });

  it('x-should-retry agrees with it: what moves on may be retried, except what an operator must fix', () => {
    for (const code of codes.filter((each) => each.startsWith('GW_UPSTREAM_'))) {
      const fallback = fallbackOf(code);
      expect(errorRegistry[code].retryable, code).toBe(fallback !== undefined && fallback !== 'credentials');
    }
  });
});

describe('the upstream status table', () => {
  it.each([
    [400, 'GW_UPSTREAM_INVALID_REQUEST', undefined],
    [401, 'GW_UPSTREAM_AUTHENTICATION', undefined],
    [403, 'GW_UPSTREAM_PERMISSION', undefined],
    [408, 'GW_UPSTREAM_TIMEOUT', 'timeout'],
    [413, 'GW_BODY_TOO_LARGE', undefined],
    [418, 'GW_UPSTREAM_INVALID_REQUEST', undefined],
    [429, 'GW_UPSTREAM_RATE_LIMITED', 'rate_limited'],
    [500, 'GW_UPSTREAM_ERROR', 'server_error'],
    [501, 'GW_UPSTREAM_ERROR', 'server_error'],
    [503, 'GW_UPSTREAM_OVERLOADED', 'overloaded'],
    [504, 'GW_UPSTREAM_TIMEOUT', 'timeout'],
    [520, 'GW_UPSTREAM_ERROR', 'server_error'],
    [529, 'GW_UPSTREAM_OVERLOADED', 'overloaded'],
  ])('%i is %s (fallback %s)', (status, code, fallback) => {
    expect(upstreamCodeForStatus(status)).toBe(code);
    expect(fallbackOf(upstreamCodeForStatus(status))).toBe(fallback);
  });

  it('each Anthropic error type names one code of the table, of that type', () => {
    const types = ['invalid_request_error', 'authentication_error', 'billing_error', 'permission_error', 'not_found_error', 'conflict_error', 'request_too_large', 'rate_limit_error', 'api_error', 'timeout_error', 'overloaded_error'] as const;
    for (const type of types) {
      const code = upstreamCodeForType(type);
      expect(code, type).toBeDefined();
      expect(errorRegistry[code as GatewayErrorCode].type).toBe(type);
    }
    expect(upstreamCodeForType('some_new_error')).toBeUndefined();
    expect(upstreamCodeForType(42)).toBeUndefined();
  });

  it('a body’s type refines the status only where routing reads them alike', () => {
    expect(upstreamErrorCode(400, 'request_too_large')).toBe('GW_BODY_TOO_LARGE');
    expect(upstreamErrorCode(503, 'overloaded_error')).toBe('GW_UPSTREAM_OVERLOADED');
    expect(upstreamErrorCode(500, 'overloaded_error')).toBe('GW_UPSTREAM_ERROR');
    expect(upstreamErrorCode(400, 'api_error')).toBe('GW_UPSTREAM_INVALID_REQUEST');
    expect(upstreamErrorCode(502, 'whatever')).toBe('GW_UPSTREAM_ERROR');
  });
});

describe('triggerForError', () => {
  it.each([
    ['GW_UPSTREAM_RATE_LIMITED', 'rate_limited'],
    ['GW_UPSTREAM_OVERLOADED', 'overloaded'],
    ['GW_UPSTREAM_ERROR', 'server_error'],
    ['GW_UPSTREAM_PROTOCOL', 'server_error'],
    ['GW_UPSTREAM_TIMEOUT', 'timeout'],
    ['GW_UPSTREAM_CONNECT', 'connect_error'],
    ['GW_UPSTREAM_STREAM_BROKEN', 'connect_error'],
    ['GW_UPSTREAM_CREDENTIALS', 'credentials'],
    ['GW_UPSTREAM_INVALID_REQUEST', undefined],
    ['GW_UPSTREAM_AUTHENTICATION', undefined],
    ['GW_BODY_TOO_LARGE', undefined],
    ['GW_UNSUPPORTED_FEATURE', undefined],
    ['GW_UPSTREAM_CREDENTIAL_MISSING', undefined],
  ] as const)('%s -> %s', (code, trigger) => {
    expect(triggerForError(new GatewayError(code as GatewayErrorCode, 'm'))).toBe(trigger);
  });

  it('an error event before the first content: a rate limit stays one, other fallbacks are first_event_error', () => {
    expect(triggerForError(new GatewayError('GW_UPSTREAM_RATE_LIMITED', 'm', { firstEventError: true }))).toBe('rate_limited');
    expect(triggerForError(new GatewayError('GW_UPSTREAM_OVERLOADED', 'm', { firstEventError: true }))).toBe('first_event_error');
    expect(triggerForError(new GatewayError('GW_UPSTREAM_INVALID_REQUEST', 'm', { firstEventError: true }))).toBeUndefined();
  });
});
