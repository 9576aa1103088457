import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from './database.ts';

function database(): DatabaseSync {
  const opened = new DatabaseSync(':memory:');
  opened.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL)');
  return opened;
}

const rows = (opened: DatabaseSync) => opened.prepare('SELECT value FROM rows ORDER BY id').all().map((row) => row['value']);

describe('group commit', () => {
  it('runs the pieces of one turn in one transaction, in order, each seeing those before it', async () => {
    const opened = database();
    const group = new GroupCommit(opened);
    const insert = opened.prepare('INSERT INTO rows (value) VALUES (?)');
    const seen: unknown[] = [];
    const pieces = ['a', 'b', 'c'].map((value) =>
      group.run(() => {
        seen.push([opened.isTransaction, rows(opened).length]);
        insert.run(value);
        return value.toUpperCase();
      }),
    );
    // Nothing runs in the turn that queued them.
    expect(rows(opened)).toEqual([]);
    expect(await Promise.all(pieces)).toEqual(['A', 'B', 'C']);
    expect(seen).toEqual([
      [true, 0],
      [true, 1],
      [true, 2],
    ]);
    expect(rows(opened)).toEqual(['a', 'b', 'c']);
    expect(opened.isTransaction).toBe(false);
  });

  it('rolls back a piece that throws, alone', async () => {
    const opened = database();
    const group = new GroupCommit(opened);
    const insert = opened.prepare('INSERT INTO rows (value) VALUES (?)');
    const first = group.run(() => insert.run('kept'));
    const failing = group.run(() => {
      insert.run('rolled back');
      throw new Error('refused');
    });
    const last = group.run(() => insert.run('kept too'));
    await expect(failing).rejects.toThrow('refused');
    await Promise.all([first, last]);
    expect(rows(opened)).toEqual(['kept', 'kept too']);
  });

  it('rejects every piece when the transaction cannot start, and runs what is queued on flush', async () => {
    const opened = database();
    const group = new GroupCommit(opened);
    opened.exec('BEGIN');
    await expect(group.run(() => 1)).rejects.toThrow();
    opened.exec('ROLLBACK');
    const queued = group.run(() => opened.prepare('INSERT INTO rows (value) VALUES (?)').run('flushed'));
    group.flush();
    expect(rows(opened)).toEqual(['flushed']);
    await queued;
  });
});
