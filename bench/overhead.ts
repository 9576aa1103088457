// Overhead of the gateway versus going straight to the upstream and versus a minimal Node proxy.
//
//   npm run bench                      (defaults: 5 s runs, 3 interleaved rounds, 32 connections)
//   npm run bench -- --duration 10 --rounds 5
//   npm run bench -- --lanes gateway,keys,redis     (redis: keys mode with REDIS_URL, needs redis-server)
//
// Starts on loopback a fast fake upstream, `bench/reference-proxy.ts`, and one gateway process
// (`dist/cli/index.js`, as `npm start` runs it: info logging to a discarded stdout, usage records
// in its own SQLite file) per lane:
//   gateway  the default configuration (passthrough, usage records on);
//   keys     AUTH_MODE=keys with a gateway key that has an rpm, a tpm and a budget (auth, rate
//            limit, budget reservation and usage records all on the path);
//   redis    keys mode with the rate limits and cooldowns in a local redis-server (REDIS_URL);
//   nousage  the default configuration with USAGE_TRACKING_ENABLED=false.
// For each figure every target is measured in interleaved rounds (direct, reference, gateway,
// keys, direct, ...) and the median round is reported, so drift on a shared 2-core machine hits
// them alike. Results go to stdout as Markdown and to bench/results/overhead.json.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
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
    lanes: { type: 'string', default: 'gateway,keys' },
    // Before lanes: `--mode keys` measured the keys lane alone.
    mode: { type: 'string' },
  },
});
const laneNames = ['gateway', 'keys', 'redis', 'nousage'] as const;
type Lane = (typeof laneNames)[number];
const lanes = (values.mode === 'keys' ? ['keys'] : (values.lanes as string).split(',').map((lane) => lane.trim())) as Lane[];
for (const lane of lanes) if (!laneNames.includes(lane)) throw new Error(`unknown lane ${lane}; lanes: ${laneNames.join(', ')}`);
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const samples = Number(values.samples);
const root = join(import.meta.dirname, '..');

const ports = { upstream: 18_701, reference: 18_702, redis: 18_709, fresh: 18_710, freshReference: 18_705 };
const lanePorts: Record<Lane, number> = { gateway: 18_703, keys: 18_704, redis: 18_706, nousage: 18_707 };
type Target = 'direct' | 'reference' | Lane;
const order: Target[] = ['direct', 'reference', ...lanes];
const targets = Object.fromEntries([
  ['direct', `http://127.0.0.1:${ports.upstream}`],
  ['reference', `http://127.0.0.1:${ports.reference}`],
  ...lanes.map((lane) => [lane, `http://127.0.0.1:${lanePorts[lane]}`]),
]) as Record<Target, string>;

const headers = { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-bench', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'claude-code-20250219' };
const prompt = 'Summarise the following text. '.repeat(100);
const bodies = {
  json: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 1024, messages: [{ role: 'user', content: prompt }] }),
  stream: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: prompt }] }),
};

