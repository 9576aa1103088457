import Anthropic from '@anthropic-ai/sdk';
import type { CodeExecutionToolResultBlock, Message, MessageCreateParamsNonStreaming, MessageParam, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBedrock } from '../fakes/bedrock.ts';
import { invokeTurn, type TurnBlock } from '../fakes/ptc.ts';
import { awsEnvironment, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * The protocol's scenarios with real Python (issue 13): the model's code (scripted on a fake
 * Bedrock) runs in the gateway's Pyodide sandbox, and the official SDK drives every round,
 * streaming and not. test/e2e/ptc.test.ts has the same rounds with a scripted sandbox on every
 * target; this file checks that what the protocol promises holds with the interpreter itself.
 */

const tools: MessageCreateParamsNonStreaming['tools'] = [
  { type: 'code_execution_20250825', name: 'code_execution' },
  { name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, allowed_callers: ['code_execution_20250825'] },
];

let bedrock: FakeBedrock;
let gateway: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  bedrock = await FakeBedrock.start();
  gateway = await startTestGateway({ ...awsEnvironment(bedrock), PTC_POOL_SIZE: '2', PTC_EXECUTION_TIMEOUT: '5' }, { routes: [{ match: 'ptc-python', targets: [{ provider: 'bedrock', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' }] }] });
  client = new Anthropic({ apiKey: 'sk-ant-api03-client', baseURL: gateway.url, maxRetries: 0, timeout: 120_000 });
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await bedrock?.close();
});

function send(messages: MessageParam[], stream: boolean, container?: string): Promise<Message> {
  const body: MessageCreateParamsNonStreaming = { model: 'ptc-python', max_tokens: 1000, tools, messages, ...(container === undefined ? {} : { container }) };
  return stream ? client.messages.stream(body).finalMessage() : client.messages.create(body);
}

const callsOf = (message: Message): ToolUseBlock[] => message.content.filter((block): block is ToolUseBlock => block.type === 'tool_use');
const resultOf = (message: Message): CodeExecutionToolResultBlock['content'] | undefined => message.content.find((block): block is CodeExecutionToolResultBlock => block.type === 'code_execution_tool_result')?.content;

/** Runs the conversation to its end: every call the code makes is answered by `tool`. */
async function converse(code: string, stream: boolean, tool: (input: { city: string }) => string, after: TurnBlock[] = [{ text: 'Done.' }]): Promise<{ messages: Message[]; rounds: ToolUseBlock[][] }> {
  bedrock.enqueue(invokeTurn([{ code }]), invokeTurn(after));
  const history: MessageParam[] = [{ role: 'user', content: 'Go' }];
  const messages: Message[] = [];
  const rounds: ToolUseBlock[][] = [];
  let container: string | undefined;
  for (let round = 0; round < 20; round++) {
    const message = await send(history, stream, container);
    messages.push(message);
    container = message.container?.id;
    if (message.stop_reason !== 'tool_use') break;
    const calls = callsOf(message);
    rounds.push(calls);
    history.push({ role: 'assistant', content: message.content }, { role: 'user', content: calls.map((call) => ({ type: 'tool_result', tool_use_id: call.id, content: tool(call.input as { city: string }) })) });
  }
  return { messages, rounds };
}

const weather = ({ city }: { city: string }): string => JSON.stringify({ city, sky: city === 'Oslo' ? 'snow' : 'sunny' });

// Streaming and not take the same rounds (test/e2e/ptc.test.ts runs both everywhere); here the
// interpreter is the subject, so each scenario runs once, half of them streamed, to keep it short.
describe('real Python', () => {
  const stream = true;
  it('a tool called once, in a loop, then in parallel: each batch as the code issues it', async () => {
    const code = [
      'import asyncio, json',
      'first = json.loads(await get_weather(city="Paris"))',
      'for city in ["Lyon"]:',
      '    print(json.loads(await get_weather(city=city))["sky"])',
      'both = await asyncio.gather(get_weather(city="Oslo"), get_weather(city="Rome"))',
      'print(first["sky"], [json.loads(item)["sky"] for item in both])',
    ].join('\n');
    const { messages, rounds } = await converse(code, stream, weather);
    expect(rounds.map((calls) => calls.map((call) => (call.input as { city: string }).city))).toEqual([['Paris'], ['Lyon'], ['Oslo', 'Rome']]);
    const last = messages.at(-1) as Message;
    expect(resultOf(last)).toEqual({ type: 'code_execution_result', stdout: "sunny\nsunny ['snow', 'sunny']\n", stderr: '', return_code: 0, content: [] });
    expect(last.content.at(-1)).toEqual({ type: 'text', text: 'Done.' });
  }, 120_000);

  it('code that raises: return code 1 and the traceback', async () => {
    const { messages } = await converse('data = {}\nprint(data["missing"])', false, weather);
    const result = resultOf(messages.at(-1) as Message);
    expect(result).toMatchObject({ type: 'code_execution_result', return_code: 1 });
    expect(result?.type === 'code_execution_result' ? result.stderr : '').toMatch(/KeyError: 'missing'/);
  }, 120_000);

  it('a tool error raised in the code, caught there', async () => {
    const code = 'try:\n    await get_weather(city="Atlantis")\nexcept ToolError as error:\n    print("failed:", error)';
    bedrock.enqueue(invokeTurn([{ code }]), invokeTurn([{ text: 'Done.' }]));
    const first = await send([{ role: 'user', content: 'Go' }], false);
    const [call] = callsOf(first);
    const second = await send([{ role: 'user', content: 'Go' }, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: String(call?.id), content: 'no such city', is_error: true }] }], false, first.container?.id);
    expect(resultOf(second)).toMatchObject({ type: 'code_execution_result', stdout: 'failed: no such city\n', return_code: 0 });
  }, 120_000);

  it('code that prints a lot', async () => {
    const { messages } = await converse('for i in range(5000):\n    print("line", i)', stream, weather);
    const result = resultOf(messages.at(-1) as Message);
    expect(result?.type === 'code_execution_result' ? result.stdout.split('\n').length : 0).toBeGreaterThan(5000);
  }, 120_000);
});

describe('real Python, the limits', () => {
  it('code that runs forever: execution_time_exceeded, and the model goes on', async () => {
    const { messages } = await converse('while True:\n    pass', false, weather, [{ text: 'It ran out of time.' }]);
    const last = messages.at(-1) as Message;
    expect(resultOf(last)).toEqual({ type: 'code_execution_tool_result_error', error_code: 'execution_time_exceeded' });
    expect(last.content.at(-1)).toEqual({ type: 'text', text: 'It ran out of time.' });
  }, 120_000);

  it('code again after a result: a second execution in the same answer pauses and resumes', async () => {
    bedrock.enqueue(invokeTurn([{ code: 'print(6 * 7)' }]), invokeTurn([{ text: 'Now the weather.' }, { code: 'print(await get_weather(city="Oslo"))' }]), invokeTurn([{ text: 'Snow.' }]));
    const question: MessageParam = { role: 'user', content: 'Go' };
    const first = await send([question], true);
    expect(first.content.map((block) => block.type)).toEqual(['server_tool_use', 'code_execution_tool_result', 'text', 'server_tool_use', 'tool_use']);
    expect(first.content[1]).toMatchObject({ content: { stdout: '42\n' } });
    const [call] = callsOf(first);
    const second = await send([question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: String(call?.id), content: 'snow' }] }], true, first.container?.id);
    expect(resultOf(second)).toMatchObject({ stdout: 'snow\n', return_code: 0 });
    expect(second.content.at(-1)).toEqual({ type: 'text', text: 'Snow.' });
  }, 120_000);
});
