import type { Clock } from '../ids.ts';
import type { CooldownEntry, CooldownStore } from './cooldowns.ts';

/**
 * A shared cooldown store read through a local snapshot (issue 14). Routing asks whether each
 * target cools on every request; asking the shared store each time costs a SQLite read
 * transaction (15-40 µs here), a Redis round trip or a DynamoDB call per request. Instead the
 * whole (small) table is read with `list` at most every `refreshMs`, in the background, and
 * `get` answers from that snapshot: this process's own cooldowns are seen at once (`set` and
 * `delete` update the snapshot when the store has them), another instance's within about
 * `refreshMs` (that instance has already moved its own requests on). The first `get` waits for
 * the first read; a failing read keeps the last snapshot and is retried at the next refresh.
 * `list` is always the store's own answer.
 */

export interface CachedCooldownStoreOptions {
  /** How old the snapshot may get before a background refresh. */
  readonly refreshMs: number;
  /** Monotonic milliseconds (injected in tests). */
  readonly monotonic: () => number;
  /** Epoch milliseconds, for `list(now)` on refresh. */
  readonly now: () => number;
  /** Told when a background refresh fails (the last snapshot stays in use). */
  readonly onRefreshError?: (error: unknown) => void;
}

/** A write this process made while a refresh may not have seen it: an entry, or a deletion. */
interface LocalWrite {
  readonly generation: number;
  readonly entry: CooldownEntry | undefined;
}

export class CachedCooldownStore implements CooldownStore {
  readonly #inner: CooldownStore;
  readonly #options: CachedCooldownStoreOptions;
  #snapshot = new Map<string, CooldownEntry>();
  #loadedAt: number | undefined;
  #refreshing: Promise<void> | undefined;
  /** Counts refreshes started: a local write made at generation g was seen by refreshes started after g. */
  #generation = 0;
  readonly #localWrites = new Map<string, LocalWrite>();

  constructor(inner: CooldownStore, options: CachedCooldownStoreOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  get kind(): CooldownStore['kind'] {
    return this.#inner.kind;
  }

  async get(key: string, now: number): Promise<CooldownEntry | undefined> {
    if (this.#loadedAt === undefined) await this.#refresh();
    else if (this.#options.monotonic() - this.#loadedAt >= this.#options.refreshMs) void this.#refresh().catch((error: unknown) => this.#options.onRefreshError?.(error));
    const entry = this.#snapshot.get(key);
    return entry !== undefined && entry.until > now ? entry : undefined;
  }

  async set(entry: CooldownEntry, now: number): Promise<void> {
    await this.#inner.set(entry, now);
    const current = this.#snapshot.get(entry.key);
    // The store's rule: a cooldown is never shortened.
    if (entry.until > now && (current === undefined || entry.until > current.until)) this.#remember(entry.key, entry);
  }

  async delete(key: string): Promise<void> {
    await this.#inner.delete(key);
    this.#remember(key, undefined);
  }

  list(now: number): Promise<CooldownEntry[]> {
    return this.#inner.list(now);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #remember(key: string, entry: CooldownEntry | undefined): void {
    if (entry === undefined) this.#snapshot.delete(key);
    else this.#snapshot.set(key, entry);
    this.#localWrites.set(key, { generation: this.#generation, entry });
  }

  /** One refresh at a time; callers share it. */
  #refresh(): Promise<void> {
    this.#refreshing ??= this.#load().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #load(): Promise<void> {
    const generation = ++this.#generation;
    const startedAt = this.#options.monotonic();
    let entries: CooldownEntry[];
    try {
      entries = await this.#inner.list(this.#options.now());
    } catch (error) {
      // Tried again after refreshMs, not on every request meanwhile.
      if (this.#loadedAt !== undefined) this.#loadedAt = startedAt;
      throw error;
    }
    const snapshot = new Map(entries.map((entry) => [entry.key, entry]));
    for (const [key, write] of this.#localWrites) {
      // Made before this read started: the store's answer includes it.
      if (write.generation < generation) {
        this.#localWrites.delete(key);
        continue;
      }
      const read = snapshot.get(key);
      if (write.entry === undefined) snapshot.delete(key);
      else if (read === undefined || write.entry.until > read.until) snapshot.set(key, write.entry);
    }
    this.#snapshot = snapshot;
    this.#loadedAt = startedAt;
  }
}

/** `store` read through a snapshot every `refreshMs` (`store.cooldowns_refresh_ms`); the memory store, or 0, as it is. */
export function withCooldownSnapshot(store: CooldownStore, refreshMs: number, clock: Pick<Clock, 'now' | 'monotonic'>, onRefreshError: (error: unknown) => void): CooldownStore {
  if (store.kind === 'memory' || refreshMs === 0) return store;
  return new CachedCooldownStore(store, { refreshMs, monotonic: () => clock.monotonic(), now: () => clock.now(), onRefreshError });
}
