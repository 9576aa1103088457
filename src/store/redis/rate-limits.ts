import { createHash } from 'node:crypto';
import { randomBase62 } from '../../ids.ts';
import { closeRedis, connectRedis, withinDeadline, type RedisClient, type RedisConnectionOptions } from './connection.ts';
import { closedLimiterError, rateWindowMs, toDecision, tokenBucketMs, validateRequest, validateTokens, type RateDecision, type RateLimiter, type RateLimits } from '../rate-limits.ts';

/**
 * Rate-limit windows in Redis, shared by every gateway instance that points at the same server
 * and prefix. Each decision is one Lua script (atomic on the server) that reads the time from
 * Redis `TIME`, so the instances' clocks do not matter (the `now` passed in is only checked).
 *
 * Per key, two Redis keys, both with the key in hash-tag braces so a cluster keeps them on one
 * slot: `${prefix}rl:{key}:req`, a sorted set of admitted requests (score = admission time in
 * ms, a random member so equal times do not merge), and `${prefix}rl:{key}:tok`, a hash of
 * token buckets (field = window/60-long bucket number, value = tokens; one-second buckets at
 * the 60 s window). The scripts drop what left the window and `PEXPIRE` every key they write
 * by the window, so keys of idle users expire on their own. Requests are logged only for
 * calls with an `rpm`, and only when admitted.
 *
 * A limiter that cannot reach Redis must not hold requests up: every call rejects within
 * `commandTimeoutMs` (while disconnected at once, since there is no offline queue), and the
 * caller decides whether to fail open or closed (redis-connection.ts).
 */

export interface RedisRateLimiterOptions extends RedisConnectionOptions {
  /** The window length; 60 s in production, shorter in tests (Redis time cannot be faked). */
  readonly windowMs?: number;
}

const clock = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

// KEYS: request log, token buckets. ARGV: rpm, tpm (0 = none), window ms, bucket ms, member.
// Returns {admitted 0/1, ms until a request slot frees (-1 none), ms until tokens drop below tpm (-1 none)}.
const admitScript = `${clock}
local rpm, tpm = tonumber(ARGV[1]), tonumber(ARGV[2])
local window, bucket_ms = tonumber(ARGV[3]), tonumber(ARGV[4])
local since = now - window
local request_wait, token_wait = -1, -1
if rpm > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', since))
  local count = redis.call('ZCARD', KEYS[1])
  if count >= rpm then
    local leaving = redis.call('ZRANGE', KEYS[1], count - rpm, count - rpm, 'WITHSCORES')
    request_wait = tonumber(leaving[2]) + window - now
  end
end
if tpm > 0 then
  local fields = redis.call('HGETALL', KEYS[2])
  local buckets, total = {}, 0
  for index = 1, #fields, 2 do
    local start = tonumber(fields[index]) * bucket_ms
    if start <= since then
      redis.call('HDEL', KEYS[2], fields[index])
    else
      local tokens = tonumber(fields[index + 1])
      total = total + tokens
      buckets[#buckets + 1] = {start, tokens}
    end
  end
  if total >= tpm then
    table.sort(buckets, function(left, right) return left[1] < right[1] end)
    for _, bucket in ipairs(buckets) do
      total = total - bucket[2]
      if total < tpm then
        token_wait = bucket[1] + window - now
        break
      end
    end
  end
end
if request_wait >= 0 or token_wait >= 0 then return {0, request_wait, token_wait} end
if rpm > 0 then
  redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[5])
  redis.call('PEXPIRE', KEYS[1], window)
end
return {1, -1, -1}
`;

