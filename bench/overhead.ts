// Overhead of the gateway versus going straight to the upstream and versus a minimal Node proxy.
//
//   npm run bench                      (defaults: 5 s runs, 3 interleaved rounds, 32 connections)
//   npm run bench -- --duration 10 --rounds 5
//
// Starts three processes on loopback: a fast fake upstream, the gateway (`dist/cli/index.js`, as `npm start` runs it, default
// configuration: info logging to a discarded stdout), and `bench/reference-proxy.ts`. For each
// figure the three targets are measured in interleaved rounds (direct, reference, gateway,
// direct, ...) and the median round is reported, so drift on a shared 2-core machine hits all
// three alike. Results go to stdout as Markdown and to bench/results/overhead.json.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    samples: { type: 'string', default: '2000' },
    // keys: the gateway in AUTH_MODE=keys with a key that has an rpm, a tpm and a budget (auth,
    // rate limit, budget reservation and usage records all on the path); passthrough: defaults.
    mode: { type: 'string', default: 'passthrough' },
  },
});
const mode = values.mode === 'keys' ? 'keys' : 'passthrough';
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const samples = Number(values.samples);
const root = join(import.meta.dirname, '..');

const ports = { upstream: 18_701, reference: 18_702, gateway: 18_703, freshGateway: 18_704, freshReference: 18_705 };
const targets = {
  direct: `http://127.0.0.1:${ports.upstream}`,
  reference: `http://127.0.0.1:${ports.reference}`,
  gateway: `http://127.0.0.1:${ports.gateway}`,
} as const;
type Target = keyof typeof targets;
const order: Target[] = ['direct', 'reference', 'gateway'];

const headers = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-bench', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'claude-code-20250219' };
const prompt = 'Summarise the following text. '.repeat(100);
const bodies = {
  json: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 1024, messages: [{ role: 'user', content: prompt }] }),
  stream: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: prompt }] }),
};

