import { describe, expect, it } from 'vitest';
import { accumulate } from '../anthropic/accumulate.ts';
import type { AnthropicStreamEvent, Message, MessageStreamEvent } from '../anthropic/types.ts';
import { GatewayError } from '../errors.ts';
import type { Provider, ProviderCall } from '../providers/provider.ts';
import { RequestBody } from '../request/request-body.ts';
import { MemoryContainerStore } from '../store/memory/containers.ts';
import { calls, printed, ScriptedSandbox } from '../../test/fakes/ptc.ts';
import { Containers } from './container.ts';
import { withProgrammaticToolCalling, type PtcDependencies } from './provider.ts';

/** The wrapper with a scripted upstream model and a scripted sandbox: every round, no sockets, no Python. */

type Turn = { code: string } | { text: string } | { tool: string; input: Record<string, unknown> };

function modelEvents(turns: readonly Turn[], usage = { input_tokens: 10, output_tokens: 5 }): AnthropicStreamEvent[] {
  const events: object[] = [{ type: 'message_start', message: { id: 'msg_up', type: 'message', role: 'assistant', model: 'up', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } }];
  let tools = false;
  turns.forEach((turn, index) => {
    if ('text' in turn) {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }, { type: 'content_block_delta', index, delta: { type: 'text_delta', text: turn.text } });
    } else {
      tools = true;
      const [name, input] = 'code' in turn ? ['execute_code', { code: turn.code }] : [turn.tool, turn.input];
      events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: `toolu_up${index}`, name, input: {} } }, { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(input) } });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({ type: 'message_delta', delta: { stop_reason: tools ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }, { type: 'message_stop' });
  return events as AnthropicStreamEvent[];
}

function scriptedModel(rounds: Turn[][]): Provider & { bodies: Record<string, unknown>[] } {
  const bodies: Record<string, unknown>[] = [];
  return {
    name: 'bedrock',
    anthropicWire: false,
    bodies,
    async call(call: ProviderCall) {
      const { object } = await call.body.json();
      bodies.push(object);
      const turns = rounds[bodies.length - 1];
      if (turns === undefined) throw new Error('no more rounds scripted');
      const events = modelEvents(turns);
      return { kind: 'events', events: (async function* () { yield* events; })(), info: { headers: {} } };
    },
    close: async () => undefined,
  };
}

const tools = [
  { type: 'code_execution_20250825', name: 'code_execution' },
  { name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, allowed_callers: ['code_execution_20250825'] },
];

function setup(rounds: Turn[][], sandbox: ScriptedSandbox) {
  let time = 1_000_000;
  let serial = 0;
  const store = new MemoryContainerStore();
  const deps: PtcDependencies = {
    sandbox,
    containers: new Containers(store, 270_000),
    limits: { timeoutMs: 1000, memoryBytes: 1 << 26, maxOutputBytes: 1 << 20 },
    sessionTimeoutMs: 270_000,
    maxRounds: 5,
    now: () => time,
    ids: { containerId: () => 'container_1', serverToolUseId: () => `srvtoolu_${++serial}` },
  };
  const model = scriptedModel(rounds);
  const provider = withProgrammaticToolCalling(model, deps);
  const callOf = (body: Record<string, unknown>): ProviderCall => {
    const raw = Buffer.from(JSON.stringify({ model: 'claude-x', max_tokens: 100, tools, ...body }));
    return {
      target: { provider: 'bedrock', model: 'up' },
      operation: 'messages',
      requestedModel: 'claude-x',
      body: new RequestBody(raw, undefined, raw.length),
      path: { path: '/v1/messages', search: '' },
      headers: { 'anthropic-beta': 'advanced-tool-use-2025-11-20' },
      stream: false,
      signal: new AbortController().signal,
      timeLeftMs: 10_000,
      requestId: 'req_1',
      messageId: 'msg_gw1',
    };
  };
  const send = async (body: Record<string, unknown>, call = callOf(body)): Promise<Message> => {
    const answer = await provider.call(call);
    if (answer.kind !== 'events') throw new Error(`unexpected ${answer.kind}`);
    const events: MessageStreamEvent[] = [];
    for await (const event of answer.events) events.push(event as MessageStreamEvent);
    return accumulate(events);
  };
  return { send, callOf, model, store, advance: (ms: number) => (time += ms) };
}

