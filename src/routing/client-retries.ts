import type { Trigger } from '../errors.ts';

/**
 * When the gateway may wait and retry on the same target (issue 10 D21; docs/routing.md,
 * "Clients that retry by themselves"). Pure.
 *
 * The Stainless-generated SDKs (Anthropic's Python and TypeScript SDKs, hence Claude Code and
 * the Agent SDK) send `x-stainless-retry-count` on every attempt, `0` on the first, and wait for
 * a 429's `retry-after` themselves before trying again (2 retries by default, Claude Code 10).
 * Waiting and retrying in the gateway as well would multiply the two loops: with `maxRetries: 2`
 * and an upstream that keeps answering 429, 6 upstream calls instead of the 3 the client makes
 * directly. So for such a client the gateway never retries the same target: it moves on to the
 * next target if there is one (another upstream), else answers the 429 with its `retry-after`
 * and lets the client's own retry do the waiting. Every client attempt then costs at most one
 * call per target, and a one-target deployment makes no more upstream calls than the client
 * would make directly.
 *
 * Why "present", not "greater than 0": the first attempt (count 0) comes from the same client,
 * which will retry it; retrying it here would still add a call (4 against 3). A client whose
 * `maxRetries` is 0 sends the header too and gets the 429 at once, as it would directly.
 */

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** The header the Stainless SDKs send on every attempt: the number of retries already made. */
export const clientRetryCountHeader = 'x-stainless-retry-count';

/** Whether the request comes from a client that retries failed requests by itself. */
export function clientRetriesItself(headers: Headers): boolean {
  return headers[clientRetryCountHeader] !== undefined;
}

export interface SameTargetRetry {
  readonly trigger: Trigger;
  /** The wait the upstream asked for, if it said. */
  readonly retryAfterMs: number | undefined;
  /** A wait at most this long is waited for (`routing.retry_threshold_ms`). */
  readonly thresholdMs: number;
  /** This target was already retried once for this request. */
  readonly retried: boolean;
  readonly clientRetries: boolean;
}

/** Whether a failure may be waited for and retried on the same target (the retry budget aside). */
export function maySameTargetRetry(input: SameTargetRetry): boolean {
  if (input.trigger !== 'rate_limited' || input.retryAfterMs === undefined || input.retryAfterMs > input.thresholdMs) return false;
  return !input.retried && !input.clientRetries;
}
