import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/sqlite/database.ts';
import { DynamoAccountingStore, setupTables } from '../../src/store/dynamodb/accounting.ts';
import { startDynalite, type TestDynamo } from '../helpers/dynalite.ts';
import { FakeAnthropic, loadScenario, type RecordedRequest } from '../fakes/anthropic.ts';
import { eventually } from '../helpers/gateway.ts';

/**
 * D1 (reliability.md §5.2): a gateway process killed with SIGKILL in the middle of streaming
 * and non-streaming load loses no usage record of a request whose client got the whole answer;
 * after a restart every request that reached the gateway has a final or `interrupted` record;
 * there are no duplicates and the SQLite file is intact. Seeded kill times, bounded in time.
 */

const cli = join(import.meta.dirname, '../../src/cli/index.ts');

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly exit: Promise<unknown>;
}

async function startGateway(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [cli], { env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise((resolve) => child.on('exit', resolve));
  await eventually(() => /listening on (http:\/\/\S+?)\. Point/.test(output) || child.exitCode !== null, 15_000);
  const match = /listening on (http:\/\/\S+?)\. Point/.exec(output);
  if (match === null) throw new Error(`the gateway did not start:\n${output}`);
  return { child, url: match[1] as string, exit };
}

/** A small deterministic generator, so a failing kill time can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Outcome {
  requestId?: string;
  complete: boolean;
}

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await FakeAnthropic.start();
  // Streams trickle out over ~100-400 ms, so a kill lands in the middle of many of them.
  const events = loadScenario('text', 'claude-sonnet-5-5');
  fake.respondWith((recorded: RecordedRequest) => {
    // The held stream: its first event, then nothing until the gateway dies.
    if (recorded.headers['x-fake-hold'] !== undefined) return { kind: 'sse', items: [{ event: events[0] as { type: string } }], then: 'hang' };
    const stream = recorded.body.includes('"stream":true');
    if (!stream) return { kind: 'json', body: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [{ type: 'text', text: 'hi' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 10, output_tokens: 3 } }, delayMs: 20 };
    return { kind: 'sse', items: events.flatMap((event) => [{ delayMs: 15 + Math.floor(Math.random() * 40) }, { event }]) };
  });
});
afterAll(async () => fake.close());

async function load(url: string, agent: Agent, until: Promise<unknown>, rng: () => number, onComplete: () => void): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let stopped = false;
  void until.then(() => (stopped = true));
  const one = async (): Promise<void> => {
    const stream = rng() < 0.6;
    const outcome: Outcome = { complete: false };
    outcomes.push(outcome);
    try {
      const response = await request(`${url}/v1/messages`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-durability' },
        body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 50, stream, messages: [{ role: 'user', content: 'hi' }] }),
      });
      outcome.requestId = response.headers['x-gateway-request-id'] as string;
      const text = await response.body.text();
      outcome.complete = response.statusCode === 200 && (stream ? text.includes('event: message_stop') : JSON.parse(text).type === 'message');
      if (outcome.complete) onComplete();
    } catch {
      // The gateway died under this request.
    }
  };
  const workers = Array.from({ length: 40 }, async () => {
    while (!stopped) await one();
  });
  await Promise.all(workers);
  return outcomes;
}

/**
 * One stream that is committed (headers and its first event received) and still open when the
 * gateway is killed, whatever the load's timing: the kill always lands in the middle of at
 * least one answer, so "a request that started but never completed" is always exercised
 * (a loaded machine once killed between answers, with none in the middle).
 */
async function holdStream(url: string, agent: Agent): Promise<Outcome> {
  const response = await request(`${url}/v1/messages`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-durability', 'x-fake-hold': '1' },
    body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hold' }] }),
  });
  const outcome: Outcome = { requestId: response.headers['x-gateway-request-id'] as string, complete: false };
  const firstChunk = new Promise<void>((resolve) => {
    response.body.once('data', () => resolve());
    response.body.on('error', () => resolve());
  });
  // Read to the end (the kill), ignoring the break.
  response.body.on('error', () => undefined);
  response.body.resume();
  await firstChunk;
  return outcome;
}

