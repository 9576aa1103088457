// The PTC sandbox (issue 13): cold start, the time from run() with a warm pool to the first
// PausedRun, a resume that replays answered batches, and memory per warm interpreter.
//
//   npm run bench:ptc-sandbox [-- --runs 30 --pool 4]
//
// Cold start is the first interpreter of a pool (Pyodide from scratch, then the memory image the
// others start from) and one restored from that image. A warm run waits until every interpreter
// of the pool is loaded, so no run pays for a load; the figure is run() to its outcome, as the
// protocol sees it. Memory is the process's RSS with the pool loaded, minus before, per interpreter.
import { parseArgs } from 'node:util';
import { SandboxPool } from '../src/ptc/sandbox/index.ts';
import type { RunRequest } from '../src/ptc/sandbox/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, pool: { type: 'string', default: '4' } } });
const runs = Number(values.runs);
const poolSize = Number(values.pool);
const limits = { timeoutMs: 60_000, memoryBytes: 256 * 1024 * 1024, maxOutputBytes: 1024 * 1024 };

const loads: number[] = [];
const rssBefore = process.memoryUsage().rss;
const createdAt = performance.now();
const pool = new SandboxPool({
  poolSize,
  maxConcurrent: 1,
  maxQueued: 0,
  observer: { interpreterStarted: (loadMs) => loads.push(loadMs), interpreterFailed: () => console.error('an interpreter failed to load'), runFinished: () => undefined },
});
await pool.warmUp();
const firstReady = performance.now() - createdAt;
await allWarm();
const rssWarm = process.memoryUsage().rss;

function allWarm(): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (pool.stats().warm >= poolSize ? resolve() : setTimeout(check, 20));
    check();
  });
}

const percentile = (numbers: number[], fraction: number) => [...numbers].sort((a, b) => a - b)[Math.min(numbers.length - 1, Math.floor(numbers.length * fraction))] as number;
const summary = (numbers: number[]) => `p50 ${percentile(numbers, 0.5).toFixed(1)} ms, p95 ${percentile(numbers, 0.95).toFixed(1)} ms, max ${Math.max(...numbers).toFixed(1)} ms (n=${numbers.length})`;

async function time(request: RunRequest, expected: 'calls' | 'done'): Promise<number> {
  await allWarm();
  const started = performance.now();
  const outcome = await pool.run(request);
  const elapsed = performance.now() - started;
  if (outcome.kind !== expected) throw new Error(`expected ${expected}, got ${JSON.stringify(outcome)}`);
  return elapsed;
}

const base = { tools: ['get_weather'], toolParameters: { get_weather: ['city'] }, seed: 1, limits };
const firstCall: number[] = [];
for (let index = 0; index < runs; index++) firstCall.push(await time({ ...base, code: 'weather = await get_weather("Paris")\nprint(weather)', batches: [] }, 'calls'));

const cities = Array.from({ length: 10 }, (_, index) => `city-${index}`);
const loop = 'for city in CITIES:\n    print(city, await get_weather(city))\nawait get_weather("last")'.replace('CITIES', JSON.stringify(cities));
const batches = cities.map((city) => ({ calls: [{ index: 0, name: 'get_weather', input: { city } }], results: [{ content: 'sunny', isError: false }] }));
const resume: number[] = [];
for (let index = 0; index < Math.min(runs, 15); index++) resume.push(await time({ ...base, code: loop, batches }, 'calls'));

await pool.close();
const [scratch, ...restored] = loads;
console.log(`first interpreter ready (Pyodide from scratch + memory image): ${firstReady.toFixed(0)} ms (its own load ${scratch?.toFixed(0)} ms)`);
console.log(`interpreter from the image: ${summary(restored)}`);
console.log(`warm pool, run() to the first PausedRun: ${summary(firstCall)}`);
console.log(`warm pool, resume replaying 10 answered batches to the 11th call: ${summary(resume)}`);
console.log(`memory: RSS +${((rssWarm - rssBefore) / 2 ** 20).toFixed(0)} MiB for ${poolSize} warm interpreters, ${((rssWarm - rssBefore) / 2 ** 20 / poolSize).toFixed(0)} MiB each (the 30 MiB image is shared)`);
