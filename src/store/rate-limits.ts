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
 * - a refusal says which limit and how many whole seconds (>= 1) until a request would be
 *   admitted again, for the `retry-after` header;
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
