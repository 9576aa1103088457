import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedisServer } from '../../test/helpers/redis-server.ts';
import type { CooldownEntry, CooldownStore, CooldownStoreKind } from './cooldowns.ts';
import { MemoryCooldownStore } from './memory/cooldowns.ts';
import { RedisCooldownStore } from './redis/cooldowns.ts';
import { migrations, openSqlite } from './sqlite/database.ts';
import { SqliteCooldownStore } from './sqlite/cooldowns.ts';
import { startDynalite, type TestDynamo } from '../../test/helpers/dynalite.ts';
import { DynamoCooldownStore } from './dynamodb/cooldowns.ts';
import { createDynamoClient, setupTables, tableName } from './dynamodb/tables.ts';

const now = 1_700_000_000_000;

/** Fresh state for one test; every `open` is another store on that same state (another process). */
interface Backend {
  open(): Promise<CooldownStore>;
  dispose(): Promise<void>;
}

/** Keys as routing builds them, plus every character class that could trip a backend. */
const oddKeys = [
  'anthropic|claude-sonnet-5-5|cred:3f2a9c',
  'bedrock|us.anthropic.claude-opus-5-1-v1:0|role:arn:aws:iam::123456789012:role/gw',
  'glob*?[a-z]\\^',
  `quotes"'\`{}();--`,
  'spaces and %s %d ${x}',
  'unicodé ✓ 😀',
  'cooldown:nested:prefix',
  'x'.repeat(512),
];

