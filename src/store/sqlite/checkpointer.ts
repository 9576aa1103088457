import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the request path (issue 14). SQLite's automatic checkpoint runs inside the
 * commit that crosses `wal_autocheckpoint` pages: that commit copies the WAL into the database
 * file and syncs both while the answer waiting on it (its usage record) waits too, the 10 ms
 * tail at p99 the issue measured. Instead, one worker thread per database file, with its own
 * connection, runs `PRAGMA wal_checkpoint(PASSIVE)` every CHECKPOINT_INTERVAL_MS: it copies the
 * committed frames into the database file without blocking any writer or reader of the main
 * thread. The main connections keep an automatic checkpoint at BACKSTOP_PAGES (10x SQLite's
 * default) only as a backstop: by then nearly every frame is already copied, so that rare
 * checkpoint has little to do, and it is what lets the WAL start over (SQLite restarts the WAL
 * only when a writer finds every frame copied, which a thread running beside a steady stream of
 * commits rarely sees). The WAL is thereby bounded near BACKSTOP_PAGES pages, and the file is
 * cut back to JOURNAL_SIZE_LIMIT_BYTES after each restart.
 *
 * Several stores of one process open the same file: they share one worker, counted by
 * reference; the last to close stops it, after a final TRUNCATE checkpoint.
 */

export const CHECKPOINT_INTERVAL_MS = 200;
export const BACKSTOP_PAGES = 10_000;
export const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** The worker's code (CommonJS, evaluated: no file to resolve from src/ or dist/). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const database = new DatabaseSync(workerData.path, { timeout: 0 });
const passive = database.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try { passive.get(); } catch { /* busy (another process checkpoints): next time */ }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  try { database.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get(); } catch { /* busy: the next start checkpoints */ }
  database.close();
  parentPort.postMessage('stopped');
  parentPort.close();
});
`;

interface Running {
  readonly worker: Worker;
  references: number;
}

const running = new Map<string, Running>();

/**
 * Starts (or shares) the checkpoint worker of the database file at `path`; returns the release
 * that stops it when the last user lets go. The worker never keeps the process alive.
 */
export function startCheckpoints(path: string, intervalMs = CHECKPOINT_INTERVAL_MS): () => Promise<void> {
  let entry = running.get(path);
  if (entry === undefined) {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, intervalMs }, resourceLimits: { maxOldGenerationSizeMb: 16 } });
    worker.unref();
    // A worker that fails (the file removed under it) only stops checkpointing: the backstop remains.
    worker.on('error', () => running.delete(path));
    entry = { worker, references: 0 };
    running.set(path, entry);
  }
  const current = entry;
  current.references++;
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    current.references--;
    if (current.references > 0 || running.get(path) !== current) return;
    running.delete(path);
    await stop(current.worker);
  };
}

/** Asks the worker for its last checkpoint and waits (bounded) for it to end. */
async function stop(worker: Worker): Promise<void> {
  const stopped = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    timer.unref();
    worker.once('message', () => resolve());
    worker.once('exit', () => resolve());
    worker.once('error', () => resolve());
  });
  worker.postMessage('stop');
  await stopped;
  await worker.terminate();
}

/** Files with a running checkpoint worker (tests). */
export function checkpointedFiles(): string[] {
  return [...running.keys()];
}
