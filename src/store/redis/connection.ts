import { createClient } from 'redis';
import { redactUrl } from '../../config/load.ts';

/**
 * The Redis connection every shared-state store uses (cooldowns, rate limits): it must never
 * hold a request up. While disconnected, commands reject at once (no offline queue) and the
 * client reconnects in the background, at most 2 s apart. A server that accepts commands but
 * does not answer (hung, paused) is covered by `withinDeadline`: node-redis's own command
 * timeout only covers commands not yet written. The late reply is still read and matched, and
 * at most `maxPendingCommands` wait for one; beyond that, commands reject at once.
 */

export interface RedisConnectionOptions {
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

export type RedisClient = ReturnType<typeof createResilientClient>;

function createResilientClient(url: string, options: RedisConnectionOptions, isConnected: () => boolean) {
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

/**
 * Connects to `url` (`redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS).
 * Rejects if the first connection fails; after that, a lost connection is retried forever.
 */
export async function connectRedis(url: string, options: RedisConnectionOptions): Promise<RedisClient> {
  let connected = false;
  const client = createResilientClient(url, options, () => connected);
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
  return client;
}

/** Closes the client gracefully, or destroys it when that fails. */
export async function closeRedis(client: RedisClient): Promise<void> {
  try {
    await client.close();
  } catch {
    client.destroy();
  }
}

/** Runs one command (or script call), rejecting when no reply came within `timeoutMs`. */
export async function withinDeadline<T>(run: () => Promise<T>, timeoutMs: number): Promise<T> {
  const reply = run();
  reply.catch(() => {}); // the caller already has the deadline error when a late reply fails
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([reply, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