function describeCooldownStore(kind: CooldownStoreKind, createBackend: () => Promise<Backend>): void {
  describe(`${kind} cooldown store (shared suite)`, () => {
    let backend: Backend;
    let store: CooldownStore;
    beforeEach(async () => {
      backend = await createBackend();
      store = await backend.open();
    });
    afterEach(() => backend.dispose());

    it('delete ends a cooldown at once', async () => {
      await store.set({ key: 'anthropic|m|user:a', until: now + 5_000, reason: 'rate_limited' }, now);
      await store.delete('anthropic|m|user:a');
      await store.delete('never-set');
      expect(await store.get('anthropic|m|user:a', now)).toBeUndefined();
    });

    it('says what it is and has nothing for a key never set', async () => {
      expect(store.kind).toBe(kind);
      expect(await store.get('anthropic|m|cred:1', now)).toBeUndefined();
      expect(await store.list(now)).toEqual([]);
    });

    it('returns an entry while it cools and never at or after its end', async () => {
      const entry = { key: 'anthropic|claude-sonnet-5-5|cred:3f2a', until: now + 30_000, reason: 'rate_limited' };
      await store.set(entry, now);
      expect(await store.get(entry.key, now)).toEqual(entry);
      expect(await store.list(now + 29_999)).toEqual([entry]);
      expect(await store.get(entry.key, now + 29_999)).toEqual(entry);
      expect(await store.list(now + 30_000)).toEqual([]);
      expect(await store.get(entry.key, now + 30_000)).toBeUndefined();
      expect(await store.get(entry.key, now + 90_000)).toBeUndefined();
    });

    it('stores nothing for an entry already over at now', async () => {
      await store.set({ key: 'ends-now', until: now, reason: 'overloaded' }, now);
      await store.set({ key: 'ended', until: now - 1, reason: 'overloaded' }, now);
      expect(await store.list(now - 10)).toEqual([]);
    });

    it('keeps the later until with its reason, whichever write comes first; a tie keeps the first', async () => {
      await store.set({ key: 'a', until: now + 60_000, reason: 'overloaded' }, now);
      await store.set({ key: 'a', until: now + 10_000, reason: 'rate_limited' }, now + 1);
      await store.set({ key: 'b', until: now + 10_000, reason: 'rate_limited' }, now);
      await store.set({ key: 'b', until: now + 60_000, reason: 'overloaded' }, now + 1);
      await store.set({ key: 'c', until: now + 10_000, reason: 'first' }, now);
      await store.set({ key: 'c', until: now + 10_000, reason: 'second' }, now + 2);
      expect(await store.list(now + 2)).toEqual([
        { key: 'c', until: now + 10_000, reason: 'first' },
        { key: 'a', until: now + 60_000, reason: 'overloaded' },
        { key: 'b', until: now + 60_000, reason: 'overloaded' },
      ]);
    });

    it('replaces an ended entry by a new, shorter one', async () => {
      await store.set({ key: 'k', until: now + 60_000, reason: 'overloaded' }, now);
      await store.set({ key: 'k', until: now + 65_000, reason: 'rate_limited' }, now + 61_000);
      expect(await store.get('k', now + 61_000)).toEqual({ key: 'k', until: now + 65_000, reason: 'rate_limited' });
    });

    it('never shortens a cooldown when two store instances race on one key', async () => {
      const other = await backend.open();
      // 40 distinct ends in scrambled order; the latest (now + 40 s) is written second, by `other`.
      const writes = Array.from({ length: 40 }, (_, index) => ({ until: now + 1_000 + ((index * 39) % 40) * 1_000, writer: index }));
      await Promise.all(writes.map(({ until, writer }) => (writer % 2 === 0 ? store : other).set({ key: 'race', until, reason: `writer-${writer}` }, now)));
      const winner = { key: 'race', until: now + 40_000, reason: 'writer-1' };
      expect(await store.get('race', now)).toEqual(winner);
      expect(await other.get('race', now)).toEqual(winner);
    });

    it('lists what cools at now, soonest end first, equal ends by key', async () => {
      await store.set({ key: 'late', until: now + 90_000, reason: 'overloaded' }, now);
      await store.set({ key: 'tie-b', until: now + 20_000, reason: 'rate_limited' }, now);
      await store.set({ key: 'tie-a', until: now + 20_000, reason: 'rate_limited' }, now);
      await store.set({ key: 'soon', until: now + 5_000, reason: 'overloaded' }, now);
      expect(await store.list(now + 5_000)).toEqual([
        { key: 'tie-a', until: now + 20_000, reason: 'rate_limited' },
        { key: 'tie-b', until: now + 20_000, reason: 'rate_limited' },
        { key: 'late', until: now + 90_000, reason: 'overloaded' },
      ]);
    });

    it('keeps keys with any printable characters apart and intact', async () => {
      const entries = oddKeys.map((key, index) => ({ key, until: now + (oddKeys.length - index) * 1_000, reason: `reason ${index} ✓` }));
      for (const entry of entries) await store.set(entry, now);
      for (const entry of entries) expect(await store.get(entry.key, now)).toEqual(entry);
      expect(await store.list(now)).toEqual([...entries].reverse());
    });

    it('refuses a time that is not an integer epoch-ms value', async () => {
      await expect(store.set({ key: 'k', until: now + 0.5, reason: 'x' }, now)).rejects.toThrow(
        new TypeError('cooldown until must be an integer epoch-ms time, got 1700000000000.5'),
      );
      await expect(store.get('k', Number.NaN)).rejects.toThrow(new TypeError('cooldown now must be an integer epoch-ms time, got NaN'));
    });

    it('rejects every operation after close, and a second close does nothing', async () => {
      await store.set({ key: 'k', until: now + 1_000, reason: 'x' }, now);
      await store.close();
      await store.close();
      const closed = `the ${kind} cooldown store is closed`;
      await expect(store.get('k', now)).rejects.toThrow(closed);
      await expect(store.set({ key: 'k', until: now + 1_000, reason: 'x' }, now)).rejects.toThrow(closed);
      await expect(store.list(now)).rejects.toThrow(closed);
    });
  });
}

describeCooldownStore('memory', async () => {
  // One process's memory: there is no second instance on the same state, so `open` returns the one store.
  const store = new MemoryCooldownStore();
  return { open: async () => store, dispose: () => store.close() };
});

// DynamoDB (dynalite): each test gets its own table prefix; every `open` is another instance.
let dynamo: TestDynamo | undefined;
let dynamoTablesMade = 0;
afterAll(async () => dynamo?.stop());
describeCooldownStore('dynamodb', async () => {
  dynamo ??= await startDynalite();
  const connection = { region: dynamo.region, endpoint: dynamo.endpoint, credentials: dynamo.credentials, tablePrefix: `cd${++dynamoTablesMade}-` };
  await setupTables(connection);
  const stores: CooldownStore[] = [];
  return {
    open: async () => {
      stores.push(new DynamoCooldownStore(createDynamoClient(connection), { tableName: tableName(connection.tablePrefix, 'cooldowns'), ownsClient: true }));
      return stores.at(-1) as CooldownStore;
    },
    dispose: () => closeAll(stores),
  };
});

