import type { FallbackTrigger, GatewayError } from '../errors.ts';

/**
 * When to move on to the next target (issue 4; reliability.md F1-F10; protocols.md §7.1): rate
 * limits, overload, 5xx, timeouts, connection failures and an `error` event before the first
 * content. Never on 400/401/403/413/422: those are the client's and go back unchanged. Which
 * failure moves on is the registry's routing column (`fallback` in src/errors.ts); routing adds
 * the two triggers that depend on the moment, not on the failure.
 */

export type Trigger = FallbackTrigger | 'first_event_error' | 'model_retired';

/** The trigger for a failure before the commit point, if any. */
export function triggerForError(error: GatewayError): Trigger | undefined {
  // An error event in place of the first event: a rate limit is still a rate limit (cooled per credential).
  if (error.firstEventError) return error.fallback === 'rate_limited' ? 'rate_limited' : error.fallback === undefined ? undefined : 'first_event_error';
  return error.fallback;
}
