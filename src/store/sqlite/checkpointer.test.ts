import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKSTOP_PAGES, CHECKPOINT_INTERVAL_MS, checkpointedFiles } from './checkpointer.ts';
import { closeSqlite, openSqlite, type Migration } from './database.ts';

const schema: readonly Migration[] = [{ version: 1, description: 'rows', sql: 'CREATE TABLE rows (id INTEGER PRIMARY KEY, payload TEXT NOT NULL) STRICT' }];

let directory: string;
let path: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'gateway-checkpoint-'));
  path = join(directory, 'gateway.db');
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function write(database: DatabaseSync, count: number): void {
  const insert = database.prepare('INSERT INTO rows (payload) VALUES (?)');
  for (let index = 0; index < count; index++) insert.run('x'.repeat(500));
}

/** [busy, frames in the WAL, frames already copied into the database file], read by another connection. */
function walState(): { log: number; checkpointed: number } {
  const probe = new DatabaseSync(path);
  try {
    // NOOP does no copying: it only reports (SQLite 3.51+); PASSIVE on an idle file would copy.
    const row = probe.prepare('PRAGMA wal_checkpoint(NOOP)').get() as { log: number; checkpointed: number };
    return { log: row.log, checkpointed: row.checkpointed };
  } finally {
    probe.close();
  }
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(20);
  }
  return condition();
}

describe('checkpoints off the request path', () => {
  it('a worker copies committed frames into the database file without any commit doing it', async () => {
    const database = openSqlite(path, { migrations: schema });
    expect(checkpointedFiles()).toContain(path);
    expect(database.prepare('PRAGMA wal_autocheckpoint').get()).toEqual({ wal_autocheckpoint: BACKSTOP_PAGES });
    write(database, 200);
    expect(await until(() => { const state = walState(); return state.log > 0 && state.checkpointed === state.log; }, CHECKPOINT_INTERVAL_MS * 20)).toBe(true);
    await closeSqlite(database);
    expect(checkpointedFiles()).not.toContain(path);
    // The last checkpoint on close truncates the WAL.
    expect(statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  });

  it('without the worker the frames stay in the WAL until SQLite\'s own automatic checkpoint', async () => {
    const database = openSqlite(path, { migrations: schema, backgroundCheckpoints: false });
    expect(checkpointedFiles()).not.toContain(path);
    write(database, 200);
    await sleep(CHECKPOINT_INTERVAL_MS * 3);
    const state = walState();
    expect(state.log).toBeGreaterThan(0);
    expect(state.checkpointed).toBeLessThan(state.log);
    await closeSqlite(database);
  });

  it('stores sharing one file share one worker, stopped when the last closes', async () => {
    const first = openSqlite(path, { migrations: schema });
    const second = openSqlite(path, { migrations: schema });
    expect(checkpointedFiles().filter((file) => file === path)).toHaveLength(1);
    await closeSqlite(first);
    expect(checkpointedFiles()).toContain(path);
    write(second, 10);
    await closeSqlite(second);
    expect(checkpointedFiles()).not.toContain(path);
  });
});
