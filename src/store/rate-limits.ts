/**
 * Per-key request and token rate limits, shared by every instance. A limiter decides one
 * request in one atomic step against the store that every instance sees:
 * - Redis (`REDIS_URL`): one Lua script per decision, time from Redis `TIME` so instance
 *   clocks do not matter;
 * - SQLite: one `BEGIN IMMEDIATE` transaction (one host, any number of processes);
 * - DynamoDB: conditional `UpdateItem`s;
 * - memory: one process (tests, or a single instance without a shared store).
 *
 * Semantics every implementation follows (one shared test suite holds them to it):
 * - requests per minute: a sliding 60 s window. A request is admitted when fewer than `rpm`
 *   requests were admitted in the 60 s before it; then it counts. Refused requests do not count.
 *   With N callers racing, exactly `rpm` are admitted in any 60 s (DynamoDB: fixed one-minute
 *   windows, documented there, since it has no atomic sliding window);
 * - tokens per minute: a request is admitted while the tokens recorded (`recordTokens`) in the
 *   last 60 s are below `tpm`; its own tokens are recorded after it is answered, so one request
 *   can overshoot by its own size (the tokens are not known before);
 * - tokens are kept in one-second buckets (the window / 60), each leaving the window 60 s
 *   after its second started; a request is logged only when admitted under an `rpm` (a call
 *   without one leaves no trace);
 * - a refusal says which limit and how many whole seconds (>= 1) until a request would be
 *   admitted again, for the `retry-after` header; when both limits refuse, the one that holds
 *   longer is named;
 * - limits are per `key` (an opaque string, the gateway key's id or `user:<id>`);
 * - after `close`, every operation rejects.
 */

export interface RateLimits {
  /** Requests per minute; absent = no request limit. */
  readonly rpm?: number;
  /** Tokens per minute; absent = no token limit. */
  readonly tpm?: number;
}

export type RateDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly limit: 'rpm' | 'tpm'; readonly retryAfterSeconds: number };

export type RateLimiterKind = 'memory' | 'sqlite' | 'redis' | 'dynamodb';

export interface RateLimiter {
  readonly kind: RateLimiterKind;
  /** Decides one request for `key` at `now` (epoch ms; Redis uses its own clock); an admitted request counts toward `rpm`. */
  admit(key: string, limits: RateLimits, now: number): Promise<RateDecision>;
  /** Adds a request's tokens to `key`'s token window at `now`. */
  recordTokens(key: string, tokens: number, now: number): Promise<void>;
  close(): Promise<void>;
}

/** The window every limit is counted over, unless a backend is told otherwise (Redis tests). */
export const rateWindowMs = 60_000;

/** Tokens are kept in buckets of this length (the window / 60: one second at 60 s). */
export function tokenBucketMs(windowMs: number): number {
  return Math.max(1, Math.floor(windowMs / 60));
}

/** Rejects a key, time, limit or token count no backend could store faithfully. */
export function validateRequest(key: string, limits: RateLimits, now: number): void {
  validateKey(key);
  validateTime(now);
  if (limits.rpm !== undefined) validatePositive(limits.rpm, 'rpm');
  if (limits.tpm !== undefined) validatePositive(limits.tpm, 'tpm');
}

export function validateTokens(key: string, tokens: number, now: number): void {
  validateKey(key);
  validateTime(now);
  if (!Number.isSafeInteger(tokens) || tokens < 0) throw new RangeError(`tokens must be a non-negative integer, got ${String(tokens)}`);
}

function validateKey(key: string): void {
  if (typeof key !== 'string' || key === '') throw new TypeError('rate-limit key must be a non-empty string');
}

function validateTime(now: number): void {
  if (!Number.isSafeInteger(now)) throw new TypeError(`rate-limit now must be an integer epoch-ms time, got ${String(now)}`);
}

function validatePositive(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
}

export function closedLimiterError(kind: RateLimiterKind): Error {
  return new Error(`the ${kind} rate limiter is closed`);
}

/** One bucket of tokens: the start of its span (epoch ms) and the tokens recorded in it. */
export interface TokenBucket {
  readonly start: number;
  readonly tokens: number;
}

/** How long until a request admitted at `at` leaves the window. */
export function leavesInMs(at: number, now: number, windowMs: number): number {
  return at + windowMs - now;
}

/**
 * How long until the tokens in the window drop below `tpm`: `buckets` are those still in it
 * (a bucket leaves the window `windowMs` after its start), oldest first.
 */
export function tokenWaitMs(buckets: readonly TokenBucket[], tpm: number, now: number, windowMs: number): number | undefined {
  let total = buckets.reduce((sum, bucket) => sum + bucket.tokens, 0);
  if (total < tpm) return undefined;
  for (const bucket of buckets) {
    total -= bucket.tokens;
    if (total < tpm) return bucket.start + windowMs - now;
  }
  return windowMs; // unreachable: an empty window holds 0 < tpm tokens
}

/** The decision from the waits of both limits: refused by the one that lasts longer. */
export function toDecision(requestWait: number | undefined, tokenWait: number | undefined): RateDecision {
  if (requestWait === undefined && tokenWait === undefined) return { allowed: true };
  const byTokens = tokenWait !== undefined && (requestWait === undefined || tokenWait > requestWait);
  const waitMs = (byTokens ? tokenWait : requestWait) as number;
  return { allowed: false, limit: byTokens ? 'tpm' : 'rpm', retryAfterSeconds: toRetryAfterSeconds(waitMs) };
}

/** Whole seconds for `retry-after`, rounded up, at least 1. */
export function toRetryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1_000));
}
