import type { GatewayError, GatewayErrorCode } from '../errors.ts';

/**
 * When to move on to the next target, as data (issue 4; reliability.md F1-F10; protocols.md
 * §7.1): rate limits, overload, 5xx, timeouts, connection failures and an `error` event before
 * the first content. Never on 400/401/403/413/422: those are the client's and go back unchanged.
 */

export type Trigger = 'rate_limited' | 'overloaded' | 'server_error' | 'timeout' | 'connect_error' | 'first_event_error' | 'model_retired' | 'credentials';

/** The trigger for an upstream HTTP status, if any. */
export function triggerForStatus(status: number): Trigger | undefined {
  if (status === 429) return 'rate_limited';
  if (status === 529 || status === 503) return 'overloaded';
  if (status === 500 || status === 502) return 'server_error';
  if (status === 504 || status === 408) return 'timeout';
  return undefined;
}

const codeTriggers: ReadonlyMap<GatewayErrorCode, Trigger> = new Map<GatewayErrorCode, Trigger>([
  ['GW_UPSTREAM_RATE_LIMITED', 'rate_limited'],
  ['GW_UPSTREAM_OVERLOADED', 'overloaded'],
  ['GW_UPSTREAM_ERROR', 'server_error'],
  ['GW_UPSTREAM_PROTOCOL', 'server_error'],
  ['GW_UPSTREAM_TIMEOUT', 'timeout'],
  ['GW_UPSTREAM_CONNECT', 'connect_error'],
  ['GW_UPSTREAM_STREAM_BROKEN', 'connect_error'],
  ['GW_UPSTREAM_CREDENTIALS', 'credentials'],
]);

/** The trigger for a failure before the commit point, if any. */
export function triggerForError(error: GatewayError): Trigger | undefined {
  // An error event in place of the first event: a rate limit is still a rate limit (cooled per credential).
  if (error.firstEventError) return error.code === 'GW_UPSTREAM_RATE_LIMITED' ? 'rate_limited' : codeTriggers.has(error.code) ? 'first_event_error' : undefined;
  return codeTriggers.get(error.code);
}
