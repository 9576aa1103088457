import { closedStoreError, compareEntries, validateEntry, validateTime, type CooldownEntry, type CooldownStore } from '../cooldowns.ts';

/** The in-memory backend of the cooldown store (the contract and its rules: ../cooldowns.ts). */

export interface MemoryCooldownStoreOptions {
  /** Most keys kept; above it the entry that ends soonest is evicted. Default 10,000. */
  readonly maxEntries?: number;
  /** Expired entries are swept at most this often (by the `now` passed in). Default 60 s. */
  readonly pruneIntervalMs?: number;
}

/** One process's cooldowns in a Map: the default when no shared store is configured. */
export class MemoryCooldownStore implements CooldownStore {
  readonly kind = 'memory';
  readonly #entries = new Map<string, CooldownEntry>();
  readonly #maxEntries: number;
  readonly #pruneIntervalMs: number;
  #lastPrune = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(options: MemoryCooldownStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
    if (!Number.isSafeInteger(this.#maxEntries) || this.#maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  /** How many keys are held, expired ones not yet swept included (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: string, now: number): Promise<CooldownEntry | undefined> {
    this.#assertOpen();
    validateTime(now, 'now');
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  async set(entry: CooldownEntry, now: number): Promise<void> {
    this.#assertOpen();
    const next = validateEntry(entry, now);
    this.#pruneOccasionally(now);
    if (next.until <= now) return;
    const current = this.#entries.get(next.key);
    if (current !== undefined && current.until > now && current.until >= next.until) return;
    this.#entries.set(next.key, next);
    if (this.#entries.size > this.#maxEntries) this.#evict(now);
  }

  async delete(key: string): Promise<void> {
    this.#assertOpen();
    this.#entries.delete(key);
  }

  async list(now: number): Promise<CooldownEntry[]> {
    this.#assertOpen();
    validateTime(now, 'now');
    return [...this.#entries.values()].filter((entry) => entry.until > now).sort(compareEntries);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#entries.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw closedStoreError(this.kind);
  }

  #pruneOccasionally(now: number): void {
    if (now - this.#lastPrune < this.#pruneIntervalMs) return;
    this.#lastPrune = now;
    this.#prune(now);
  }

  #prune(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.until <= now) this.#entries.delete(key);
  }

  /** Over the cap: drop expired entries, then the ones that end soonest (the least harm done). */
  #evict(now: number): void {
    this.#prune(now);
    while (this.#entries.size > this.#maxEntries) {
      let soonest: CooldownEntry | undefined;
      for (const entry of this.#entries.values()) if (soonest === undefined || compareEntries(entry, soonest) < 0) soonest = entry;
      if (soonest === undefined) return;
      this.#entries.delete(soonest.key);
    }
  }
}
