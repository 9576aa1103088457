import { describe, expect, it } from 'vitest';
import { CachedCooldownStore } from './cached-cooldowns.ts';
import type { CooldownEntry, CooldownStore } from './cooldowns.ts';
import { MemoryCooldownStore } from './memory/cooldowns.ts';

const now = 1_700_000_000_000;

/** One shared store (the SQLite file, Redis) seen by two instances, each through its own cache. */
function setup(refreshMs = 250) {
  const shared = new MemoryCooldownStore();
  let reads = 0;
  let failReads = false;
  let gate: Promise<void> | undefined;
  const counted: CooldownStore = {
    kind: 'sqlite',
    get: (key, at) => shared.get(key, at),
    set: (entry, at) => shared.set(entry, at),
    delete: (key) => shared.delete(key),
    close: () => shared.close(),
    list: async (at) => {
      reads++;
      if (failReads) throw new Error('store down');
      const entries = await shared.list(at);
      await gate;
      return entries;
    },
  };
  let clock = 0;
  const errors: unknown[] = [];
  const cached = (options: { refreshMs?: number } = {}) =>
    new CachedCooldownStore(counted, { refreshMs: options.refreshMs ?? refreshMs, monotonic: () => clock, now: () => now, onRefreshError: (error) => errors.push(error) });
  return {
    shared,
    cached,
    reads: () => reads,
    advance: (ms: number) => void (clock += ms),
    failReads: (value: boolean) => void (failReads = value),
    hold: () => {
      let release = () => {};
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
    errors,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const entry: CooldownEntry = { key: 'anthropic|claude-sonnet-5-5|cred:1', until: now + 30_000, reason: 'rate_limited' };

describe('cooldowns read through a local snapshot', () => {
  it('reads the store once per refresh interval, not once per request', async () => {
    const world = setup();
    const store = world.cached();
    for (let index = 0; index < 100; index++) expect(await store.get(entry.key, now)).toBeUndefined();
    expect(world.reads()).toBe(1);
    world.advance(250);
    await store.get(entry.key, now);
    await settle();
    expect(world.reads()).toBe(2);
  });

  it("sees its own cooldowns at once, never shortened, and never past their end", async () => {
    const world = setup();
    const store = world.cached();
    await store.get(entry.key, now);
    await store.set(entry, now);
    expect(await store.get(entry.key, now)).toEqual(entry);
    await store.set({ ...entry, until: now + 1_000, reason: 'overloaded' }, now);
    expect(await store.get(entry.key, now)).toEqual(entry);
    expect(await store.get(entry.key, entry.until)).toBeUndefined();
    await store.delete(entry.key);
    expect(await store.get(entry.key, now)).toBeUndefined();
    expect(world.reads()).toBe(1);
  });

  it("sees another instance's cooldown once its snapshot is refreshed", async () => {
    const world = setup();
    const [mine, theirs] = [world.cached(), world.cached()];
    expect(await mine.get(entry.key, now)).toBeUndefined();
    await theirs.set(entry, now);
    expect(await mine.get(entry.key, now)).toBeUndefined();
    world.advance(250);
    // The stale read starts a refresh in the background and answers from the snapshot it has.
    await mine.get(entry.key, now);
    await settle();
    expect(await mine.get(entry.key, now)).toEqual(entry);
  });

  it('keeps a cooldown set while a refresh was reading', async () => {
    const world = setup();
    const store = world.cached();
    await store.get(entry.key, now);
    world.advance(250);
    const release = world.hold();
    await store.get(entry.key, now); // starts a refresh that reads the store before the set below
    await store.set(entry, now);
    release();
    await settle();
    expect(await store.get(entry.key, now)).toEqual(entry);
    // The next refresh reads it from the store itself.
    world.advance(250);
    await store.get(entry.key, now);
    await settle();
    expect(await store.get(entry.key, now)).toEqual(entry);
  });

  it('keeps its last snapshot while the store cannot be read, and fails the first read', async () => {
    const world = setup();
    world.failReads(true);
    const store = world.cached();
    await expect(store.get(entry.key, now)).rejects.toThrow('store down');
    world.failReads(false);
    await world.shared.set(entry, now);
    expect(await store.get(entry.key, now)).toEqual(entry);
    world.failReads(true);
    world.advance(250);
    expect(await store.get(entry.key, now)).toEqual(entry);
    await settle();
    expect(world.errors).toHaveLength(1);
    // Not retried on every request meanwhile.
    const reads = world.reads();
    await store.get(entry.key, now);
    await settle();
    expect(world.reads()).toBe(reads);
  });

  it('lists what the store holds, not the snapshot', async () => {
    const world = setup();
    const store = world.cached();
    await store.get(entry.key, now);
    await world.shared.set(entry, now);
    expect(await store.list(now)).toEqual([entry]);
    expect(store.kind).toBe('sqlite');
  });
});
