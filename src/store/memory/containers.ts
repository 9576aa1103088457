import { closedContainerStore, validateContainer, type ContainerStore, type StoredContainer } from '../containers.ts';

/** Containers in this process's memory: one instance only (tests, a single gateway without a store). */
export class MemoryContainerStore implements ContainerStore {
  readonly kind = 'memory';
  readonly #containers = new Map<string, StoredContainer>();
  #closed = false;

  async get(id: string, now: number): Promise<StoredContainer | undefined> {
    this.#assertOpen();
    const container = this.#containers.get(id);
    if (container === undefined || container.expiresAt <= now) return undefined;
    return container;
  }

  async put(container: StoredContainer, now: number): Promise<void> {
    this.#assertOpen();
    validateContainer(container, now);
    // Expired containers are dropped as others are written, so memory stays bounded by the live ones.
    for (const [id, stored] of this.#containers) if (stored.expiresAt <= now) this.#containers.delete(id);
    if (container.expiresAt <= now) return;
    this.#containers.set(container.id, { id: container.id, expiresAt: container.expiresAt, state: container.state });
  }

  async delete(id: string): Promise<void> {
    this.#assertOpen();
    this.#containers.delete(id);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #assertOpen(): void {
    if (this.#closed) throw closedContainerStore(this.kind);
  }
}
