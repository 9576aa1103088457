import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteUsageQueries } from './usage-query.ts';

/**
 * The admin's usage reads on their own thread (usage-query-thread.ts starts it): a read-only
 * connection to the gateway's SQLite file (WAL: it reads committed data while the gateway
 * writes), so a long aggregate never holds the gateway's event loop.
 */

interface Request {
  readonly id: number;
  readonly kind: 'list' | 'stats';
  readonly query: never;
}

const { path, busyTimeoutMs } = workerData as { path: string; busyTimeoutMs: number };
const database = new DatabaseSync(path, { readOnly: true, timeout: busyTimeoutMs });
const queries = new SqliteUsageQueries(database);

parentPort?.on('message', (request: Request) => {
  try {
    const result = request.kind === 'list' ? queries.listUsage(request.query) : queries.usageStats(request.query);
    parentPort?.postMessage({ id: request.id, result });
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