// The gateway's SQLite file (usage records, keys) in a directory of its own.
const dataDir = mkdtempSync(join(tmpdir(), 'gateway-bench-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const gatewayEnv: Record<string, string> = { HOST: '127.0.0.1', ANTHROPIC_API_BASE: targets.direct, LOG_LEVEL: 'info', GATEWAY_DATA_DIR: dataDir };
/** Headers per target: in keys mode the gateway gets a gateway key instead of the client's credential. */
const headersFor: Record<Target, Record<string, string>> = { direct: headers, reference: headers, gateway: headers };
if (mode === 'keys') {
  Object.assign(gatewayEnv, { AUTH_MODE: 'keys', ANTHROPIC_API_KEY: 'sk-ant-api03-bench-gateway' });
  const created = JSON.parse(
    execFileSync(process.execPath, [join(root, 'dist/cli/index.js'), 'keys', 'create', '-u', 'bench', '-n', 'bench', '-r', '100000000', '--tpm', '1000000000000', '--budget', '1000000000', '--json'], { env: { ...process.env, ...gatewayEnv }, encoding: 'utf8' }),
  ) as { key: string };
  headersFor.gateway = { ...headers, 'x-api-key': created.key };
}

const children: ChildProcess[] = [];
function start(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = fork(join(root, script), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

async function waitFor(url: string, headers: Record<string, string> = headersFor.gateway): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const response = await fetch(url, { method: 'POST', headers, body: bodies.json });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not come up`);
}

interface LoadResult {
  readonly requestsPerSecond: number;
  readonly meanMs: number;
  readonly p99Ms: number;
  readonly failures: number;
}

async function load(target: Target, kind: 'json' | 'stream', clients: number): Promise<LoadResult> {
  const result = await autocannon({ url: `${targets[target]}/v1/messages`, method: 'POST', headers: headersFor[target], body: bodies[kind], connections: clients, duration });
  return { requestsPerSecond: result.requests.average, meanMs: result.latency.mean, p99Ms: result.latency.p99, failures: result.errors + result.timeouts + result.non2xx };
}

interface Timing {
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * Sequential requests on one kept-alive connection: for `json`, the time to the whole response;
 * for `stream`, the time to the first body byte. Measured here rather than by autocannon, whose
 * latency histogram has a 1 ms resolution.
 */
async function sequential(target: Target, kind: 'json' | 'stream'): Promise<Timing> {
  const pool = new Pool(targets[target], { connections: 1 });
  const times: number[] = [];
  for (let index = 0; index < samples; index++) {
    const started = performance.now();
    const response = await pool.request({ path: '/v1/messages', method: 'POST', headers: headersFor[target], body: bodies[kind] });
    let first = true;
    for await (const _chunk of response.body) {
      if (first && kind === 'stream') times.push(performance.now() - started);
      first = false;
    }
    if (kind === 'json') times.push(performance.now() - started);
  }
  await pool.close();
  times.sort((a, b) => a - b);
  const at = (quantile: number) => times[Math.min(times.length - 1, Math.floor(quantile * times.length))] as number;
  return { meanMs: times.reduce((sum, time) => sum + time, 0) / times.length, p50Ms: at(0.5), p99Ms: at(0.99) };
}

function median<T>(values: T[], key: (value: T) => number): T {
  return [...values].sort((a, b) => key(a) - key(b))[Math.floor(values.length / 2)] as T;
}

async function interleaved<T>(measure: (target: Target) => Promise<T>, key: (value: T) => number): Promise<Record<Target, T>> {
  const runs: Record<Target, T[]> = { direct: [], reference: [], gateway: [] };
  for (let round = 0; round < rounds; round++) {
    for (const target of order) runs[target].push(await measure(target));
  }
  return { direct: median(runs.direct, key), reference: median(runs.reference, key), gateway: median(runs.gateway, key) };
}

/** RSS of a freshly started process after exactly 10,000 requests (half JSON, half streams). */
async function rssAfter10k(script: string, args: string[], env: Record<string, string>, url: string, sent: Record<string, string> = headers): Promise<number> {
  const child = start(script, args, env);
  await waitFor(`${url}/v1/messages`, sent);
  for (const kind of ['json', 'stream'] as const) {
    await autocannon({ url: `${url}/v1/messages`, method: 'POST', headers: sent, body: bodies[kind], connections, amount: 5_000 });
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rss = rssMb(child.pid as number);
  child.kill('SIGTERM');
  return rss;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function main(): Promise<void> {
  start('bench/fake-upstream.ts', [String(ports.upstream)]);
  start('bench/reference-proxy.ts', [String(ports.reference), targets.direct]);
  start('dist/cli/index.js', [], { ...gatewayEnv, PORT: String(ports.gateway) });
  for (const target of order) await waitFor(`${targets[target]}/v1/messages`, headersFor[target]);
  for (const target of order) await load(target, 'json', connections); // warm-up

  const json = await interleaved((target) => load(target, 'json', connections), (result) => result.requestsPerSecond);
  const stream = await interleaved((target) => load(target, 'stream', connections), (result) => result.requestsPerSecond);
  const single = await interleaved((target) => sequential(target, 'json'), (result) => result.meanMs);
  const ttfb = await interleaved((target) => sequential(target, 'stream'), (result) => result.meanMs);
  const rss = await rssAfter10k('dist/cli/index.js', [], { ...gatewayEnv, PORT: String(ports.freshGateway) }, `http://127.0.0.1:${ports.freshGateway}`, headersFor.gateway);
  const referenceRss = await rssAfter10k('bench/reference-proxy.ts', [String(ports.freshReference), targets.direct], {}, `http://127.0.0.1:${ports.freshReference}`);

  const ratio = (kind: Record<Target, LoadResult>, target: Target) => kind[target].requestsPerSecond / kind.direct.requestsPerSecond;
  const figures = {
    machine: { node: process.version, cores: (await import('node:os')).cpus().length },
    settings: { duration, rounds, connections, samples, mode },
    nonStreaming: json,
    streaming: stream,
    oneConnection: single,
    timeToFirstByte: ttfb,
    derived: {
      jsonGatewayVsReference: json.gateway.requestsPerSecond / json.reference.requestsPerSecond,
      streamGatewayVsReference: stream.gateway.requestsPerSecond / stream.reference.requestsPerSecond,
      jsonReferenceVsDirect: ratio(json, 'reference'),
      streamReferenceVsDirect: ratio(stream, 'reference'),
      addedMeanMs: single.gateway.meanMs - single.direct.meanMs,
      addedP99Ms: single.gateway.p99Ms - single.direct.p99Ms,
      addedTtfbMeanMs: ttfb.gateway.meanMs - ttfb.direct.meanMs,
      addedTtfbP50Ms: ttfb.gateway.p50Ms - ttfb.direct.p50Ms,
      gatewayRssMb: rss,
      referenceRssMb: referenceRss,
    },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, `bench/results/overhead${mode === 'keys' ? '-keys' : ''}.json`), `${JSON.stringify(figures, null, 2)}\n`);

  const fmt = (value: number, digits = 2) => value.toFixed(digits);
  const row = (name: string, result: Record<Target, LoadResult>) =>
    `| ${name} | ${fmt(result.direct.requestsPerSecond, 0)} | ${fmt(result.reference.requestsPerSecond, 0)} | ${fmt(result.gateway.requestsPerSecond, 0)} | ${fmt(result.gateway.requestsPerSecond / result.reference.requestsPerSecond)}× | ${result.direct.failures + result.reference.failures + result.gateway.failures} |`;
  console.log(`\nNode ${process.version}, ${figures.machine.cores} cores, ${duration} s runs, median of ${rounds} interleaved rounds\n`);
  console.log(`| throughput (req/s, ${connections} connections) | direct | reference proxy | gateway | gateway / reference | failures |`);
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(row('non-streaming', json));
  console.log(row('streaming', stream));
  console.log(`\n| sequential, 1 connection, ${samples} requests (ms) | direct | reference proxy | gateway | added by gateway |`);
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| non-streaming, mean | ${fmt(single.direct.meanMs, 3)} | ${fmt(single.reference.meanMs, 3)} | ${fmt(single.gateway.meanMs, 3)} | ${fmt(figures.derived.addedMeanMs, 3)} |`);
  console.log(`| non-streaming, p50 | ${fmt(single.direct.p50Ms, 3)} | ${fmt(single.reference.p50Ms, 3)} | ${fmt(single.gateway.p50Ms, 3)} | ${fmt(single.gateway.p50Ms - single.direct.p50Ms, 3)} |`);
  console.log(`| non-streaming, p99 | ${fmt(single.direct.p99Ms, 3)} | ${fmt(single.reference.p99Ms, 3)} | ${fmt(single.gateway.p99Ms, 3)} | ${fmt(figures.derived.addedP99Ms, 3)} |`);
  console.log(`| stream time to first byte, mean | ${fmt(ttfb.direct.meanMs, 3)} | ${fmt(ttfb.reference.meanMs, 3)} | ${fmt(ttfb.gateway.meanMs, 3)} | ${fmt(figures.derived.addedTtfbMeanMs, 3)} |`);
  console.log(`| stream time to first byte, p50 | ${fmt(ttfb.direct.p50Ms, 3)} | ${fmt(ttfb.reference.p50Ms, 3)} | ${fmt(ttfb.gateway.p50Ms, 3)} | ${fmt(figures.derived.addedTtfbP50Ms, 3)} |`);
  console.log(`\nRSS of a fresh process after 10,000 requests (5,000 JSON + 5,000 streams, ${connections} connections): gateway ${fmt(rss, 1)} MB, reference proxy ${fmt(referenceRss, 1)} MB`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
  });
