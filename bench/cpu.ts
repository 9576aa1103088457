// CPU time the gateway process spends per request, read from /proc/<pid>/stat (Linux).
//
//   npm run bench:cpu                                         (this checkout; 20,000 requests a figure, 3 rounds)
//   npm run bench:cpu -- --against ../other-checkout          (and another built checkout, interleaved)
//   npm run bench:cpu -- --mode keys --requests 10000
//
// Throughput and latency on a shared 2-core machine move with whatever else runs (bench/overhead.ts
// interleaves rounds to soften that); the CPU seconds a process burns for a fixed number of
// requests move much less, so this is the figure to compare two builds by. Each checkout's
// gateway runs from its own `dist/cli/index.js` (`npm run build` there first) against this
// checkout's fake upstream, with the same configuration as bench/overhead.ts (`--mode keys`: a
// gateway key with rpm, tpm and budget). Rounds alternate between the checkouts and the median
// is reported.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    against: { type: 'string' },
    requests: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '8' },
    mode: { type: 'string', default: 'passthrough' },
  },
});
const mode = values.mode === 'keys' ? 'keys' : 'passthrough';
const requests = Number(values.requests);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const here = join(import.meta.dirname, '..');
const checkouts = [here, ...(values.against === undefined ? [] : [resolve(values.against)])];

const upstreamPort = 18_711;
const headers = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-bench', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'claude-code-20250219' };
const prompt = 'Summarise the following text. '.repeat(100);
const bodies = {
  json: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 1024, messages: [{ role: 'user', content: prompt }] }),
  stream: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: prompt }] }),
};
type Kind = keyof typeof bodies;

const children: ChildProcess[] = [];
const directories: string[] = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function start(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = fork(script, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

interface Gateway {
  readonly checkout: string;
  readonly url: string;
  readonly pid: number;
  readonly headers: Record<string, string>;
}

/** Starts a checkout's built gateway on `port`, in a data directory of its own. */
async function startGateway(checkout: string, port: number): Promise<Gateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-bench-cpu-'));
  directories.push(dataDir);
  const entry = join(checkout, 'dist/cli/index.js');
  const env: Record<string, string> = { HOST: '127.0.0.1', PORT: String(port), ANTHROPIC_API_BASE: `http://127.0.0.1:${upstreamPort}`, LOG_LEVEL: 'info', GATEWAY_DATA_DIR: dataDir };
  let gatewayHeaders: Record<string, string> = headers;
  if (mode === 'keys') {
    Object.assign(env, { AUTH_MODE: 'keys', ANTHROPIC_API_KEY: 'sk-ant-api03-bench-gateway' });
    const output = execFileSync(process.execPath, [entry, 'keys', 'create', '-u', 'bench', '-n', 'bench', '-r', '100000000', '--tpm', '1000000000000', '--budget', '1000000000', '--json'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    gatewayHeaders = { ...headers, 'x-api-key': (JSON.parse(output) as { key: string }).key };
  }
  const child = start(entry, [], env);
  const url = `http://127.0.0.1:${port}/v1/messages`;
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const response = await fetch(url, { method: 'POST', headers: gatewayHeaders, body: bodies.json });
      await response.arrayBuffer();
      if (response.status === 200) return { checkout, url, pid: child.pid as number, headers: gatewayHeaders };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the gateway of ${checkout} did not come up`);
}

/** User + system CPU milliseconds of a process so far. */
function cpuMs(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] as string).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function run(gateway: Gateway, kind: Kind, amount: number): Promise<number> {
  const result = await autocannon({ url: gateway.url, method: 'POST', headers: gateway.headers, body: bodies[kind], connections, amount });
  return result.errors + result.timeouts + result.non2xx;
}

/** Microseconds of gateway CPU per request over `requests` requests. */
async function measure(gateway: Gateway, kind: Kind): Promise<number> {
  const before = cpuMs(gateway.pid);
  const failures = await run(gateway, kind, requests);
  if (failures > 0) throw new Error(`${failures} requests failed against ${gateway.checkout}`);
  return ((cpuMs(gateway.pid) - before) * 1000) / requests;
}

start(join(here, 'bench/fake-upstream.ts'), [String(upstreamPort)]);
const gateways: Gateway[] = [];
for (const [index, checkout] of checkouts.entries()) gateways.push(await startGateway(checkout, 18_712 + index));
for (const gateway of gateways) for (const kind of ['json', 'stream'] as const) await run(gateway, kind, 3_000);

const results = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const kind of ['json', 'stream'] as const) {
    for (const gateway of gateways) {
      const key = `${gateway.checkout}\t${kind}`;
      results.set(key, [...(results.get(key) ?? []), await measure(gateway, kind)]);
    }
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
console.log(`\nNode ${process.version}, ${mode}, ${requests} requests a figure over ${connections} connections, median of ${rounds} interleaved rounds\n`);
console.log('| checkout | JSON, µs CPU per request | stream, µs CPU per request | all rounds (JSON; stream) |');
console.log('| --- | --- | --- | --- |');
for (const gateway of gateways) {
  const json = results.get(`${gateway.checkout}\tjson`) ?? [];
  const stream = results.get(`${gateway.checkout}\tstream`) ?? [];
  const rounded = (values: number[]) => values.map((value) => value.toFixed(0)).join(', ');
  console.log(`| ${gateway.checkout} | ${median(json).toFixed(0)} | ${median(stream).toFixed(0)} | ${rounded(json)}; ${rounded(stream)} |`);
}
process.exit(0);
