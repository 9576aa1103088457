import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock, Message, MessageCreateParamsNonStreaming, MessageParam, ToolUseBlock, ServerToolUseBlock, CodeExecutionToolResultBlock } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { FakeBedrock } from '../fakes/bedrock.ts';
import { FakeOpenAI } from '../fakes/openai.ts';
import { calls, converseTurn, invokeTurn, messagesApiTurn, openAITurn, printed, ScriptedSandbox, type TurnBlock } from '../fakes/ptc.ts';
import { awsEnvironment, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * Programmatic Tool Calling emulated on every target without it (issue 13), driven by the
 * official SDK through every round, streaming and not: the model (a scripted upstream: InvokeModel,
 * Converse, Bedrock's Messages API, an OpenAI-compatible API) writes code, the sandbox (scripted
 * here; src/ptc/sandbox/ tests the real one) runs it, the client answers the calls the code makes.
 */

const sandbox = new ScriptedSandbox();
let bedrock: FakeBedrock;
let openai: FakeOpenAI;
let anthropic: FakeAnthropic;
let gateway: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  bedrock = await FakeBedrock.start();
  openai = await FakeOpenAI.start();
  anthropic = await FakeAnthropic.start();
  gateway = await startTestGateway(
    { ANTHROPIC_API_BASE: anthropic.url, ...awsEnvironment(bedrock), OPENAI_API_KEY: 'sk-openai-gateway' },
    {
      routes: [
        { match: 'ptc-invoke', targets: [{ provider: 'bedrock', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' }] },
        { match: 'ptc-messages-api', targets: [{ provider: 'bedrock', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', api: 'messages' }] },
        { match: 'team-coder', targets: [{ provider: 'bedrock', model: 'qwen.qwen3-coder-480b-a35b-v1:0' }] },
        { match: 'oai-coder', targets: [{ provider: 'openai', model: 'gpt-test' }] },
      ],
      'openai_compatible.openai.base_url': `${openai.url}/v1`,
    },
    { sandbox },
  );
  client = new Anthropic({ apiKey: 'sk-ant-api03-client', baseURL: gateway.url, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await bedrock.close();
  await openai.close();
  await anthropic.close();
});

beforeEach(async () => {
  bedrock.reset();
  openai.reset();
  anthropic.reset();
  sandbox.runs.length = 0;
  await gateway.resetCooldowns();
});

interface Target {
  readonly name: string;
  /** The upstream operation each round must be (Bedrock's path), when there is one to check. */
  readonly operation?: string;
  readonly model: string;
  /** Plays the model's next turns, in order. */
  readonly play: (...turns: TurnBlock[][]) => void;
  /** The bodies the model received, as the upstream's own format. */
  readonly received: () => Record<string, unknown>[];
}

const targets: Target[] = [
  { name: 'Bedrock InvokeModel', operation: 'invoke-with-response-stream', model: 'ptc-invoke', play: (...turns) => bedrock.enqueue(...turns.map((turn) => invokeTurn(turn))), received: () => bedrock.requests.map((request) => request.json as Record<string, unknown>) },
  { name: "Bedrock's Messages API", operation: 'messages', model: 'ptc-messages-api', play: (...turns) => bedrock.enqueue(...turns.map((turn) => messagesApiTurn(turn))), received: () => bedrock.requests.map((request) => request.json as Record<string, unknown>) },
  { name: 'Bedrock Converse', operation: 'converse-stream', model: 'team-coder', play: (...turns) => bedrock.enqueue(...turns.map((turn) => converseTurn(turn))), received: () => bedrock.requests.map((request) => request.json as Record<string, unknown>) },
  { name: 'OpenAI-compatible', model: 'oai-coder', play: (...turns) => openai.enqueue(...turns.map((turn) => openAITurn(turn))), received: () => openai.requests.map((request) => request.json as Record<string, unknown>) },
];

const tools: MessageCreateParamsNonStreaming['tools'] = [
  { type: 'code_execution_20250825', name: 'code_execution' },
  { name: 'get_weather', description: 'The weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, allowed_callers: ['code_execution_20250825'] },
];

async function send(target: Target, stream: boolean, messages: MessageParam[], container?: string): Promise<Message> {
  const body: MessageCreateParamsNonStreaming = { model: target.model, max_tokens: 1000, tools, messages, ...(container === undefined ? {} : { container }) };
  const options = { headers: { 'anthropic-beta': 'advanced-tool-use-2025-11-20' } };
  if (!stream) return client.messages.create(body, options);
  return client.messages.stream(body, options).finalMessage();
}

function blocksOf<Type extends ContentBlock['type']>(message: Message, type: Type): Extract<ContentBlock, { type: Type }>[] {
  return message.content.filter((block): block is Extract<ContentBlock, { type: Type }> => block.type === type);
}

/** The client's side of a round: the tool results for every call the code made. */
function answer(message: Message, results: (call: ToolUseBlock) => string): MessageParam {
  return { role: 'user', content: blocksOf(message, 'tool_use').map((call) => ({ type: 'tool_result', tool_use_id: call.id, content: results(call) })) };
}

/**
 * The tool call ids and tool result ids of an upstream body, whatever its format (Anthropic
 * `tool_use`/`tool_result`, Converse `toolUse`/`toolResult`, Chat Completions `tool_calls`/`tool_call_id`).
 */
function toolIds(body: unknown): { calls: string[]; results: string[] } {
  const found = { calls: [] as string[], results: [] as string[] };
  const walk = (value: unknown, key?: string): void => {
    if (Array.isArray(value)) {
      for (const item of value) {
        if (key === 'tool_calls' && typeof (item as { id?: unknown }).id === 'string') found.calls.push((item as { id: string }).id);
        walk(item);
      }
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    if (record.type === 'tool_use' && typeof record.id === 'string') found.calls.push(record.id);
    if (key === 'toolUse' && typeof record.toolUseId === 'string') found.calls.push(record.toolUseId);
    if (key === 'toolResult' && typeof record.toolUseId === 'string') found.results.push(record.toolUseId);
    if (typeof record.tool_use_id === 'string') found.results.push(record.tool_use_id);
    if (typeof record.tool_call_id === 'string') found.results.push(record.tool_call_id);
    for (const [name, child] of Object.entries(record)) if (name !== 'tools' && name !== 'toolConfig') walk(child, name);
  };
  walk(body);
  return found;
}

/** Every tool result the model got answers a call it made, and every call has its result. */
function expectPaired(body: unknown): void {
  const { calls: made, results } = toolIds(body);
  expect(results.length).toBeGreaterThan(0);
  expect([...results].sort()).toEqual([...made].sort());
}

const weather = (call: ToolUseBlock): string => `${String((call.input as { city: string }).city)}: sunny`;

describe.each(targets)('$name', (target) => {
  describe.each([false, true])('stream %s', (stream) => {
    it('code that calls a tool once: server_tool_use, the call with its caller, the result, the model goes on', async () => {
      sandbox.script((request) => (request.batches.length === 0 ? calls(['get_weather', { city: 'Paris' }]) : printed(`${request.batches[0]?.results[0]?.content}\n`)));
      target.play([{ text: 'Let me check.' }, { code: 'print(await get_weather(city="Paris"))' }], [{ text: 'Paris is sunny.' }]);
      const question: MessageParam = { role: 'user', content: 'Weather in Paris?' };
      const first = await send(target, stream, [question]);
      expect(first.stop_reason).toBe('tool_use');
      const [code] = blocksOf(first, 'server_tool_use') as [ServerToolUseBlock];
      expect(code).toEqual({ type: 'server_tool_use', id: expect.stringMatching(/^srvtoolu_/), name: 'code_execution', input: { code: 'print(await get_weather(city="Paris"))' }, caller: { type: 'direct' } } satisfies ServerToolUseBlock);
      expect(blocksOf(first, 'tool_use')).toEqual([{ type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'get_weather', input: { city: 'Paris' }, caller: { type: 'code_execution_20250825', tool_id: code.id } } satisfies ToolUseBlock]);
      expect(first.container).toEqual({ id: expect.stringMatching(/^container_/), expires_at: expect.any(String), skills: null });
      expect(Date.parse(first.container?.expires_at ?? '') - Date.now()).toBeGreaterThan(200_000);
      const upstreamTools = JSON.stringify(target.received()[0]);
      expect(upstreamTools).toContain('execute_code');
      expect(upstreamTools).toContain('The weather of a city');

      const second = await send(target, stream, [question, { role: 'assistant', content: first.content }, answer(first, weather)], first.container?.id);
      expect(second.stop_reason).toBe('end_turn');
      expect(second.content).toEqual([
        { type: 'code_execution_tool_result', tool_use_id: code.id, content: { type: 'code_execution_result', stdout: 'Paris: sunny\n', stderr: '', return_code: 0, content: [] } } satisfies CodeExecutionToolResultBlock,
        { type: 'text', text: 'Paris is sunny.' },
      ]);
      expect(second.container?.id).toBe(first.container?.id);
      expect(sandbox.runs[1]?.batches).toEqual([{ calls: [{ index: 0, name: 'get_weather', input: { city: 'Paris' } }], results: [{ content: 'Paris: sunny', isError: false }] }]);
      expect(JSON.stringify(target.received()[1])).toContain('Paris: sunny');
      expectPaired(target.received()[1]);
      if (target.operation !== undefined) expect(bedrock.requests.map((request) => request.operation)).toEqual([target.operation, target.operation]);
    });
  });
});