describe('usage records survive kill -9 (D1)', () => {
  for (const seed of [1, 2, 3]) {
    it(`kill at a seeded time (seed ${seed}): 0 lost, 0 duplicates, every request accounted for`, { timeout: 60_000 }, async () => {
      const rng = random(seed);
      const dataDir = mkdtempSync(join(tmpdir(), 'gateway-d1-'));
      const configFile = join(dataDir, 'config.yaml');
      // On restart, every record left in_progress is a request of the killed process. Batches
      // every 20 ms: a window in which a record the client was not made to wait for is lost.
      writeFileSync(configFile, 'usage:\n  stale_after_ms: 0\n  flush_interval_ms: 20\n');
      const env = { GATEWAY_DATA_DIR: dataDir, ANTHROPIC_API_BASE: fake.url, BEDROCK_ENABLED: 'false', GATEWAY_CONFIG: configFile };
      const agent = new Agent({ connections: 64 });
      try {
        const gateway = await startGateway(env);
        // Kill once the load is warm (20 answers complete), then after a seeded delay.
        const delay = Math.floor(rng() * 600);
        let completedSoFar = 0;
        let signalWarm!: () => void;
        const warm = new Promise<void>((resolve) => (signalWarm = resolve));
        let held: Outcome | undefined;
        const killed = warm
          .then(async () => {
            held = await holdStream(gateway.url, agent);
          })
          .then(() => new Promise((resolve) => setTimeout(resolve, delay)))
          .then(() => {
            gateway.child.kill('SIGKILL');
          });
        const onComplete = () => {
          if (++completedSoFar === 20) signalWarm();
        };
        const outcomes = [...(await load(gateway.url, agent, killed, rng, onComplete)), ...(held === undefined ? [] : [held])];
        expect(held?.requestId).toBeDefined();
        await gateway.exit;

        const restarted = await startGateway(env);
        const database = openSqlite(join(dataDir, 'gateway.db'));
        try {
          await eventually(() => database.prepare("SELECT count(*) AS n FROM usage WHERE state = 'in_progress'").get()?.['n'] === 0, 10_000);
          const rows = new Map(database.prepare('SELECT request_id, state FROM usage').all().map((row) => [row['request_id'] as string, row['state'] as string]));
          const completed = outcomes.filter((outcome) => outcome.complete);
          const started = outcomes.filter((outcome) => outcome.requestId !== undefined);
          expect(completed.length).toBeGreaterThan(10);
          expect(started.length).toBeGreaterThan(completed.length);
          const lost = completed.filter((outcome) => rows.get(outcome.requestId as string) !== 'complete');
          expect(lost).toEqual([]);
          const unaccounted = started.filter((outcome) => !['complete', 'interrupted'].includes(rows.get(outcome.requestId as string) ?? 'missing'));
          expect(unaccounted).toEqual([]);
          const count = database.prepare('SELECT count(*) AS n, count(DISTINCT request_id) AS distinct_ids FROM usage').get();
          expect(count?.['n']).toBe(count?.['distinct_ids']);
          expect(database.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
        } finally {
          database.close();
          restarted.child.kill('SIGTERM');
          await restarted.exit;
        }
      } finally {
        await agent.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});

describe('usage records survive kill -9 on DynamoDB (D4, dynalite)', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => dynamo.stop());

  it('kill at a seeded time: 0 lost, every request accounted for', { timeout: 90_000 }, async () => {
    const rng = random(7);
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-d4-'));
    const configFile = join(dataDir, 'config.yaml');
    writeFileSync(configFile, 'usage:\n  stale_after_ms: 0\n  flush_interval_ms: 20\n');
    const connection = { region: dynamo.region, endpoint: dynamo.endpoint, tablePrefix: 'd4-', credentials: dynamo.credentials };
    await setupTables(connection);
    const env = {
      GATEWAY_DATA_DIR: dataDir,
      ANTHROPIC_API_BASE: fake.url,
      BEDROCK_ENABLED: 'false',
      GATEWAY_CONFIG: configFile,
      STORE: 'dynamodb',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      DYNAMODB_TABLE_PREFIX: 'd4-',
      AWS_REGION: dynamo.region,
      AWS_ACCESS_KEY_ID: dynamo.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: dynamo.credentials.secretAccessKey,
    };
    const agent = new Agent({ connections: 64 });
    const store = new DynamoAccountingStore(connection);
    try {
      const gateway = await startGateway(env);
      const delay = Math.floor(rng() * 600);
      let completedSoFar = 0;
      let signalWarm!: () => void;
      const warm = new Promise<void>((resolve) => (signalWarm = resolve));
      const killed = warm.then(() => new Promise((resolve) => setTimeout(resolve, delay))).then(() => void gateway.child.kill('SIGKILL'));
      const outcomes = await load(gateway.url, agent, killed, rng, () => {
        if (++completedSoFar === 20) signalWarm();
      });
      await gateway.exit;
      const restarted = await startGateway(env);
      try {
        const completed = outcomes.filter((outcome) => outcome.complete);
        const started = outcomes.filter((outcome) => outcome.requestId !== undefined);
        expect(completed.length).toBeGreaterThan(10);
        const stateOf = async (outcome: Outcome) => (await store.getUsage(outcome.requestId as string))?.state ?? 'missing';
        // The restarted gateway marks what the killed one left in flight.
        await expect.poll(async () => (await Promise.all(started.map(stateOf))).filter((state) => state === 'in_progress' || state === 'missing').length, { timeout: 20_000, interval: 250 }).toBe(0);
        const lost = [];
        for (const outcome of completed) if ((await stateOf(outcome)) !== 'complete') lost.push(outcome);
        expect(lost).toEqual([]);
      } finally {
        restarted.child.kill('SIGTERM');
        await restarted.exit;
      }
    } finally {
      await store.close();
      await agent.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