describe('memory cooldown store', () => {
  const entry = (key: string, offset: number): CooldownEntry => ({ key, until: now + offset, reason: 'rate_limited' });

  it('above its cap evicts the entries that end soonest', async () => {
    const store = new MemoryCooldownStore({ maxEntries: 3 });
    for (const [key, offset] of [['d', 4_000], ['a', 1_000], ['c', 3_000], ['b', 2_000]] as const) await store.set(entry(key, offset), now);
    expect(store.size).toBe(3);
    expect(await store.list(now)).toEqual([entry('b', 2_000), entry('c', 3_000), entry('d', 4_000)]);
  });

  it('above its cap drops ended entries before cooling ones', async () => {
    const store = new MemoryCooldownStore({ maxEntries: 2, pruneIntervalMs: Number.MAX_SAFE_INTEGER });
    await store.set(entry('ended', 10), now);
    await store.set(entry('long', 5_000), now);
    await store.set(entry('new', 3_000), now + 100);
    expect(await store.list(now + 100)).toEqual([entry('new', 3_000), entry('long', 5_000)]);
  });
});

function temporaryDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'claude-gateway-store-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

async function closeAll(stores: readonly CooldownStore[]): Promise<void> {
  await Promise.all(stores.map((store) => store.close()));
}

describeCooldownStore('sqlite', async () => {
  const directory = temporaryDirectory();
  const stores: CooldownStore[] = [];
  return {
    open: async () => {
      stores.push(SqliteCooldownStore.open(join(directory.path, 'gateway.db')));
      return stores.at(-1) as CooldownStore;
    },
    dispose: async () => {
      await closeAll(stores);
      directory.remove();
    },
  };
});

describe('sqlite cooldown store', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  beforeEach(() => void (directory = temporaryDirectory()));
  afterEach(() => directory.remove());
  const entry = { key: 'anthropic|m|cred:1', until: now + 60_000, reason: 'overloaded' };

  it('creates its directory and keeps cooldowns across close and reopen', async () => {
    const path = join(directory.path, 'nested', 'deeper', 'gateway.db');
    const before = SqliteCooldownStore.open(path);
    await before.set(entry, now);
    await before.close();
    const after = SqliteCooldownStore.open(path);
    expect(await after.list(now)).toEqual([entry]);
    await after.close();
  });

  it('shares one file between two open stores (two processes)', async () => {
    const path = join(directory.path, 'gateway.db');
    const [first, second] = [SqliteCooldownStore.open(path), SqliteCooldownStore.open(path)];
    await first.set(entry, now);
    expect(await second.get(entry.key, now)).toEqual(entry);
    await second.set({ ...entry, key: 'other', until: now + 1_000 }, now);
    expect(await first.list(now)).toEqual([{ ...entry, key: 'other', until: now + 1_000 }, entry]);
    await closeAll([first, second]);
  });

  it('migrates a new file once, in WAL mode, then applies only appended migrations', () => {
    const path = join(directory.path, 'gateway.db');
    const latest = migrations.length;
    const first = openSqlite(path, { clock: { now: () => 1_000 } });
    expect(first.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    first.close();
    const appended = [...migrations, { version: latest + 1, description: 'a later table', sql: 'CREATE TABLE later (id INTEGER PRIMARY KEY)' }];
    const second = openSqlite(path, { migrations: appended, clock: { now: () => 2_000 } });
    expect(second.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all()).toEqual([
      ...migrations.map((migration) => ({ version: migration.version, applied_at: 1_000 })),
      { version: latest + 1, applied_at: 2_000 },
    ]);
    second.close();
    expect(() => openSqlite(path)).toThrow(
      `the database schema is at version ${latest + 1}, newer than this gateway knows (${latest}); run a newer gateway or another file`,
    );
  });

  it('rolls a failing migration back whole and refuses a gap in versions', () => {
    const path = join(directory.path, 'gateway.db');
    const next = migrations.length + 1;
    const broken = [...migrations, { version: next, description: 'broken', sql: 'CREATE TABLE half (id INTEGER); SELECT * FROM missing' }];
    expect(() => openSqlite(path, { migrations: broken })).toThrow(`SQLite migration ${next} (broken) failed`);
    const database = openSqlite(path);
    const tables = database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((row) => row['name']);
    expect(tables).toContain('cooldowns');
    expect(tables).not.toContain('half');
    database.close();
    expect(() => openSqlite(join(directory.path, 'gap.db'), { migrations: [{ version: 2, description: 'gap', sql: '' }] })).toThrow(
      'migration versions must run 1, 2, 3… without gaps; position 0 has version 2',
    );
  });
});

