// Programmatic Tool Calling through the gateway (issue 13): the time from the model's code
// reaching the gateway to the first tool call reaching the client, with a warm sandbox pool.
//
//   npm run bench:ptc-first-call [-- --samples 40]
//
// In one process over loopback: a fake Bedrock (test/fakes/bedrock.ts) whose InvokeModel stream
// answers at once with a turn that calls `execute_code`, and the gateway (src/, the real Pyodide
// sandbox, pool of 2, warmed first). Two lanes, alternated, streaming: `code` (the model's turn is
// text then code that awaits get_weather first) and `text` (the same turn, a text block in place
// of the code: the round without PTC). For each, the time from sending the request to the SSE
// event that closes the last block the model streamed (the code's server_tool_use, or the text),
// and, for `code`, to the `content_block_start` of the first `tool_use` (the first tool call).
// The figure is `first tool call - end of the model's code block`: what PTC adds (sandbox run,
// container saved in SQLite, the events written). Results: Markdown on stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config/load.ts';
import { randomIds, systemClock } from '../src/ids.ts';
import { createLogger } from '../src/logging/logger.ts';
import { createServices } from '../src/main.ts';
import { FakeBedrock } from '../test/fakes/bedrock.ts';
import { invokeTurn } from '../test/fakes/ptc.ts';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '40' } } });
const samples = Number(values.samples);

const sorted = (numbers: number[]) => [...numbers].sort((a, b) => a - b);
const percentile = (numbers: number[], p: number) => sorted(numbers)[Math.min(numbers.length - 1, Math.floor(numbers.length * p))] as number;
const round = (ms: number) => Math.round(ms * 10) / 10;

const bedrock = await FakeBedrock.start();
const dataDir = mkdtempSync(join(tmpdir(), 'bench-ptc-'));
const env = {
  GATEWAY_DATA_DIR: dataDir,
  BEDROCK_ENDPOINT: bedrock.url,
  AWS_REGION: bedrock.region,
  AWS_ACCESS_KEY_ID: bedrock.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: bedrock.credentials.secretAccessKey,
  PTC_POOL_SIZE: '2',
  LOG_LEVEL: 'warn',
};
const config = loadConfig({ env, overrides: { routes: [{ match: 'bench-ptc', targets: [{ provider: 'bedrock', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' }] }] } });
const { logger } = createLogger(config.log.level, new Writable({ write: (_chunk, _encoding, callback) => callback() }));
const services = await createServices(config, logger, { probeCredentials: false });
const app = buildApp({ config, logger, clock: systemClock, ids: randomIds, ...services });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;

const tools = [
  { type: 'code_execution_20250825', name: 'code_execution' },
  { name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, allowed_callers: ['code_execution_20250825'] },
];
const body = JSON.stringify({ model: 'bench-ptc', max_tokens: 1000, stream: true, tools, messages: [{ role: 'user', content: 'Weather?' }] });
const code = 'weather = await get_weather(city="Paris")\nprint(weather)';

interface Timing {
  readonly modelDone: number;
  readonly firstCall: number | undefined;
}

/** Sends one request; the times (ms from sending) of the model's last block stop and of the first tool_use start. */
async function measure(withCode: boolean): Promise<Timing> {
  bedrock.enqueue(invokeTurn(withCode ? [{ text: 'Let me check.' }, { code }] : [{ text: 'Let me check.' }, { text: code }]));
  const started = performance.now();
  const response = await fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-bench' }, body });
  let text = '';
  let modelDone = 0;
  let firstCall: number | undefined;
  const decoder = new TextDecoder();
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    const now = performance.now() - started;
    if (modelDone === 0 && text.includes('"type":"content_block_stop","index":1')) modelDone = now;
    if (firstCall === undefined && /"content_block_start","index":\d+,"content_block":\{"type":"tool_use"/.test(text)) firstCall = now;
  }
  if (!text.includes('message_stop')) throw new Error(`incomplete answer: ${text.slice(0, 500)}`);
  return { modelDone, firstCall };
}

/** Waits until every interpreter of the pool is loaded (each run uses a fresh one), so every sample is warm. */
async function warmPool(): Promise<void> {
  while ((services.ptc?.sandbox.stats().warm ?? 0) < 2) await new Promise((resolve) => setTimeout(resolve, 50));
}

// Warm-up: the pool loads (seconds), and every path runs once.
await services.ptc?.sandbox.run({ code: 'pass', tools: [], batches: [], limits: { timeoutMs: 60_000, memoryBytes: 256 * 1024 * 1024, maxOutputBytes: 1 << 20 }, seed: 1 });
for (let index = 0; index < 3; index++) {
  await measure(true);
  await measure(false);
}
await warmPool();

const added: number[] = [];
const toFirstCall: number[] = [];
const plain: number[] = [];
for (let index = 0; index < samples; index++) {
  const withCode = await measure(true);
  added.push((withCode.firstCall as number) - withCode.modelDone);
  toFirstCall.push(withCode.firstCall as number);
  plain.push((await measure(false)).modelDone);
  await warmPool();
}

const row = (name: string, numbers: number[]) => `| ${name} | ${round(percentile(numbers, 0.5))} | ${round(percentile(numbers, 0.95))} | ${round(Math.max(...numbers))} |`;
console.log(`\n${samples} samples, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| ms | p50 | p95 | max |\n| --- | --- | --- | --- |');
console.log(row("model's code block closed -> first tool_use at the client (what PTC adds)", added));
console.log(row('request -> first tool_use (code lane)', toFirstCall));
console.log(row('request -> same turn without code, last block closed (text lane)', plain));

await app.close();
await services.close();
await bedrock.close();
rmSync(dataDir, { recursive: true, force: true });
