import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { UsageListQuery, UsagePage, UsageStats, UsageStatsQuery } from '../usage-query.ts';

/**
 * Runs the admin's usage reads (history pages, dashboard aggregates) on a worker thread with its
 * own read-only connection, started at the first read and stopped by `close`. node:sqlite is
 * synchronous: an aggregate over a month of records takes seconds on a large file, and on the
 * gateway's thread it would hold every request that long.
 */
export class UsageQueryThread {
  readonly #path: string;
  readonly #busyTimeoutMs: number;
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(path: string, busyTimeoutMs = 5_000) {
    this.#path = path;
    this.#busyTimeoutMs = busyTimeoutMs;
  }

  listUsage(query: UsageListQuery): Promise<UsagePage> {
    return this.#ask('list', query) as Promise<UsagePage>;
  }

  usageStats(query: UsageStatsQuery): Promise<UsageStats> {
    return this.#ask('stats', query) as Promise<UsageStats>;
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#fail(new Error('the usage query thread is closed'));
    await worker?.terminate();
  }

  #ask(kind: 'list' | 'stats', query: UsageListQuery | UsageStatsQuery): Promise<unknown> {
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, kind, query });
    });
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const file = new URL(`./usage-query-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
    const worker = new Worker(file, { workerData: { path: this.#path, busyTimeoutMs: this.#busyTimeoutMs } });
    worker.unref();
    worker.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (this.#pending.size === 0) worker.unref();
      if (message.error === undefined) pending?.resolve(message.result);
      else pending?.reject(new Error(message.error));
    });
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#fail(new Error('the usage query thread stopped'));
    });
    this.#worker = worker;
    return worker;
  }

  #fail(error: Error): void {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}
