import { closeRedis, connectRedis, withinDeadline, type RedisClient, type RedisConnectionOptions } from './connection.ts';
import { closedStoreError, compareEntries, validateEntry, validateTime, type CooldownEntry, type CooldownStore } from '../cooldowns.ts';

/**
 * Cooldowns in Redis, shared by every gateway instance that points at the same server and
 * prefix. One key per cooldown, `${prefix}cooldown:${key}`, holding `{"until":…,"reason":…}`
 * with a `PX` expiry of `until - now`, so Redis drops it when it ends. The keep-later rule is
 * one Lua script (atomic on the server), so concurrent writers never shorten a cooldown.
 *
 * A store that cannot reach Redis must not hold requests up (redis-connection.ts); the caller
 * treats a rejection as "not cooling".
 */

export type RedisCooldownStoreOptions = RedisConnectionOptions;

// KEYS[1] the Redis key; ARGV: until, now, value JSON, expiry in ms. (`until` is a Lua keyword.)
const keepLaterScript = `
local next_until = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' then
    local current_until = tonumber(decoded['until'])
    if current_until and current_until > now and current_until >= next_until then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
`;

export class RedisCooldownStore implements CooldownStore {
  readonly kind = 'redis';
  readonly #client: RedisClient;
  readonly #keyPrefix: string;
  readonly #commandTimeoutMs: number;
  #closed = false;

  /**
   * Connects to `url` (`redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS).
   * Rejects if the first connection fails; after that, a lost connection is retried forever
   * with backoff (at most 2 s apart) while commands reject.
   */
  static async connect(url: string, options: RedisCooldownStoreOptions = {}): Promise<RedisCooldownStore> {
    const client = await connectRedis(url, options);
    return new RedisCooldownStore(client, options.prefix ?? 'claude-gateway:', options.commandTimeoutMs ?? 500);
  }

  private constructor(client: RedisClient, prefix: string, commandTimeoutMs: number) {
    this.#client = client;
    this.#keyPrefix = `${prefix}cooldown:`;
    this.#commandTimeoutMs = commandTimeoutMs;
  }

  async get(key: string, now: number): Promise<CooldownEntry | undefined> {
    this.#assertOpen();
    validateTime(now, 'now');
    const entry = parseValue(key, await this.#command(() => this.#client.get(this.#keyPrefix + key)));
    return entry !== undefined && entry.until > now ? entry : undefined;
  }

  async set(entry: CooldownEntry, now: number): Promise<void> {
    this.#assertOpen();
    const next = validateEntry(entry, now);
    if (next.until <= now) return;
    const value = JSON.stringify({ until: next.until, reason: next.reason });
    await this.#command(() =>
      this.#client.eval(keepLaterScript, {
        keys: [this.#keyPrefix + next.key],
        arguments: [String(next.until), String(now), value, String(next.until - now)],
      }),
    );
  }

  async delete(key: string): Promise<void> {
    this.#assertOpen();
    await this.#command(() => this.#client.del(`${this.#keyPrefix}${key}`));
  }

  async list(now: number): Promise<CooldownEntry[]> {
    this.#assertOpen();
    validateTime(now, 'now');
    const entries: CooldownEntry[] = [];
    const match = `${escapeGlob(this.#keyPrefix)}*`;
    let cursor = '0';
    do {
      const page = await this.#command(() => this.#client.scan(cursor, { MATCH: match, COUNT: 500 }));
      cursor = page.cursor;
      if (page.keys.length === 0) continue;
      const values = await this.#command(() => this.#client.mGet(page.keys));
      page.keys.forEach((redisKey, index) => {
        const entry = parseValue(redisKey.slice(this.#keyPrefix.length), values[index] ?? null);
        if (entry !== undefined && entry.until > now) entries.push(entry);
      });
    } while (cursor !== '0');
    return entries.sort(compareEntries);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeRedis(this.#client);
  }

  #assertOpen(): void {
    if (this.#closed) throw closedStoreError(this.kind);
  }

  /** Runs one command, rejecting when no reply came within the command timeout. */
  #command<T>(run: () => Promise<T>): Promise<T> {
    return withinDeadline(run, this.#commandTimeoutMs);
  }
}

/** A stored value, or undefined when absent or not ours (a foreign value under the prefix is "not cooling"). */
function parseValue(key: string, value: string | null): CooldownEntry | undefined {
  if (value === null) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { until, reason } = parsed as Record<string, unknown>;
  if (typeof until !== 'number' || !Number.isSafeInteger(until) || typeof reason !== 'string') return undefined;
  return { key, until, reason };
}

/** SCAN MATCH treats `*?[]\` as a glob; the prefix is matched literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}
