// The Bedrock lane: translated-stream throughput and the time to first byte the gateway adds.
//
//   npm run bench:bedrock                  (defaults: 5 rounds, 20,000 events, 1,000 TTFB samples)
//   npm run bench:bedrock -- --events 50000 --samples 2000
//
// 1. In process, pure: Bedrock event-stream bytes -> frames -> typed events -> Anthropic SSE text, through the
//    native InvokeModel transcoder and through the Converse state machine. Events per second,
//    median of the rounds.
// 2. Over loopback: a fast fake Bedrock (bench/fake-bedrock.ts) and the gateway (`dist/`, as
//    `npm start` runs it, signing with dummy keys). Time from sending a streaming request to the
//    first body byte, fake direct versus through the gateway, for a Claude model (InvokeModel)
//    and a Converse model, sequential requests on a kept-alive connection.
// Results go to stdout as Markdown and to bench/results/bedrock.json.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { EventStreamDecoder } from '../src/providers/bedrock/event-stream.ts';
import { InvokeStreamTranscoder } from '../src/providers/bedrock/invoke-stream.ts';
import { ConverseStreamToAnthropic } from '../src/providers/bedrock/converse/stream.ts';
import { encodeSseEvent } from '../src/anthropic/sse-encode.ts';
import type { FrameTranslator } from '../src/providers/bedrock/stream.ts';
import { chunkFrame, eventFrame } from '../test/fakes/event-stream.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    events: { type: 'string', default: '20000' },
    samples: { type: 'string', default: '1000' },
  },
});
const rounds = Number(values.rounds);
const eventCount = Number(values.events);
const samples = Number(values.samples);
const root = join(import.meta.dirname, '..');

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] as number;
const percentile = (numbers: number[], p: number) => [...numbers].sort((a, b) => a - b)[Math.min(numbers.length - 1, Math.floor(numbers.length * p))] as number;

// --- 1. translator throughput -------------------------------------------------------------
function nativeStream(deltas: number): Buffer {
  const frames = [
    chunkFrame({ type: 'message_start', message: { id: 'msg_bdrk_bench', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } }),
    chunkFrame({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  ];
  for (let index = 0; index < deltas; index++) frames.push(chunkFrame({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `token ${index} ` } }, 'abcdefghijkl'.slice(0, index % 12)));
  frames.push(chunkFrame({ type: 'content_block_stop', index: 0 }), chunkFrame({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: deltas } }), chunkFrame({ type: 'message_stop' }));
  return Buffer.concat(frames);
}

function converseStream(deltas: number): Buffer {
  const frames = [eventFrame('messageStart', { role: 'assistant', p: 'ab' })];
  for (let index = 0; index < deltas; index++) frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: `token ${index} ` }, p: 'abcdefghijkl'.slice(0, index % 12) }));
  frames.push(eventFrame('contentBlockStop', { contentBlockIndex: 0 }), eventFrame('messageStop', { stopReason: 'end_turn' }), eventFrame('metadata', { usage: { inputTokens: 10, outputTokens: deltas, totalTokens: deltas + 10 }, metrics: { latencyMs: 1 } }));
  return Buffer.concat(frames);
}

/** Feeds `bytes` in 16 KB reads (as a socket would) through decoder and translator; returns events/s. */
function throughput(bytes: Buffer, events: number, translator: () => FrameTranslator): number {
  const started = performance.now();
  const decoder = new EventStreamDecoder();
  const active = translator();
  let out = 0;
  for (let offset = 0; offset < bytes.length; offset += 16_384) {
    for (const frame of decoder.push(bytes.subarray(offset, offset + 16_384))) for (const event of active.push(frame)) out += encodeSseEvent(event).length;
  }
  for (const event of active.end()) out += encodeSseEvent(event).length;
  const seconds = (performance.now() - started) / 1000;
  if (out === 0) throw new Error('no output');
  return events / seconds;
}

const nativeBytes = nativeStream(eventCount);
const converseBytes = converseStream(eventCount);
const lanes = {
  native: () => throughput(nativeBytes, eventCount + 5, () => new InvokeStreamTranscoder()),
  converse: () => throughput(converseBytes, eventCount + 4, () => new ConverseStreamToAnthropic({ model: 'qwen.qwen3-32b-v1:0', id: 'msg_bdrk_bench' })),
};
lanes.native();
lanes.converse(); // warm-up
const translated: Record<string, number> = {};
for (const [name, run] of Object.entries(lanes)) translated[name] = median(Array.from({ length: rounds }, run));