const container = { id: 'container_1', expires_at: new Date(1_000_000 + 270_000).toISOString(), skills: null };

describe('withProgrammaticToolCalling', () => {
  it('code that calls a tool pauses: server_tool_use, tool_use with its caller, stop_reason tool_use, the container', async () => {
    const sandbox = new ScriptedSandbox((request) => (request.batches.length === 0 ? calls(['get_weather', { city: 'Paris' }]) : printed('sunny\n')));
    const { send, model } = setup([[{ text: 'Let me look.' }, { code: 'print(await get_weather(city="Paris"))' }], [{ text: 'It is sunny.' }]], sandbox);
    const question = { role: 'user', content: 'Weather in Paris?' };
    const first = await send({ messages: [question] });
    expect(first).toEqual({
      id: 'msg_gw1',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'text', text: 'Let me look.' },
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'code_execution', input: { code: 'print(await get_weather(city="Paris"))' }, caller: { type: 'direct' } },
        { type: 'tool_use', id: 'toolu_ptc_1_0_0', name: 'get_weather', input: { city: 'Paris' }, caller: { type: 'code_execution_20250825', tool_id: 'srvtoolu_1' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      container,
    });
    expect(sandbox.runs[0]).toMatchObject({ code: 'print(await get_weather(city="Paris"))', tools: ['get_weather'], batches: [], toolParameters: { get_weather: ['city'] }, clockStartMs: 1_000_000 });
    const upstreamTools = model.bodies[0]?.tools as { name: string }[];
    expect(upstreamTools.map((tool) => tool.name)).toEqual(['execute_code']);

    const second = await send({ container: 'container_1', messages: [question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_ptc_1_0_0', content: 'sunny' }] }] });
    expect(second.content).toEqual([
      { type: 'code_execution_tool_result', tool_use_id: 'srvtoolu_1', content: { type: 'code_execution_result', stdout: 'sunny\n', stderr: '', return_code: 0, content: [] } },
      { type: 'text', text: 'It is sunny.' },
    ]);
    expect(second.stop_reason).toBe('end_turn');
    expect(sandbox.runs[1]?.batches).toEqual([{ calls: [{ index: 0, name: 'get_weather', input: { city: 'Paris' } }], results: [{ content: 'sunny', isError: false }] }]);
    expect(model.bodies[1]?.messages).toEqual([
      question,
      { role: 'assistant', content: [{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'srvtoolu_1', name: 'execute_code', input: { code: 'print(await get_weather(city="Paris"))' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'srvtoolu_1', content: 'sunny\n' }] },
    ]);
  });

  it('code that ends at once: its result goes back to the model in the same answer', async () => {
    const sandbox = new ScriptedSandbox(() => printed('4\n'));
    const { send, model } = setup([[{ code: 'print(2 + 2)' }], [{ text: 'Four.' }]], sandbox);
    const answer = await send({ messages: [{ role: 'user', content: '2 + 2?' }] });
    expect(answer.content.map((block) => block.type)).toEqual(['server_tool_use', 'code_execution_tool_result', 'text']);
    expect(answer.usage).toMatchObject({ input_tokens: 20, output_tokens: 10 });
    expect(model.bodies[1]?.messages).toEqual([
      { role: 'user', content: '2 + 2?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'srvtoolu_1', name: 'execute_code', input: { code: 'print(2 + 2)' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'srvtoolu_1', content: '4\n' }] },
    ]);
  });

  it('a round limit ends a model that keeps running code with pause_turn', async () => {
    const sandbox = new ScriptedSandbox(() => printed('again\n'));
    const { send } = setup(Array.from({ length: 6 }, () => [{ code: 'print("again")' }]), sandbox);
    const answer = await send({ messages: [{ role: 'user', content: 'loop' }] });
    expect(answer.stop_reason).toBe('pause_turn');
    expect(sandbox.runs).toHaveLength(5);
  });

  describe('answers that do not match the paused code are refused, naming the id', () => {
    const pausedSandbox = {} as { sandbox: ScriptedSandbox; first: Message };
    const paused = async () => {
      const sandbox = new ScriptedSandbox((request) => (request.batches.length === 0 ? calls(['get_weather', { city: 'Paris' }], ['get_weather', { city: 'Lyon' }]) : printed('ok')));
      const context = setup([[{ code: 'x' }], [{ text: 'done' }], [{ text: 'done' }]], sandbox);
      const first = await context.send({ messages: [{ role: 'user', content: 'go' }] });
      Object.assign(pausedSandbox, { sandbox, first });
      const history = [{ role: 'user', content: 'go' }, { role: 'assistant', content: first.content }];
      const answer = (ids: string[], extra: Record<string, unknown> = { container: 'container_1' }) =>
        context.send({ ...extra, messages: [...history, { role: 'user', content: ids.map((id) => ({ type: 'tool_result', tool_use_id: id, content: 'r' })) }] });
      return { ...context, answer };
    };

    it.each([
      ['a missing one', ['toolu_ptc_1_0_0'], 'no tool_result for tool_use_id "toolu_ptc_1_0_1" (get_weather)'],
      ['one sent twice', ['toolu_ptc_1_0_0', 'toolu_ptc_1_0_1', 'toolu_ptc_1_0_1'], 'tool_use_id "toolu_ptc_1_0_1" is answered twice'],
      ['an unknown one', ['toolu_ptc_1_0_0', 'toolu_ptc_1_0_1', 'toolu_ptc_1_0_2'], 'tool_result "toolu_ptc_1_0_2" does not answer a call'],
      ['one of another execution', ['toolu_ptc_9_0_0', 'toolu_ptc_1_0_1'], 'tool_result "toolu_ptc_9_0_0" does not answer a call'],
      ['one of a batch not reached', ['toolu_ptc_1_1_0'], 'tool_result "toolu_ptc_1_1_0" does not answer a call'],
    ])('%s', async (_name, ids, message) => {
      const { answer } = await paused();
      const error = await answer(ids).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: 'GW_PTC_TOOL_RESULTS', status: 400 });
      expect((error as Error).message).toContain(message);
    });

    it('without the container', async () => {
      const { answer } = await paused();
      await expect(answer(['toolu_ptc_1_0_0', 'toolu_ptc_1_0_1'], {})).rejects.toMatchObject({ code: 'GW_PTC_TOOL_RESULTS', message: expect.stringContaining('no "container"') });
    });

    it('an unknown container, and an expired one', async () => {
      const { answer, advance } = await paused();
      await expect(answer(['toolu_ptc_1_0_0', 'toolu_ptc_1_0_1'], { container: 'container_nope' })).rejects.toMatchObject({ code: 'GW_PTC_CONTAINER_UNKNOWN', message: expect.stringContaining('container "container_nope" is unknown or expired') });
      advance(270_000);
      await expect(answer(['toolu_ptc_1_0_0', 'toolu_ptc_1_0_1'])).rejects.toMatchObject({ code: 'GW_PTC_CONTAINER_UNKNOWN' });
    });

    it('a fallback to another target for the same request reuses the resumed run', async () => {
      const { callOf, send } = await paused();
      const { sandbox } = pausedSandbox;
      const call = callOf({ container: 'container_1', messages: [{ role: 'user', content: 'go' }, { role: 'assistant', content: pausedSandbox.first.content }, { role: 'user', content: ['toolu_ptc_1_0_0', 'toolu_ptc_1_0_1'].map((id) => ({ type: 'tool_result', tool_use_id: id, content: 'r' })) }] });
      const runs = sandbox.runs.length;
      const one = await send({}, call);
      const two = await send({}, call);
      expect(two.content).toEqual(one.content);
      expect(sandbox.runs.length - runs).toBe(1);
    });

    it('answered in full, and the same answer again (a client retry): both resume', async () => {
      const { answer } = await paused();
      const first = await answer(['toolu_ptc_1_0_1', 'toolu_ptc_1_0_0']);
      expect(first.content[0]).toMatchObject({ type: 'code_execution_tool_result', tool_use_id: 'srvtoolu_1' });
      const again = await answer(['toolu_ptc_1_0_0', 'toolu_ptc_1_0_1']);
      expect(again.content).toEqual(first.content);
    });
  });
});
