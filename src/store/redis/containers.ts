import { closeRedis, connectRedis, withinDeadline, type RedisClient, type RedisConnectionOptions } from './connection.ts';
import { closedContainerStore, validateContainer, type ContainerStore, type StoredContainer } from '../containers.ts';

/**
 * Containers in Redis (`${prefix}ptc-container:${id}` holding `{"expiresAt", "state"}` with a
 * `PX` expiry), shared by every instance that points at the same server and prefix.
 */

export class RedisContainerStore implements ContainerStore {
  readonly kind = 'redis';
  readonly #client: RedisClient;
  readonly #keyPrefix: string;
  readonly #commandTimeoutMs: number;
  #closed = false;

  static async connect(url: string, options: RedisConnectionOptions = {}): Promise<RedisContainerStore> {
    const client = await connectRedis(url, options);
    return new RedisContainerStore(client, options.prefix ?? 'claude-gateway:', options.commandTimeoutMs ?? 1_000);
  }

  private constructor(client: RedisClient, prefix: string, commandTimeoutMs: number) {
    this.#client = client;
    this.#keyPrefix = `${prefix}ptc-container:`;
    this.#commandTimeoutMs = commandTimeoutMs;
  }

  async get(id: string, now: number): Promise<StoredContainer | undefined> {
    this.#assertOpen();
    const value = await withinDeadline(() => this.#client.get(this.#keyPrefix + id), this.#commandTimeoutMs);
    if (value === null) return undefined;
    const parsed = JSON.parse(value) as { expiresAt?: unknown; state?: unknown };
    if (typeof parsed.expiresAt !== 'number' || typeof parsed.state !== 'string' || parsed.expiresAt <= now) return undefined;
    return { id, expiresAt: parsed.expiresAt, state: parsed.state };
  }

  async put(container: StoredContainer, now: number): Promise<void> {
    this.#assertOpen();
    validateContainer(container, now);
    if (container.expiresAt <= now) return;
    const value = JSON.stringify({ expiresAt: container.expiresAt, state: container.state });
    await withinDeadline(() => this.#client.set(this.#keyPrefix + container.id, value, { PX: container.expiresAt - now }), this.#commandTimeoutMs);
  }

  async delete(id: string): Promise<void> {
    this.#assertOpen();
    await withinDeadline(() => this.#client.del(this.#keyPrefix + id), this.#commandTimeoutMs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeRedis(this.#client);
  }

  #assertOpen(): void {
    if (this.#closed) throw closedContainerStore(this.kind);
  }
}
