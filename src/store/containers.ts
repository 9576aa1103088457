/**
 * Programmatic Tool Calling containers (src/ptc/, docs/ptc.md): what a paused code execution
 * needs to resume on any instance, kept in the shared store with the container's expiry. The
 * store holds the state as opaque JSON text (src/ptc/container.ts reads and writes it).
 *
 * Rules every implementation follows (one shared test suite holds them to it):
 * - a container whose `expiresAt <= now` is never returned, whether or not the backend dropped it;
 * - `put` replaces the container (last writer wins) and stores nothing when it is already expired;
 * - after `close`, every operation rejects; a second `close` does nothing.
 */

export interface StoredContainer {
  readonly id: string;
  /** Epoch milliseconds at which the container expires. */
  readonly expiresAt: number;
  /** The container's state as JSON text. */
  readonly state: string;
}

export type ContainerStoreKind = 'memory' | 'sqlite' | 'redis' | 'dynamodb';

export interface ContainerStore {
  readonly kind: ContainerStoreKind;
  get(id: string, now: number): Promise<StoredContainer | undefined>;
  put(container: StoredContainer, now: number): Promise<void>;
  delete(id: string): Promise<void>;
  close(): Promise<void>;
}

export function validateContainer(container: StoredContainer, now: number): void {
  if (typeof container.id !== 'string' || container.id === '') throw new TypeError('container id must be a non-empty string');
  if (typeof container.state !== 'string') throw new TypeError('container state must be a string');
  if (!Number.isSafeInteger(container.expiresAt)) throw new TypeError(`container expiresAt must be an integer epoch-ms time, got ${String(container.expiresAt)}`);
  if (!Number.isSafeInteger(now)) throw new TypeError(`now must be an integer epoch-ms time, got ${String(now)}`);
}

export function closedContainerStore(kind: ContainerStoreKind): Error {
  return new Error(`the ${kind} container store is closed`);
}
