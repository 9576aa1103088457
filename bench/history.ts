// Cost as history grows: request latency of a gateway whose SQLite file already holds 1,000,000
// usage records, against one with an empty file, interleaved (issue 14).
//
//   npm run bench:history
//   npm run bench:history -- --records 200000 --samples 1000
//
// The records are written straight into the file with the gateway's own schema (migrations from
// dist/), spread over the last 30 days and 50 users, before either gateway starts.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import type { openSqlite as openSqliteType } from '../src/store/sqlite/database.ts';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, samples: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } } });
const records = Number(values.records);
const samples = Number(values.samples);
const rounds = Number(values.rounds);
const root = join(import.meta.dirname, '..');
const ports = { upstream: 18_761, empty: 18_762, full: 18_763 };
const directories = { empty: mkdtempSync(join(tmpdir(), 'gateway-bench-history-empty-')), full: mkdtempSync(join(tmpdir(), 'gateway-bench-history-full-')) };
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const directory of Object.values(directories)) rmSync(directory, { recursive: true, force: true });
});

type OpenSqlite = typeof openSqliteType;
const { openSqlite } = (await import(join(root, 'dist/store/sqlite/database.js'))) as { openSqlite: OpenSqlite };

function fill(path: string, count: number): void {
  const database = openSqlite(path, { backgroundCheckpoints: false });
  const insert = database.prepare(
    `INSERT INTO usage (request_id, started_at, state, user_id, route, model_requested, model_served, provider, stream, status, input_tokens, output_tokens,
       cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cost_micros, reserved_micros, latency_ms, ttfb_ms, expires_at)
     VALUES (?, ?, 'complete', ?, 'messages', 'claude-sonnet-5-5', 'claude-sonnet-5-5', 'anthropic', ?, 200, 3000, 200, 0, 0, 0, 12000, 0, 12.5, 3.1, ?)`,
  );
  const now = Date.now();
  const span = 30 * 86_400_000;
  for (let index = 0; index < count; index += 10_000) {
    database.exec('BEGIN');
    for (let row = index; row < Math.min(count, index + 10_000); row++) {
      const startedAt = now - span + Math.floor((row / count) * span);
      insert.run(`req_history_${row}`, startedAt, `user-${row % 50}`, row % 2, Math.floor(startedAt / 1000) + 90 * 86_400);
    }
    database.exec('COMMIT');
  }
  database.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  database.close();
}

function start(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = fork(join(root, script), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

const headers = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-bench', 'anthropic-version': '2023-06-01' };
const body = JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Summarise the following text. '.repeat(100) }] });

async function sequential(port: number): Promise<number[]> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
  const times: number[] = [];
  for (let index = 0; index < samples; index++) {
    const started = performance.now();
    const response = await pool.request({ path: '/v1/messages', method: 'POST', headers, body });
    await response.body.arrayBuffer();
    if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}`);
    times.push(performance.now() - started);
  }
  await pool.close();
  return times.sort((a, b) => a - b);
}

const filledAt = performance.now();
fill(join(directories.full, 'gateway.db'), records);
console.log(`\n${records} usage records written in ${((performance.now() - filledAt) / 1000).toFixed(1)} s`);
start('bench/fake-upstream.ts', [String(ports.upstream)]);
for (const name of ['empty', 'full'] as const) {
  start('dist/cli/index.js', [], { HOST: '127.0.0.1', PORT: String(ports[name]), ANTHROPIC_API_BASE: `http://127.0.0.1:${ports.upstream}`, LOG_LEVEL: 'info', GATEWAY_DATA_DIR: directories[name] });
}
for (const port of [ports.empty, ports.full]) {
  for (let attempt = 0; ; attempt++) {
    try {
      await sequential(port).then(() => undefined);
      break;
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
const runs: Record<'empty' | 'full', number[][]> = { empty: [], full: [] };
for (let round = 0; round < rounds; round++) for (const name of ['empty', 'full'] as const) runs[name].push(await sequential(ports[name]));
const at = (times: number[], quantile: number) => times[Math.min(times.length - 1, Math.floor(quantile * times.length))] as number;
const mean = (times: number[]) => times.reduce((sum, time) => sum + time, 0) / times.length;
console.log(`\nNode ${process.version}, ${samples} sequential JSON requests on one connection, median round of ${rounds}\n`);
console.log('| SQLite file | mean ms | p50 ms | p99 ms |');
console.log('| --- | --- | --- | --- |');
for (const name of ['empty', 'full'] as const) {
  const median = [...runs[name]].sort((left, right) => mean(left) - mean(right))[Math.floor(rounds / 2)] as number[];
  console.log(`| ${name === 'empty' ? 'empty' : `${records} records`} | ${mean(median).toFixed(3)} | ${at(median, 0.5).toFixed(3)} | ${at(median, 0.99).toFixed(3)} |`);
}
process.exit(0);