// KEYS: token buckets. ARGV: tokens, window ms, bucket ms.
const recordTokensScript = `${clock}
local bucket = math.floor(now / tonumber(ARGV[3]))
redis.call('HINCRBY', KEYS[1], string.format('%.0f', bucket), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

interface Script {
  readonly source: string;
  readonly sha1: string;
}

const toScript = (source: string): Script => ({ source, sha1: createHash('sha1').update(source).digest('hex') });
const admitLua = toScript(admitScript);
const recordTokensLua = toScript(recordTokensScript);

export class RedisRateLimiter implements RateLimiter {
  readonly kind = 'redis';
  readonly #client: RedisClient;
  readonly #keyPrefix: string;
  readonly #windowMs: number;
  readonly #commandTimeoutMs: number;
  #closed = false;

  /**
   * Connects to `url` (`redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS).
   * Rejects if the first connection fails; after that, a lost connection is retried forever
   * with backoff (at most 2 s apart) while calls reject.
   */
  static async connect(url: string, options: RedisRateLimiterOptions = {}): Promise<RedisRateLimiter> {
    const windowMs = options.windowMs ?? rateWindowMs;
    if (!Number.isSafeInteger(windowMs) || windowMs < 60) throw new RangeError('windowMs must be an integer of at least 60');
    const client = await connectRedis(url, options);
    return new RedisRateLimiter(client, options.prefix ?? 'claude-gateway:', windowMs, options.commandTimeoutMs ?? 500);
  }

  private constructor(client: RedisClient, prefix: string, windowMs: number, commandTimeoutMs: number) {
    this.#client = client;
    this.#keyPrefix = `${prefix}rl:`;
    this.#windowMs = windowMs;
    this.#commandTimeoutMs = commandTimeoutMs;
  }

  /** The Redis keys of `key`'s request log and token buckets (for tests and operators). */
  redisKeys(key: string): { readonly requests: string; readonly tokens: string } {
    return { requests: `${this.#keyPrefix}{${key}}:req`, tokens: `${this.#keyPrefix}{${key}}:tok` };
  }

  async admit(key: string, limits: RateLimits, now: number): Promise<RateDecision> {
    this.#assertOpen();
    validateRequest(key, limits, now);
    if (limits.rpm === undefined && limits.tpm === undefined) return { allowed: true };
    const { requests, tokens } = this.redisKeys(key);
    const windowArguments = [String(this.#windowMs), String(tokenBucketMs(this.#windowMs))];
    const reply = await this.#run(admitLua, [requests, tokens], [String(limits.rpm ?? 0), String(limits.tpm ?? 0), ...windowArguments, randomBase62(16)]);
    const [admitted, requestWait, tokenWait] = parseAdmitReply(reply);
    if (admitted) return { allowed: true };
    return toDecision(requestWait < 0 ? undefined : requestWait, tokenWait < 0 ? undefined : tokenWait);
  }

  async recordTokens(key: string, tokens: number, now: number): Promise<void> {
    this.#assertOpen();
    validateTokens(key, tokens, now);
    if (tokens === 0) return;
    await this.#run(recordTokensLua, [this.redisKeys(key).tokens], [String(tokens), String(this.#windowMs), String(tokenBucketMs(this.#windowMs))]);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeRedis(this.#client);
  }

  #assertOpen(): void {
    if (this.#closed) throw closedLimiterError(this.kind);
  }

  /** `EVALSHA`, or `EVAL` when the server does not have the script cached, within one deadline. */
  #run(script: Script, keys: string[], values: string[]): Promise<unknown> {
    const options = { keys, arguments: values };
    return withinDeadline(async () => {
      try {
        return await this.#client.evalSha(script.sha1, options);
      } catch (error) {
        if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
        return await this.#client.eval(script.source, options);
      }
    }, this.#commandTimeoutMs);
  }
}

function parseAdmitReply(reply: unknown): [admitted: boolean, requestWait: number, tokenWait: number] {
  if (Array.isArray(reply) && reply.length === 3 && reply.every((value) => typeof value === 'number')) {
    const [admitted, requestWait, tokenWait] = reply as [number, number, number];
    return [admitted === 1, requestWait, tokenWait];
  }
  throw new Error(`unexpected reply from the Redis rate-limit script: ${JSON.stringify(reply)}`);
}