// --- 2. added time to first byte ------------------------------------------------------------
const ports = { bedrock: 18_711, gateway: 18_712 };
const children: ChildProcess[] = [];
function start(script: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const child = fork(join(root, script), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, ...env } });
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

const body = (model: string) => JSON.stringify({ model, max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'Summarise the following text. '.repeat(100) }] });
const models = { native: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', converse: 'qwen.qwen3-coder-480b-a35b-v1:0' };
const directPaths = { native: `/model/${encodeURIComponent(models.native)}/invoke-with-response-stream`, converse: `/model/${encodeURIComponent(models.converse)}/converse-stream` };

async function firstByteMs(pool: Pool, path: string, payload: string): Promise<number> {
  const started = performance.now();
  const response = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-bench' }, body: payload });
  let first = 0;
  for await (const _chunk of response.body) {
    if (first === 0) first = performance.now() - started;
  }
  if (response.statusCode !== 200) throw new Error(`${path} answered ${response.statusCode}`);
  return first;
}

const ttfb: Record<string, { directMs: number; gatewayMs: number; addedMs: number; gatewayP99Ms: number }> = {};
try {
  await start('bench/fake-bedrock.ts', [String(ports.bedrock)]);
  children.push(
    fork(join(root, 'dist/cli/index.js'), [], {
      execArgv: process.env.BENCH_GATEWAY_EXEC_ARGV === undefined ? [] : process.env.BENCH_GATEWAY_EXEC_ARGV.split(' '),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, PORT: String(ports.gateway), BEDROCK_ENDPOINT: `http://127.0.0.1:${ports.bedrock}`, AWS_ACCESS_KEY_ID: 'AKIDBENCH', AWS_SECRET_ACCESS_KEY: 'bench-secret', AWS_REGION: 'us-east-1', LOG_LEVEL: 'info' },
    }),
  );
  await waitFor(`http://127.0.0.1:${ports.gateway}/health`);
  const direct = new Pool(`http://127.0.0.1:${ports.bedrock}`, { connections: 1 });
  const gateway = new Pool(`http://127.0.0.1:${ports.gateway}`, { connections: 1 });
  for (const lane of ['native', 'converse'] as const) {
    const directTimes: number[] = [];
    const gatewayTimes: number[] = [];
    for (let index = 0; index < 100; index++) {
      await firstByteMs(direct, directPaths[lane], body(models[lane]));
      await firstByteMs(gateway, '/v1/messages', body(models[lane]));
    }
    for (let index = 0; index < samples; index++) {
      directTimes.push(await firstByteMs(direct, directPaths[lane], body(models[lane])));
      gatewayTimes.push(await firstByteMs(gateway, '/v1/messages', body(models[lane])));
    }
    ttfb[lane] = { directMs: median(directTimes), gatewayMs: median(gatewayTimes), addedMs: median(gatewayTimes) - median(directTimes), gatewayP99Ms: percentile(gatewayTimes, 0.99) };
  }
  await direct.close();
  await gateway.close();
} finally {
  for (const child of children) child.kill();
}

const round = (value: number, digits = 2) => Number(value.toFixed(digits));
console.log(`\n## Bedrock lane (${rounds} rounds, ${eventCount} events; ${samples} TTFB samples)\n`);
console.log('| translated stream | events/s (median) |\n| --- | ---: |');
for (const [name, rate] of Object.entries(translated)) console.log(`| ${name === 'native' ? 'InvokeModel transcoder' : 'Converse state machine'} | ${Math.round(rate).toLocaleString('en-US')} |`);
console.log('\n| time to first byte | direct (ms) | via gateway (ms) | added (ms) | gateway p99 (ms) |\n| --- | ---: | ---: | ---: | ---: |');
for (const [name, figures] of Object.entries(ttfb)) console.log(`| ${name === 'native' ? 'Claude, InvokeModel stream' : 'Qwen, ConverseStream'} | ${round(figures.directMs)} | ${round(figures.gatewayMs)} | ${round(figures.addedMs)} | ${round(figures.gatewayP99Ms)} |`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/bedrock.json'), JSON.stringify({ translated, ttfb, rounds, eventCount, samples }, null, 2));
