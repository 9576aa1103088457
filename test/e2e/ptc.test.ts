import Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock, Message, MessageCreateParamsNonStreaming, MessageParam, ToolUseBlock, ServerToolUseBlock, CodeExecutionToolResultBlock } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
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

    it('code that calls tools in a loop: one round per call, each answered, ids derived from the execution', async () => {
      const cities = ['Paris', 'Lyon', 'Nice'];
      sandbox.script((request) => {
        const next = cities[request.batches.length];
        return next !== undefined ? calls(['get_weather', { city: next }]) : printed(request.batches.map((batch) => batch.results[0]?.content).join('\n'));
      });
      target.play([{ code: 'for city in cities: print(await get_weather(city=city))' }], [{ text: 'All sunny.' }]);
      const history: MessageParam[] = [{ role: 'user', content: 'Weather in three cities?' }];
      let message = await send(target, stream, history);
      const container = message.container?.id;
      const seen: string[] = [];
      for (const city of cities) {
        expect(message.stop_reason).toBe('tool_use');
        const [call] = blocksOf(message, 'tool_use');
        expect(call?.input).toEqual({ city });
        seen.push(String(call?.id));
        history.push({ role: 'assistant', content: message.content }, answer(message, weather));
        message = await send(target, stream, history, container);
      }
      expect(new Set(seen).size).toBe(3);
      expect(message.content[0]).toMatchObject({ type: 'code_execution_tool_result', content: { stdout: 'Paris: sunny\nLyon: sunny\nNice: sunny', return_code: 0 } });
      expect(message.content[1]).toEqual({ type: 'text', text: 'All sunny.' });
      // The model saw one execute_code call and its result, nothing of the calls in between.
      expectPaired(target.received()[1]);
      expect(JSON.stringify(target.received()[1])).not.toContain('Lyon: sunny"');
    });

    it('code that calls tools in parallel (asyncio.gather): one batch of calls, answered together', async () => {
      sandbox.script((request) => (request.batches.length === 0 ? calls(['get_weather', { city: 'Paris' }], ['get_weather', { city: 'Lyon' }], ['get_weather', { city: 'Nice' }]) : printed(request.batches[0]?.results.map((result) => result.content).join(', ') ?? '')));
      target.play([{ code: 'print(await asyncio.gather(*[get_weather(city=c) for c in cities]))' }], [{ text: 'Done.' }]);
      const question: MessageParam = { role: 'user', content: 'Weather?' };
      const first = await send(target, stream, [question]);
      const [code] = blocksOf(first, 'server_tool_use');
      const parallel = blocksOf(first, 'tool_use');
      expect(parallel.map((call) => call.input)).toEqual([{ city: 'Paris' }, { city: 'Lyon' }, { city: 'Nice' }]);
      for (const call of parallel) expect(call.caller).toEqual({ type: 'code_execution_20250825', tool_id: code?.id });
      // Answered in another order: matched by id.
      const results = answer(first, weather);
      const second = await send(target, stream, [question, { role: 'assistant', content: first.content }, { role: 'user', content: [...(results.content as unknown[])].reverse() as MessageParam['content'] }], first.container?.id);
      expect(second.content[0]).toMatchObject({ type: 'code_execution_tool_result', content: { stdout: 'Paris: sunny, Lyon: sunny, Nice: sunny' } });
    });

    it('code that raises: return_code 1 and the traceback, which the model reads as an error', async () => {
      sandbox.script(() => printed('', 'Traceback (most recent call last):\nValueError: no such city', 1));
      target.play([{ code: 'raise ValueError("no such city")' }], [{ text: 'The code failed.' }]);
      const message = await send(target, stream, [{ role: 'user', content: 'Go' }]);
      expect(message.content[1]).toEqual({ type: 'code_execution_tool_result', tool_use_id: (message.content[0] as ServerToolUseBlock).id, content: { type: 'code_execution_result', stdout: '', stderr: 'Traceback (most recent call last):\nValueError: no such city', return_code: 1, content: [] } });
      expect(message.content[2]).toEqual({ type: 'text', text: 'The code failed.' });
      expect(JSON.stringify(target.received()[1])).toContain('ValueError: no such city');
    });

    it('code that prints a lot: the output reaches the client and the model whole', async () => {
      const output = 'line of output\n'.repeat(20_000);
      sandbox.script(() => printed(output));
      target.play([{ code: 'for i in range(20000): print("line of output")' }], [{ text: 'Long.' }]);
      const message = await send(target, stream, [{ role: 'user', content: 'Go' }]);
      expect((message.content[1] as CodeExecutionToolResultBlock).content).toMatchObject({ stdout: output });
      expect(JSON.stringify(target.received()[1]).length).toBeGreaterThan(output.length);
    });

    it('code that runs forever: execution_time_exceeded, and the model goes on', async () => {
      sandbox.script(() => ({ kind: 'error', errorCode: 'execution_time_exceeded', message: 'the code ran for more than 60 s' }));
      target.play([{ code: 'while True: pass' }], [{ text: 'It timed out.' }]);
      const message = await send(target, stream, [{ role: 'user', content: 'Go' }]);
      expect((message.content[1] as CodeExecutionToolResultBlock).content).toEqual({ type: 'code_execution_tool_result_error', error_code: 'execution_time_exceeded' });
      expect(message.stop_reason).toBe('end_turn');
      expect(JSON.stringify(target.received()[1])).toContain('execution_time_exceeded');
    });

    it('code again after a result: a second execution in the same answer, which pauses and resumes', async () => {
      sandbox.script((request) => {
        if (request.code === 'print(1)') return printed('1\n');
        return request.batches.length === 0 ? calls(['get_weather', { city: 'Oslo' }]) : printed('Oslo: sunny\n');
      });
      target.play([{ code: 'print(1)' }], [{ text: 'Now the weather.' }, { code: 'print(await get_weather(city="Oslo"))' }], [{ text: 'Oslo is sunny.' }]);
      const question: MessageParam = { role: 'user', content: 'Go' };
      const first = await send(target, stream, [question]);
      expect(first.content.map((block) => block.type)).toEqual(['server_tool_use', 'code_execution_tool_result', 'text', 'server_tool_use', 'tool_use']);
      const [one, two] = blocksOf(first, 'server_tool_use');
      expect(one?.id).not.toBe(two?.id);
      expect(blocksOf(first, 'tool_use')[0]?.caller).toEqual({ type: 'code_execution_20250825', tool_id: two?.id });
      const second = await send(target, stream, [question, { role: 'assistant', content: first.content }, answer(first, weather)], first.container?.id);
      expect(second.content).toEqual([
        { type: 'code_execution_tool_result', tool_use_id: two?.id, content: { type: 'code_execution_result', stdout: 'Oslo: sunny\n', stderr: '', return_code: 0, content: [] } },
        { type: 'text', text: 'Oslo is sunny.' },
      ]);
      expectPaired(target.received()[2]);
    });
  });
});

