/**
 * Cooldown state for the routing layer. When an upstream target is rate limited or failing,
 * routing marks its key as cooling until an epoch-ms time and other requests skip it until
 * then. The store is shared state behind one interface: in process memory (one instance), a
 * SQLite file (several processes on one host) or Redis (several hosts).
 *
 * Rules every implementation follows (one shared test suite holds them to it):
 * - an entry is cooling at `now` when `until > now`; an entry with `until <= now` is never
 *   returned, whether or not the backend has dropped it yet;
 * - `set` never shortens a cooldown: when the key already cools until a later (or the same)
 *   time, the stored entry, reason included, stays; a strictly later `until` replaces it;
 * - `set` of an entry already over at `now` stores nothing;
 * - `list` is ordered by `until`, then by key;
 * - after `close`, every operation rejects; a second `close` does nothing.
 *
 * Time is always passed in (`now`), so the caller's clock decides and tests are deterministic.
 */

export interface CooldownEntry {
  /** Opaque target key, e.g. `anthropic|claude-sonnet-5-5|cred:3f2a…`. */
  readonly key: string;
  /** Epoch milliseconds at which the cooldown ends. */
  readonly until: number;
  /** Why the target cools, e.g. `rate_limited`, `overloaded`. */
  readonly reason: string;
}

export type CooldownStoreKind = 'memory' | 'sqlite' | 'redis' | 'dynamodb';

export interface CooldownStore {
  readonly kind: CooldownStoreKind;
  /** The entry for `key` if it is still cooling at `now` (epoch ms); expired entries are never returned. */
  get(key: string, now: number): Promise<CooldownEntry | undefined>;
  /** Marks a cooldown; an existing later `until` for the same key wins (never shortened by a concurrent writer). */
  set(entry: CooldownEntry, now: number): Promise<void>;
  /** Every entry still cooling at `now`, soonest end first (for GET /debug and the admin UI). */
  list(now: number): Promise<CooldownEntry[]>;
  /** Ends the cooldown of `key` now (an operator's override; tests). */
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Rejects values no backend could store faithfully (a float or NaN `until`, a non-string key). */
export function validateEntry(entry: CooldownEntry, now: number): CooldownEntry {
  if (typeof entry.key !== 'string' || entry.key === '') throw new TypeError('cooldown key must be a non-empty string');
  if (typeof entry.reason !== 'string') throw new TypeError('cooldown reason must be a string');
  validateTime(entry.until, 'until');
  validateTime(now, 'now');
  return { key: entry.key, until: entry.until, reason: entry.reason };
}

export function validateTime(value: number, name: string): void {
  if (!Number.isSafeInteger(value)) throw new TypeError(`cooldown ${name} must be an integer epoch-ms time, got ${String(value)}`);
}

/** The `list` order: soonest end first, then by key so equal ends are stable. */
export function compareEntries(left: CooldownEntry, right: CooldownEntry): number {
  if (left.until !== right.until) return left.until - right.until;
  return left.key < right.key ? -1 : left.key > right.key ? 1 : 0;
}

export function closedStoreError(kind: CooldownStoreKind): Error {
  return new Error(`the ${kind} cooldown store is closed`);
}
