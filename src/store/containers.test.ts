import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynalite, type TestDynamo } from '../../test/helpers/dynalite.ts';
import { startRedisServer, type TestRedisServer } from '../../test/helpers/redis-server.ts';
import type { ContainerStore, StoredContainer } from './containers.ts';
import { DynamoContainerStore } from './dynamodb/containers.ts';
import { createDynamoClient, setupTables, tableName } from './dynamodb/tables.ts';
import { MemoryContainerStore } from './memory/containers.ts';
import { RedisContainerStore } from './redis/containers.ts';
import { SqliteContainerStore } from './sqlite/containers.ts';

/**
 * One suite for every container store (src/store/containers.ts): what one instance writes,
 * another reads (`open` twice is two instances, except in memory), expiry, replace, delete, close.
 */

const now = 1_800_000_000_000;
const container = (id: string, expiresIn: number, state = '{"execution":{"code":"x"}}'): StoredContainer => ({ id, expiresAt: now + expiresIn, state });

interface Backend {
  readonly open: () => Promise<ContainerStore>;
  readonly shared: boolean;
  readonly dispose: () => Promise<void>;
}

function describeContainerStore(kind: string, backend: () => Promise<Backend>): void {
  describe(`${kind} container store`, () => {
    it('keeps a container until it expires, for every instance', async () => {
      const { open, shared, dispose } = await backend();
      try {
        const writer = await open();
        await writer.put(container('container_a', 60_000), now);
        const reader = shared ? await open() : writer;
        expect(await reader.get('container_a', now)).toEqual(container('container_a', 60_000));
        expect(await reader.get('container_a', now + 59_999)).toEqual(container('container_a', 60_000));
        expect(await reader.get('container_a', now + 60_000)).toBeUndefined();
        expect(await reader.get('container_unknown', now)).toBeUndefined();
      } finally {
        await dispose();
      }
    });

    it('a put replaces the container (state and expiry); an expired one stores nothing; delete removes it', async () => {
      const { open, dispose } = await backend();
      try {
        const store = await open();
        await store.put(container('container_b', 10_000, '{"a":1}'), now);
        await store.put(container('container_b', 90_000, '{"b":2}'), now + 5_000);
        expect(await store.get('container_b', now + 50_000)).toEqual(container('container_b', 90_000, '{"b":2}'));
        await store.put(container('container_c', -1), now);
        expect(await store.get('container_c', now - 10)).toBeUndefined();
        await store.delete('container_b');
        expect(await store.get('container_b', now)).toBeUndefined();
      } finally {
        await dispose();
      }
    });

    it('after close every operation rejects; a second close does nothing', async () => {
      const { open, dispose } = await backend();
      try {
        const store = await open();
        await store.close();
        await store.close();
        await expect(store.get('x', now)).rejects.toThrow(/closed/);
        await expect(store.put(container('x', 1_000), now)).rejects.toThrow(/closed/);
      } finally {
        await dispose();
      }
    });
  });
}

async function closeAll(stores: readonly ContainerStore[]): Promise<void> {
  await Promise.all(stores.map((store) => store.close()));
}

describeContainerStore('memory', async () => {
  const store = new MemoryContainerStore();
  return { open: async () => store, shared: false, dispose: () => store.close() };
});

describeContainerStore('sqlite', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'containers-'));
  const stores: ContainerStore[] = [];
  return {
    open: async () => {
      stores.push(SqliteContainerStore.open(join(directory, 'gateway.db')));
      return stores.at(-1) as ContainerStore;
    },
    shared: true,
    dispose: async () => {
      await closeAll(stores);
      rmSync(directory, { recursive: true, force: true });
    },
  };
});

let redis: TestRedisServer | undefined;
let redisPrefixes = 0;
afterAll(async () => redis?.stop());
describeContainerStore('redis', async () => {
  redis ??= await startRedisServer();
  const url = redis.url;
  const prefix = `t${++redisPrefixes}:`;
  const stores: ContainerStore[] = [];
  return {
    open: async () => {
      stores.push(await RedisContainerStore.connect(url, { prefix }));
      return stores.at(-1) as ContainerStore;
    },
    shared: true,
    dispose: () => closeAll(stores),
  };
});

let dynamo: TestDynamo | undefined;
let dynamoPrefixes = 0;
afterAll(async () => dynamo?.stop());
describeContainerStore('dynamodb', async () => {
  dynamo ??= await startDynalite();
  const connection = { region: dynamo.region, endpoint: dynamo.endpoint, credentials: dynamo.credentials, tablePrefix: `pc${++dynamoPrefixes}-` };
  await setupTables(connection);
  const stores: ContainerStore[] = [];
  return {
    open: async () => {
      stores.push(new DynamoContainerStore(createDynamoClient(connection), { tableName: tableName(connection.tablePrefix, 'ptcContainers'), ownsClient: true }));
      return stores.at(-1) as ContainerStore;
    },
    shared: true,
    dispose: () => closeAll(stores),
  };
});