describe('around the rounds', () => {
  const target = targets[0] as Target;

  async function post(body: Record<string, unknown>): Promise<{ status: number; json: { type: string; error?: { type: string; message: string } } }> {
    const response = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-client' }, body: JSON.stringify({ model: target.model, max_tokens: 100, tools, ...body }) });
    return { status: response.status, json: (await response.json()) as { type: string; error?: { type: string; message: string } } };
  }

  async function paused(): Promise<{ question: MessageParam; first: Message }> {
    sandbox.script((request) => (request.batches.length === 0 ? calls(['get_weather', { city: 'Paris' }], ['get_weather', { city: 'Rome' }]) : printed('ok')));
    target.play([{ code: 'x' }]);
    const question: MessageParam = { role: 'user', content: 'Go' };
    return { question, first: await send(target, false, [question]) };
  }

  it('tool results that do not match the paused calls: 400 naming the id, in the Anthropic envelope', async () => {
    const { question, first } = await paused();
    const [paris, rome] = blocksOf(first, 'tool_use') as [ToolUseBlock, ToolUseBlock];
    const history = [question, { role: 'assistant', content: first.content }];
    const result = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: 'sunny' });
    const missing = await post({ container: first.container?.id, messages: [...history, { role: 'user', content: [result(paris.id)] }] });
    expect(missing).toEqual({ status: 400, json: { type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining(`no tool_result for tool_use_id "${rome.id}" (get_weather)`) }, request_id: expect.any(String) } });
    const twice = await post({ container: first.container?.id, messages: [...history, { role: 'user', content: [result(paris.id), result(rome.id), result(rome.id)] }] });
    expect(twice.json.error?.message).toContain(`tool_use_id "${rome.id}" is answered twice`);
    const unknown = await post({ container: first.container?.id, messages: [...history, { role: 'user', content: [result(paris.id), result(rome.id), result('toolu_ptc_elsewhere_0_0')] }] });
    expect(unknown.json.error?.message).toContain('tool_result "toolu_ptc_elsewhere_0_0" does not answer a call');
    const noContainer = await post({ messages: [...history, { role: 'user', content: [result(paris.id), result(rome.id)] }] });
    expect(noContainer.status).toBe(400);
    expect(noContainer.json.error?.message).toContain('no "container"');
    const otherContainer = await post({ container: 'container_gwUnknown', messages: [...history, { role: 'user', content: [result(paris.id), result(rome.id)] }] });
    expect(otherContainer).toMatchObject({ status: 400, json: { error: { type: 'invalid_request_error', message: expect.stringContaining('container "container_gwUnknown" is unknown or expired') } } });
    // None of these reached the model or ran code again.
    expect(bedrock.requests).toHaveLength(1);
    expect(sandbox.runs).toHaveLength(1);
  });

  it('a direct tool call beside the code: the client answers both, the model gets both results', async () => {
    const search = { name: 'search', description: 'Search the web', input_schema: { type: 'object', properties: { query: { type: 'string' } } } } as const;
    sandbox.script(() => printed('42\n'));
    target.play([{ tool: 'search', input: { query: 'x' } }, { code: 'print(42)' }], [{ text: 'Both done.' }]);
    const body = { model: target.model, max_tokens: 100, tools: [...(tools ?? []), search], messages: [{ role: 'user' as const, content: 'Go' }] };
    const first = await client.messages.create(body);
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content.map((block) => block.type)).toEqual(['tool_use', 'server_tool_use', 'code_execution_tool_result']);
    expect(first.content[0]).toMatchObject({ type: 'tool_use', name: 'search', caller: { type: 'direct' } });
    const direct = first.content[0] as ToolUseBlock;
    const second = await client.messages.create({ ...body, container: first.container?.id ?? '', messages: [...body.messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: direct.id, content: 'found' }] }] });
    expect(second.content).toEqual([{ type: 'text', text: 'Both done.' }]);
    const upstream = target.received()[1];
    expectPaired(upstream);
    expect(JSON.stringify(upstream)).toContain('found');
    expect(JSON.stringify(upstream)).toContain('42');
  });

  it('toward Anthropic the request is not touched: the code_execution tool goes as sent', async () => {
    const body = { model: 'claude-haiku-4-5', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Go' }] };
    const text = JSON.stringify(body);
    const response = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-client', 'anthropic-beta': 'advanced-tool-use-2025-11-20' }, body: text });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(anthropic.last().body.toString('utf8')).toBe(text);
    expect(anthropic.last().headers['anthropic-beta']).toBe('advanced-tool-use-2025-11-20');
    expect(sandbox.runs).toHaveLength(0);
  });

  it('the code_execution_20260120 version: calls carry it as their caller type', async () => {
    sandbox.script(() => calls(['get_weather', { city: 'Paris' }]));
    target.play([{ code: 'x' }]);
    const versioned = [{ type: 'code_execution_20260120', name: 'code_execution' }, { ...(tools?.[1] as object), allowed_callers: ['code_execution_20260120'] }];
    const message = await client.messages.create({ model: target.model, max_tokens: 100, tools: versioned as MessageCreateParamsNonStreaming['tools'], messages: [{ role: 'user', content: 'Go' }] });
    expect(blocksOf(message, 'tool_use')[0]?.caller).toEqual({ type: 'code_execution_20260120', tool_id: blocksOf(message, 'server_tool_use')[0]?.id });
  });

  it('streaming: the container is in message_start, blocks are numbered in order, one message_delta', async () => {
    sandbox.script(() => calls(['get_weather', { city: 'Paris' }], ['get_weather', { city: 'Rome' }]));
    target.play([{ text: 'Checking.' }, { code: 'x' }]);
    const response = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-client' }, body: JSON.stringify({ model: target.model, max_tokens: 100, stream: true, tools, messages: [{ role: 'user', content: 'Go' }] }) });
    const events = decodeSse(Buffer.from(await response.arrayBuffer())).map((event) => JSON.parse(event.data) as { type: string; index?: number; message?: { container?: unknown }; content_block?: { type: string } });
    expect(events[0]).toMatchObject({ type: 'message_start', message: { container: { id: expect.stringMatching(/^container_/), expires_at: expect.any(String), skills: null } } });
    const starts = events.filter((event) => event.type === 'content_block_start');
    expect(starts.map((event) => [event.index, event.content_block?.type])).toEqual([[0, 'text'], [1, 'server_tool_use'], [2, 'tool_use'], [3, 'tool_use']]);
    expect(events.filter((event) => event.type === 'message_start' || event.type === 'message_delta' || event.type === 'message_stop').map((event) => event.type)).toEqual(['message_start', 'message_delta', 'message_stop']);
    expect(events.at(-2)).toMatchObject({ type: 'message_delta', delta: { stop_reason: 'tool_use' } });
  });

  it('count_tokens counts what the upstream would get: execute_code in place of the code execution tool', async () => {
    const response = await fetch(`${gateway.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-client', 'anthropic-beta': 'advanced-tool-use-2025-11-20' },
      body: JSON.stringify({ model: target.model, tools, messages: [{ role: 'user', content: 'Go' }] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ input_tokens: expect.any(Number) });
    const counted = bedrock.last();
    expect(counted.operation).toBe('count-tokens');
    const body = JSON.parse(Buffer.from((counted.json as { input: { invokeModel: { body: string } } }).input.invokeModel.body, 'base64').toString('utf8')) as { tools: { name: string }[] };
    expect(body.tools.map((tool) => tool.name)).toEqual(['execute_code']);
  });

  it('GET /health/ptc reports the sandbox pool and the container store', async () => {
    const response = await fetch(`${gateway.url}/health/ptc`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      sandbox: { warm: 1, busy: 0, size: 1, started: 1, recycled: 0 },
      containers: { store: 'sqlite', session_timeout_s: 270 },
      limits: { execution_timeout_s: 60, memory_limit_bytes: 256 * 1024 * 1024, max_rounds: 10 },
    });
  });
});