describe('redis', () => {
  let server: TestRedisServer;
  let raw: ReturnType<typeof createClient>;
  let backends = 0;
  beforeAll(async () => {
    server = await startRedisServer();
    raw = createClient({ url: server.url });
    await raw.connect();
  });
  afterAll(async () => {
    await raw?.close();
    await server?.stop();
  });

  /** A prefix per test, with glob characters, so SCAN's MATCH must escape it. */
  const nextPrefix = (): string => `gw-test[${++backends}]*?:`;

  describeCooldownStore('redis', async () => {
    const prefix = nextPrefix();
    const stores: CooldownStore[] = [];
    return {
      open: async () => {
        stores.push(await RedisCooldownStore.connect(server.url, { prefix }));
        return stores.at(-1) as CooldownStore;
      },
      dispose: () => closeAll(stores),
    };
  });

  describe('redis cooldown store', () => {
    const entry = { key: 'anthropic|m|cred:1', until: now + 60_000, reason: 'overloaded' };

    it('shares cooldowns between clients with the same prefix, and only them', async () => {
      const prefix = nextPrefix();
      const [first, second] = await Promise.all([RedisCooldownStore.connect(server.url, { prefix }), RedisCooldownStore.connect(server.url, { prefix })]);
      const stranger = await RedisCooldownStore.connect(server.url, { prefix: nextPrefix() });
      await first.set(entry, now);
      expect(await second.get(entry.key, now)).toEqual(entry);
      expect(await second.list(now)).toEqual([entry]);
      expect(await stranger.list(now)).toEqual([]);
      await closeAll([first, second, stranger]);
    });

    it('stores JSON under the prefixed key with a PX expiry of until - now, and Redis drops it then', async () => {
      const prefix = nextPrefix();
      const store = await RedisCooldownStore.connect(server.url, { prefix });
      await store.set(entry, now);
      const redisKey = `${prefix}cooldown:${entry.key}`;
      expect(await raw.get(redisKey)).toBe(`{"until":${now + 60_000},"reason":"overloaded"}`);
      const remaining = await raw.pTTL(redisKey);
      expect(remaining > 55_000 && remaining <= 60_000).toBe(true);
      await store.set({ key: 'short', until: now + 150, reason: 'rate_limited' }, now);
      while ((await raw.pTTL(`${prefix}cooldown:short`)) !== -2) await new Promise((resolve) => setTimeout(resolve, 25));
      // Gone although the caller's clock still says it cools: the expiry did it.
      expect(await store.get('short', now)).toBeUndefined();
      await store.close();
    });

    it('treats a foreign value under the prefix as not cooling, and overwrites it', async () => {
      const prefix = nextPrefix();
      const store = await RedisCooldownStore.connect(server.url, { prefix });
      await raw.set(`${prefix}cooldown:${entry.key}`, 'not json');
      expect(await store.get(entry.key, now)).toBeUndefined();
      expect(await store.list(now)).toEqual([]);
      await store.set(entry, now);
      expect(await store.get(entry.key, now)).toEqual(entry);
      await store.close();
    });

    it('fails to connect with a clear error when nothing listens', async () => {
      const gone = await startRedisServer();
      await gone.stop();
      await expect(RedisCooldownStore.connect(gone.url, { connectTimeoutMs: 1_000 })).rejects.toThrow(`cannot connect to Redis at ${gone.url}`);
    });

    it('rejects quickly instead of hanging when the server hangs or goes away, and reports errors', async () => {
      const own = await startRedisServer();
      const errors: Error[] = [];
      const store = await RedisCooldownStore.connect(own.url, { commandTimeoutMs: 200, onError: (error) => errors.push(error) });
      const withinTwoSeconds = <T>(promise: Promise<T>): Promise<T | 'still waiting'> =>
        Promise.race([promise, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 2_000))]);
      try {
        await store.set(entry, now);
        process.kill(own.pid, 'SIGSTOP');
        try {
          await expect(withinTwoSeconds(store.get(entry.key, now))).rejects.toThrow('Redis did not answer within 200 ms');
          await expect(withinTwoSeconds(store.set({ ...entry, key: 'other' }, now))).rejects.toThrow('Redis did not answer within 200 ms');
        } finally {
          process.kill(own.pid, 'SIGCONT');
        }
        // Late replies go to the abandoned commands, not the next ones; the abandoned write still landed.
        expect(await store.get(entry.key, now)).toEqual(entry);
        expect(await store.list(now)).toEqual([entry, { ...entry, key: 'other' }]);
        await own.stop();
        await expect(withinTwoSeconds(store.get(entry.key, now))).rejects.toThrow();
        await expect(withinTwoSeconds(store.list(now))).rejects.toThrow();
        expect(errors.length).toBeGreaterThan(0);
      } finally {
        await store.close();
        await own.stop();
      }
    });
  });
});
