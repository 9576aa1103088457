// Memory of open streams: RSS of the gateway with 1,000 streams open and idle (the upstream sent
// the first content and then nothing), and per open stream.
//
//   npm run bench:memory
//   npm run bench:memory -- --streams 2000
//
// Starts bench/fake-upstream.ts and the built gateway (default configuration) on loopback. Each
// stream is its own connection, as each Claude Code session is.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { streams: { type: 'string', default: '1000' } } });
const streams = Number(values.streams);
const root = join(import.meta.dirname, '..');
const ports = { upstream: 18_741, gateway: 18_742 };
const dataDir = mkdtempSync(join(tmpdir(), 'gateway-bench-memory-'));
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

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

const body = JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'Summarise the following text. '.repeat(100) }] });
const headers = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-bench', 'anthropic-version': '2023-06-01' };

/** Opens a stream on a connection of its own; resolves once its first content arrived. */
function openStream(hold: boolean): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: ports.gateway, path: '/v1/messages', method: 'POST', agent: false, headers: { ...headers, ...(hold ? { 'x-bench-hold': '1' } : {}) } });
    request.on('response', (response) => {
      let seen = '';
      response.on('data', (chunk: Buffer) => {
        seen += chunk.toString('utf8');
        if (seen.includes('content_block_delta')) resolve(request);
      });
      response.on('end', () => resolve(request));
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

start('bench/fake-upstream.ts', [String(ports.upstream)]);
const gateway = start('dist/cli/index.js', [], { HOST: '127.0.0.1', PORT: String(ports.gateway), ANTHROPIC_API_BASE: `http://127.0.0.1:${ports.upstream}`, LOG_LEVEL: 'info', GATEWAY_DATA_DIR: dataDir });
for (let attempt = 0; ; attempt++) {
  try {
    (await openStream(false)).destroy();
    break;
  } catch (error) {
    if (attempt > 200) throw error;
    await settle(50);
  }
}
// Warm up: JIT, pools, the SQLite file.
for (let index = 0; index < 500; index += 50) await Promise.all(Array.from({ length: 50 }, () => openStream(false).then((request) => request.destroy())));
await settle(1_000);
const before = rssMb(gateway.pid as number);
const open: ClientRequest[] = [];
for (let index = 0; index < streams; index += 100) open.push(...(await Promise.all(Array.from({ length: Math.min(100, streams - index) }, () => openStream(true)))));
await settle(2_000);
const during = rssMb(gateway.pid as number);
for (const request of open) request.destroy();
await settle(2_000);
const after = rssMb(gateway.pid as number);
console.log(`\nNode ${process.version}, ${streams} streams open and idle, each on its own connection\n`);
console.log('| RSS before | RSS with the streams open | per open stream | RSS after they closed |');
console.log('| --- | --- | --- | --- |');
console.log(`| ${before.toFixed(1)} MB | ${during.toFixed(1)} MB | ${(((during - before) * 1024) / streams).toFixed(1)} KB | ${after.toFixed(1)} MB |`);
process.exit(0);
