// The time to first byte the gateway adds in front of an OpenAI-compatible target (issue 12;
// target: at most 1 ms).
//
//   npm run bench:openai-ttfb                      (defaults: 5 rounds of 400 samples each way)
//   npm run bench:openai-ttfb -- --rounds 5 --samples 1000
//
// Over loopback: a fast fake OpenAI-compatible upstream (bench/fake-openai.ts) and the gateway
// (`dist/`, as `npm start` runs it, info logging to a discarded stdout) with one route sending
// model `bench-*` to provider `openai` (OPENAI_BASE_URL pointing at the fake). Time from sending
// a streaming request to the first body byte: `POST /v1/chat/completions` on the fake directly
// versus `POST /v1/messages` through the gateway (which converts the request, reads the chunk
// stream and answers Anthropic SSE). Sequential requests on one kept-alive connection each,
// alternating direct and gateway within a round; the figure is the median of the round medians,
// p99 over every sample. Results go to stdout as Markdown and to bench/results/openai-ttfb.json.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    samples: { type: 'string', default: '400' },
  },
});
const rounds = Number(values.rounds);
const samples = Number(values.samples);
const root = join(import.meta.dirname, '..');
const ports = { upstream: 18_721, gateway: 18_722 };

const sorted = (numbers: number[]) => [...numbers].sort((a, b) => a - b);
const median = (numbers: number[]) => sorted(numbers)[Math.floor(numbers.length / 2)] as number;
const percentile = (numbers: number[], p: number) => sorted(numbers)[Math.min(numbers.length - 1, Math.floor(numbers.length * p))] as number;

const prompt = 'Summarise the following text. '.repeat(100);
const messagesBody = JSON.stringify({ model: 'bench-gpt', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: prompt }] });
const chatBody = JSON.stringify({ model: 'gpt-bench', max_tokens: 1024, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: prompt }] });
const lanes = {
  direct: { path: '/v1/chat/completions', body: chatBody, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' } },
  gateway: { path: '/v1/messages', body: messagesBody, headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-bench', 'anthropic-version': '2023-06-01' } },
};
type Lane = (typeof lanes)[keyof typeof lanes];

const children: ChildProcess[] = [];
function start(script: string, args: string[]): Promise<void> {
  const child = fork(join(root, script), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function waitFor(url: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not come up`);
}

/** Milliseconds to the first body byte; reads the whole stream and returns its text too. */
async function firstByte(pool: Pool, lane: Lane): Promise<{ ms: number; text: string }> {
  const started = performance.now();
  const response = await pool.request({ path: lane.path, method: 'POST', headers: lane.headers, body: lane.body });
  let ms = 0;
  let text = '';
  for await (const chunk of response.body) {
    if (ms === 0) ms = performance.now() - started;
    text += String(chunk);
  }
  if (response.statusCode !== 200) throw new Error(`${lane.path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
  return { ms, text };
}

const workDir = mkdtempSync(join(tmpdir(), 'gateway-bench-openai-'));
const configFile = join(workDir, 'gateway.yaml');
writeFileSync(configFile, 'routes:\n  - match: bench-*\n    targets:\n      - provider: openai\n        model: gpt-bench\n');
const times = { direct: [] as number[], gateway: [] as number[] };
const roundMedians = { direct: [] as number[], gateway: [] as number[] };
try {
  await start('bench/fake-openai.ts', [String(ports.upstream)]);
  children.push(
    fork(join(root, 'dist/cli/index.js'), [], {
      execArgv: process.env.BENCH_GATEWAY_EXEC_ARGV === undefined ? [] : process.env.BENCH_GATEWAY_EXEC_ARGV.split(' '),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(ports.gateway),
        GATEWAY_CONFIG: configFile,
        GATEWAY_DATA_DIR: join(workDir, 'data'),
        OPENAI_API_KEY: 'sk-openai-bench',
        OPENAI_BASE_URL: `http://127.0.0.1:${ports.upstream}/v1`,
        LOG_LEVEL: 'info',
      },
    }),
  );
  await waitFor(`http://127.0.0.1:${ports.gateway}/health`);
  const pools = { direct: new Pool(`http://127.0.0.1:${ports.upstream}`, { connections: 1 }), gateway: new Pool(`http://127.0.0.1:${ports.gateway}`, { connections: 1 }) };
  const check = await firstByte(pools.gateway, lanes.gateway);
  if (!check.text.includes('event: message_stop') || !check.text.includes('The quick brown fox')) throw new Error(`the gateway did not convert the fake's stream:\n${check.text.slice(0, 500)}`);
  for (let index = 0; index < 200; index++) {
    await firstByte(pools.direct, lanes.direct);
    await firstByte(pools.gateway, lanes.gateway);
  }
  for (let round = 0; round < rounds; round++) {
    const these = { direct: [] as number[], gateway: [] as number[] };
    for (let index = 0; index < samples; index++) {
      these.direct.push((await firstByte(pools.direct, lanes.direct)).ms);
      these.gateway.push((await firstByte(pools.gateway, lanes.gateway)).ms);
    }
    for (const lane of ['direct', 'gateway'] as const) {
      roundMedians[lane].push(median(these[lane]));
      times[lane].push(...these[lane]);
    }
  }
  await pools.direct.close();
  await pools.gateway.close();
} finally {
  for (const child of children) child.kill();
  rmSync(workDir, { recursive: true, force: true });
}

const round = (value: number, digits = 3) => Number(value.toFixed(digits));
const figures = {
  directMs: median(roundMedians.direct),
  gatewayMs: median(roundMedians.gateway),
  addedMs: median(roundMedians.gateway.map((value, index) => value - (roundMedians.direct[index] as number))),
  addedPerRoundMs: roundMedians.gateway.map((value, index) => round(value - (roundMedians.direct[index] as number))),
  directP99Ms: percentile(times.direct, 0.99),
  gatewayP99Ms: percentile(times.gateway, 0.99),
};
console.log(`\n## OpenAI-compatible target, time to first byte (${rounds} rounds x ${samples} samples each way)\n`);
console.log('| streaming request | median (ms) | p99 (ms) |\n| --- | ---: | ---: |');
console.log(`| fake direct, \`/v1/chat/completions\` | ${round(figures.directMs)} | ${round(figures.directP99Ms)} |`);
console.log(`| via gateway, \`/v1/messages\` -> openai | ${round(figures.gatewayMs)} | ${round(figures.gatewayP99Ms)} |`);
console.log(`| **added** (median of the rounds' differences) | **${round(figures.addedMs)}** | |`);
console.log(`\nadded per round (ms): ${figures.addedPerRoundMs.join(', ')}; target <= 1 ms`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/openai-ttfb.json'), JSON.stringify({ ...figures, rounds, samples, node: process.version }, null, 2));
