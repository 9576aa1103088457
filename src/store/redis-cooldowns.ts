import { createClient } from 'redis';
import { closedStoreError, compareEntries, validateEntry, validateTime, type CooldownEntry, type CooldownStore } from './cooldowns.ts';

/**
 * Cooldowns in Redis, shared by every gateway instance that points at the same server and
 * prefix. One key per cooldown, `${prefix}cooldown:${key}`, holding `{"until":…,"reason":…}`
 * with a `PX` expiry of `until - now`, so Redis drops it when it ends. The keep-later rule is
 * one Lua script (atomic on the server), so concurrent writers never shorten a cooldown.
 *
 * A store that cannot reach Redis must not hold requests up; the caller treats a rejection as
 * "not cooling". While the client is disconnected, commands reject at once (no offline queue)
 * and it reconnects in the background. A server that accepts commands but does not answer
 * (hung, paused) is covered by our own deadline on each command: node-redis's command timeout
 * only covers commands not yet written. The late reply is still read and matched, and at most
 * `maxPendingCommands` wait for one; beyond that, commands reject at once.
 */

export interface RedisCooldownStoreOptions {
  /** Namespace of every key, so gateways can share a Redis with other users. Default `claude-gateway:`. */
  readonly prefix?: string;
  /** A command without a reply by then rejects. Default 500 ms. */
  readonly commandTimeoutMs?: number;
  /** Commands waiting to be written or answered; more reject at once. Default 1,000. */
  readonly maxPendingCommands?: number;
  /** The first connection must succeed within this, or `connect` rejects. Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Connection errors (each reconnect attempt too), for logging; they never throw. */
  readonly onError?: (error: Error) => void;
}

type RedisClient = ReturnType<typeof createCooldownClient>;

/** Never queues commands while disconnected; gives up at once if the first connection fails. */
function createCooldownClient(url: string, options: RedisCooldownStoreOptions, isConnected: () => boolean) {
  return createClient({
    url,
    disableOfflineQueue: true,
    commandsQueueMaxLength: options.maxPendingCommands ?? 1_000,
    commandOptions: { timeout: options.commandTimeoutMs ?? 500 },
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      reconnectStrategy: (retries, cause) => (isConnected() ? Math.min(50 * 2 ** retries, 2_000) : cause),
    },
  });
}

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
    let connected = false;
    const client = createCooldownClient(url, options, () => connected);
    const onError = options.onError ?? ((): void => {});
    // Without a listener an 'error' event would crash the process.
    client.on('error', (error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
    try {
      await client.connect();
    } catch (error) {
      client.destroy();
      throw new Error(`cannot connect to Redis at ${redactUrl(url)}`, { cause: error });
    }
    connected = true;
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
    try {
      await this.#client.close();
    } catch {
      this.#client.destroy();
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw closedStoreError(this.kind);
  }

  /** Runs one command, rejecting when no reply came within the command timeout. */
  async #command<T>(run: () => Promise<T>): Promise<T> {
    const reply = run();
    reply.catch(() => {}); // the caller already has the deadline error when a late reply fails
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${this.#commandTimeoutMs} ms`)), this.#commandTimeoutMs);
    });
    try {
      return await Promise.race([reply, deadline]);
    } finally {
      clearTimeout(timer);
    }
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

/** The URL without its password, for error messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an invalid URL)';
  }
}