const children: ChildProcess[] = [];
const directories: string[] = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});
function start(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = fork(join(root, script), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

/** Each lane's gateway: its environment (own SQLite file) and the headers a client sends it. */
function laneSetup(lane: Lane): { env: Record<string, string>; headers: Record<string, string> } {
  const dataDir = mkdtempSync(join(tmpdir(), `gateway-bench-${lane}-`));
  directories.push(dataDir);
  const env: Record<string, string> = { HOST: '127.0.0.1', ANTHROPIC_API_BASE: `http://127.0.0.1:${ports.upstream}`, LOG_LEVEL: 'info', GATEWAY_DATA_DIR: dataDir };
  if (lane === 'nousage') env['USAGE_TRACKING_ENABLED'] = 'false';
  if (lane === 'redis') env['REDIS_URL'] = `redis://127.0.0.1:${ports.redis}`;
  if (lane !== 'keys' && lane !== 'redis') return { env, headers };
  Object.assign(env, { AUTH_MODE: 'keys', ANTHROPIC_API_KEY: 'sk-ant-api03-bench-gateway' });
  const created = JSON.parse(
    execFileSync(process.execPath, [join(root, 'dist/cli/index.js'), 'keys', 'create', '-u', 'bench', '-n', 'bench', '-r', '100000000', '--tpm', '1000000000000', '--budget', '1000000000', '--json'], { env: { ...process.env, ...env }, encoding: 'utf8' }),
  ) as { key: string };
  return { env, headers: { ...headers, 'x-api-key': created.key } };
}

const setups = Object.fromEntries(lanes.map((lane) => [lane, laneSetup(lane)])) as Record<Lane, ReturnType<typeof laneSetup>>;
/** Headers per target: in keys mode the gateway gets a gateway key instead of the client's credential. */
const headersFor = Object.fromEntries(order.map((target) => [target, target === 'direct' || target === 'reference' ? headers : setups[target].headers])) as Record<Target, Record<string, string>>;

async function waitFor(url: string, headers: Record<string, string>): Promise<void> {
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
  const runs = new Map<Target, T[]>(order.map((target) => [target, []]));
  for (let round = 0; round < rounds; round++) {
    for (const target of order) runs.get(target)?.push(await measure(target));
  }
  return Object.fromEntries(order.map((target) => [target, median(runs.get(target) ?? [], key)])) as Record<Target, T>;
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

/** A redis-server on its own port, for the redis lane. */
async function startRedis(): Promise<void> {
  const child = spawn('redis-server', ['--port', String(ports.redis), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (child.exitCode !== null) throw new Error('redis-server did not start (the redis lane needs it: scripts/install-test-deps.sh installs it)');
}

async function main(): Promise<void> {
  start('bench/fake-upstream.ts', [String(ports.upstream)]);
  start('bench/reference-proxy.ts', [String(ports.reference), targets.direct]);
  if (lanes.includes('redis')) await startRedis();
  for (const lane of lanes) start('dist/cli/index.js', [], { ...setups[lane].env, PORT: String(lanePorts[lane]) });
  for (const target of order) await waitFor(`${targets[target]}/v1/messages`, headersFor[target]);
  for (const target of order) await load(target, 'json', connections); // warm-up

  const json = await interleaved((target) => load(target, 'json', connections), (result) => result.requestsPerSecond);
  const stream = await interleaved((target) => load(target, 'stream', connections), (result) => result.requestsPerSecond);
  const single = await interleaved((target) => sequential(target, 'json'), (result) => result.meanMs);
  const ttfb = await interleaved((target) => sequential(target, 'stream'), (result) => result.meanMs);
  const first = lanes[0] as Lane;
  const rss = await rssAfter10k('dist/cli/index.js', [], { ...setups[first].env, PORT: String(ports.fresh) }, `http://127.0.0.1:${ports.fresh}`, headersFor[first]);
  const referenceRss = await rssAfter10k('bench/reference-proxy.ts', [String(ports.freshReference), targets.direct], {}, `http://127.0.0.1:${ports.freshReference}`);

  const derived = Object.fromEntries(
    lanes.map((lane) => [
      lane,
      {
        jsonVsReference: json[lane].requestsPerSecond / json.reference.requestsPerSecond,
        streamVsReference: stream[lane].requestsPerSecond / stream.reference.requestsPerSecond,
        addedMeanMs: single[lane].meanMs - single.direct.meanMs,
        p99OneConnectionMs: single[lane].p99Ms,
        addedTtfbMeanMs: ttfb[lane].meanMs - ttfb.direct.meanMs,
        ttfbP99OneConnectionMs: ttfb[lane].p99Ms,
      },
    ]),
  );
  const figures = {
    machine: { node: process.version, cores: (await import('node:os')).cpus().length },
    settings: { duration, rounds, connections, samples, lanes },
    nonStreaming: json,
    streaming: stream,
    oneConnection: single,
    timeToFirstByte: ttfb,
    derived,
    rss: { lane: first, gatewayMb: rss, referenceMb: referenceRss },
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/overhead.json'), `${JSON.stringify(figures, null, 2)}\n`);
  printTables(json, stream, single, ttfb, rss, referenceRss, first);
}

function printTables(json: Record<Target, LoadResult>, stream: Record<Target, LoadResult>, single: Record<Target, Timing>, ttfb: Record<Target, Timing>, rss: number, referenceRss: number, rssLane: Lane): void {
  const fmt = (value: number, digits = 2) => value.toFixed(digits);
  const failures = (result: Record<Target, LoadResult>) => order.reduce((sum, target) => sum + result[target].failures, 0);
  console.log(`\nNode ${process.version}, ${duration} s runs, median of ${rounds} interleaved rounds, lanes: ${lanes.join(', ')}\n`);
  console.log(`| throughput (req/s, ${connections} connections) | direct | reference proxy | ${lanes.join(' | ')} | ${lanes.map((lane) => `${lane} / reference`).join(' | ')} | failures |`);
  console.log(`| --- | --- | --- | ${lanes.map(() => '---').join(' | ')} | ${lanes.map(() => '---').join(' | ')} | --- |`);
  for (const [name, result] of [['non-streaming', json], ['streaming', stream]] as const) {
    console.log(`| ${name} | ${fmt(result.direct.requestsPerSecond, 0)} | ${fmt(result.reference.requestsPerSecond, 0)} | ${lanes.map((lane) => fmt(result[lane].requestsPerSecond, 0)).join(' | ')} | ${lanes.map((lane) => `${fmt(result[lane].requestsPerSecond / result.reference.requestsPerSecond)}×`).join(' | ')} | ${failures(result)} |`);
  }
  console.log(`\n| 1 connection, ${samples} sequential requests (ms) | direct | reference proxy | ${lanes.join(' | ')} |`);
  console.log(`| --- | --- | --- | ${lanes.map(() => '---').join(' | ')} |`);
  const line = (name: string, timing: Record<Target, Timing>, pick: (value: Timing) => number) =>
    console.log(`| ${name} | ${fmt(pick(timing.direct), 3)} | ${fmt(pick(timing.reference), 3)} | ${lanes.map((lane) => fmt(pick(timing[lane]), 3)).join(' | ')} |`);
  line('non-streaming, mean', single, (value) => value.meanMs);
  line('non-streaming, p50', single, (value) => value.p50Ms);
  line('non-streaming, p99', single, (value) => value.p99Ms);
  line('stream time to first byte, mean', ttfb, (value) => value.meanMs);
  line('stream time to first byte, p50', ttfb, (value) => value.p50Ms);
  line('stream time to first byte, p99', ttfb, (value) => value.p99Ms);
  console.log(`| **added mean, non-streaming** | | ${fmt(single.reference.meanMs - single.direct.meanMs, 3)} | ${lanes.map((lane) => fmt(single[lane].meanMs - single.direct.meanMs, 3)).join(' | ')} |`);
  console.log(`| **added mean, stream TTFB** | | ${fmt(ttfb.reference.meanMs - ttfb.direct.meanMs, 3)} | ${lanes.map((lane) => fmt(ttfb[lane].meanMs - ttfb.direct.meanMs, 3)).join(' | ')} |`);
  console.log(`\nRSS of a fresh process after 10,000 requests (5,000 JSON + 5,000 streams, ${connections} connections): gateway (${rssLane}) ${fmt(rss, 1)} MB, reference proxy ${fmt(referenceRss, 1)} MB`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGTERM');
    process.exit();
  });
