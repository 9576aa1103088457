// Soak: the gateway (default configuration, usage records on) at a steady request rate for a
// while; every minute its RSS, the latency percentiles of that minute, the SQLite WAL's size
// and the errors. Flat RSS and p99, a bounded WAL and no error are the pass (issue 14).
//
//   npm run bench:soak                                  (10 minutes at 200 requests/s)
//   npm run bench:soak -- --minutes 2 --rate 300
//   npm run bench:soak -- --minutes 3 --interval 10      (a row every 10 s: a quick check)
//
// Half the requests are streams. The latency is autocannon's (1 ms resolution).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '200' }, interval: { type: 'string', default: '60' } } });
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const root = join(import.meta.dirname, '..');
const ports = { upstream: 18_751, gateway: 18_752 };
const dataDir = mkdtempSync(join(tmpdir(), 'gateway-bench-soak-'));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function start(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = fork(join(root, script), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const walMb = () => (statSync(join(dataDir, 'gateway.db-wal'), { throwIfNoEntry: false })?.size ?? 0) / 1e6;
const headers = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-bench', 'anthropic-version': '2023-06-01' };
const prompt = 'Summarise the following text. '.repeat(100);
const body = (stream: boolean) => JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 1024, ...(stream ? { stream: true } : {}), messages: [{ role: 'user', content: prompt }] });
const url = `http://127.0.0.1:${ports.gateway}/v1/messages`;

start('bench/fake-upstream.ts', [String(ports.upstream)]);
const gateway = start('dist/cli/index.js', [], { HOST: '127.0.0.1', PORT: String(ports.gateway), ANTHROPIC_API_BASE: `http://127.0.0.1:${ports.upstream}`, LOG_LEVEL: 'info', GATEWAY_DATA_DIR: dataDir });
for (let attempt = 0; ; attempt++) {
  try {
    const response = await fetch(url, { method: 'POST', headers, body: body(false) });
    await response.arrayBuffer();
    if (response.ok) break;
  } catch (error) {
    if (attempt > 200) throw error;
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}

console.log(`\nNode ${process.version}, ${rate} requests/s for ${minutes} min (half streams), 16 connections, usage records on\n`);
console.log('| minute | requests | errors | p50 ms | p99 ms | max ms | RSS MB | WAL MB |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
let failures = 0;
for (let minute = 1; minute <= minutes; minute++) {
  const result = await autocannon({ url, method: 'POST', headers, connections: 16, overallRate: rate, duration: Number(values.interval), requests: [{ body: body(false) }, { body: body(true) }] });
  const errors = result.errors + result.timeouts + result.non2xx;
  failures += errors;
  console.log(`| ${minute} | ${result.requests.total} | ${errors} | ${result.latency.p50} | ${result.latency.p99} | ${result.latency.max} | ${rssMb(gateway.pid as number).toFixed(1)} | ${walMb().toFixed(1)} |`);
}
process.exit(failures === 0 ? 0 : 1);
