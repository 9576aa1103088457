import { describe, expect, it } from 'vitest';
import { GatewayError, type GatewayErrorCode } from '../errors.ts';
import { triggerForError } from './triggers.ts';

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
