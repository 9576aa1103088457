import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming, MessageParam, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBedrock } from '../fakes/bedrock.ts';
import { invokeTurn } from '../fakes/ptc.ts';
import { awsEnvironment, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * The real sandbox behind the gateway (issue 13): two gateways, each with its own pool of Python
 * interpreters, share one SQLite file. The model's code (a loop over asyncio.gather batches)
 * pauses on one instance and is resumed on the other, which replays it in a fresh interpreter with
 * the answered batches: the seeded random number the first drew (sent in a call) is the one the
 * second prints. Code that tries
 * to reach JavaScript gets a ModuleNotFoundError as its result, and the gateway carries on.
 */

const route = { routes: [{ match: 'ptc-real', targets: [{ provider: 'bedrock', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' }] }] };
const tools: MessageCreateParamsNonStreaming['tools'] = [
  { type: 'code_execution_20250825', name: 'code_execution' },
  { name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, allowed_callers: ['code_execution_20250825'] },
];
const question: MessageParam = { role: 'user', content: 'Weather?' };
const code = [
  'import random',
  'token = random.randint(0, 10**9)',
  'paris, oslo = await asyncio.gather(get_weather(f"Paris {token}"), get_weather(city="Oslo"))',
  'print(paris, oslo, token)',
].join('\n');

let bedrock: FakeBedrock;
let dataDir: string;
let one: TestGateway;
let two: TestGateway;

beforeAll(async () => {
  bedrock = await FakeBedrock.start();
  dataDir = mkdtempSync(join(tmpdir(), 'gateway-ptc-real-'));
  const env = { ...awsEnvironment(bedrock), GATEWAY_DATA_DIR: dataDir, PTC_POOL_SIZE: '1' };
  one = await startTestGateway(env, route);
  two = await startTestGateway(env, route);
});

afterAll(async () => {
  await one.close();
  await two.close();
  await bedrock.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function create(gateway: TestGateway, messages: MessageParam[], container?: string): Promise<Message> {
  const client = new Anthropic({ apiKey: 'sk-ant-api03-client', baseURL: gateway.url, maxRetries: 0, timeout: 90_000 });
  return client.messages.create({ model: 'ptc-real', max_tokens: 100, tools, messages, ...(container === undefined ? {} : { container }) });
}

describe('PTC with the Python sandbox', () => {
  it('the code pauses on a gather batch on one instance and finishes on the other, replayed to the same state', async () => {
    bedrock.enqueue(invokeTurn([{ code }]), invokeTurn([{ text: 'Done.' }]));
    const first = await create(one, [question]);
    expect(first.stop_reason).toBe('tool_use');
    const calls = first.content.filter((block): block is ToolUseBlock => block.type === 'tool_use');
    const [paris] = calls;
    const token = /^Paris (\d+)$/.exec((paris?.input as { city?: string } | undefined)?.city ?? '')?.[1];
    expect(token).toBeDefined();
    expect(calls.map((call) => call.input)).toEqual([{ city: `Paris ${token}` }, { city: 'Oslo' }]);

    const results = calls.map((call, index) => ({ type: 'tool_result' as const, tool_use_id: call.id, content: index === 0 ? 'sunny' : 'snow' }));
    const second = await create(two, [question, { role: 'assistant', content: first.content }, { role: 'user', content: results }], first.container?.id);
    const outcome = second.content.find((block) => block.type === 'code_execution_tool_result');
    expect(outcome?.content).toMatchObject({ type: 'code_execution_result', stderr: '', return_code: 0 });
    // Replayed elsewhere from the start, the seeded random number is the one the first instance drew.
    expect(outcome?.content.type === 'code_execution_result' ? outcome.content.stdout : '').toBe(`sunny snow ${token}\n`);
    expect(second.content.at(-1)).toEqual({ type: 'text', text: 'Done.' });
  }, 120_000);

  it('code that reaches for JavaScript gets an error result; the gateway answers on', async () => {
    bedrock.enqueue(invokeTurn([{ code: 'import js\nprint(js.process.env)' }]), invokeTurn([{ text: 'No.' }]));
    const answer = await create(one, [question]);
    const outcome = answer.content.find((block) => block.type === 'code_execution_tool_result');
    expect(outcome?.content).toMatchObject({ type: 'code_execution_result', stdout: '', return_code: 1 });
    expect(outcome?.content.type === 'code_execution_result' ? outcome.content.stderr : '').toMatch(/ModuleNotFoundError: No module named 'js'/);
    expect(answer.content.at(-1)).toEqual({ type: 'text', text: 'No.' });
  }, 120_000);
});
