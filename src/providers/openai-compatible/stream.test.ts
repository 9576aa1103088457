import { describe, expect, it } from 'vitest';
import { accumulate } from '../../anthropic/accumulate.ts';
import type { MessageStreamEvent } from '../../anthropic/types.ts';
import { GatewayError } from '../../errors.ts';
import { completionOf, frameScenario, openAIScenarios, type ChunkItem } from '../../../test/fakes/openai-scenarios.ts';
import { fromOpenAIResponse } from './response.ts';
import { OpenAISseReader } from './sse.ts';
import { OpenAIStreamToAnthropic } from './stream.ts';

const context = { provider: 'fake', model: 'claude-sonnet-5-5', id: 'msg_oai_01' };
const messageStart = {
  type: 'message_start',
  message: { id: 'msg_oai_01', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } },
};
const textStart = (index: number) => ({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
const thinkingStart = (index: number) => ({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
const toolStart = (index: number, id: string, name: string) => ({ type: 'content_block_start', index, content_block: { type: 'tool_use', id, name, input: {} } });
const text = (index: number, value: string) => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: value } });
const thinking = (index: number, value: string) => ({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: value } });
const json = (index: number, value: string) => ({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: value } });
const stop = (index: number) => ({ type: 'content_block_stop', index });
const end = (stopReason: string, usage: object) => [{ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage }, { type: 'message_stop' }];
const usage = (input: number, output: number, cacheRead = 0, cacheWrite = 0) => ({ input_tokens: input, output_tokens: output, cache_read_input_tokens: cacheRead, cache_creation_input_tokens: cacheWrite });

function run(items: readonly ChunkItem[], machine = new OpenAIStreamToAnthropic(context)): MessageStreamEvent[] {
  const events: MessageStreamEvent[] = [];
  for (const item of items) if ('chunk' in item) events.push(...machine.push(item.chunk));
  return [...events, ...machine.end()];
}

/** Feeds framed bytes cut at `cuts` through the SSE reader and the machine, as the provider would. */
function runBytes(bytes: Buffer, cuts: readonly number[]): MessageStreamEvent[] {
  const reader = new OpenAISseReader('fake');
  const machine = new OpenAIStreamToAnthropic(context);
  const events: MessageStreamEvent[] = [];
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    for (const item of reader.push(bytes.subarray(from, to))) if (item.kind === 'chunk') events.push(...machine.push(item.chunk));
    from = to;
  }
  for (const item of reader.end()) if (item.kind === 'chunk') events.push(...machine.push(item.chunk));
  expect(reader.done).toBe(true);
  return [...events, ...machine.end()];
}

describe('OpenAIStreamToAnthropic', () => {
  it('text: role chunk, content, finish reason, then the usage chunk', () => {
    expect(run(openAIScenarios.text)).toEqual([messageStart, textStart(0), text(0, 'Hello'), text(0, ', world.'), stop(0), ...end('end_turn', usage(4, 4, 8))]);
  });

  it('tool call with fragmented arguments', () => {
    expect(run(openAIScenarios['tool-split'])).toEqual([
      messageStart,
      toolStart(0, 'call_abc', 'get_weather'),
      json(0, '{"ci'),
      json(0, 'ty":"Par'),
      json(0, 'is"}'),
      stop(0),
      ...end('tool_use', usage(30, 12)),
    ]);
  });

  it('whole arguments in one chunk after text; finish "stop" with tool calls is tool_use; the id sanitised', () => {
    expect(run(openAIScenarios['tool-whole'])).toEqual([
      messageStart,
      textStart(0),
      text(0, 'Checking.'),
      stop(0),
      toolStart(1, 'oai_functions_2eget_5fweather_3a0', 'get_weather'),
      json(1, '{"city":"Rome"}'),
      stop(1),
      ...end('tool_use', usage(30, 12)),
    ]);
  });

  it('interleaved parallel calls: the second waits until the first is whole, then streams', () => {
    expect(run(openAIScenarios['parallel-interleaved'])).toEqual([
      messageStart,
      toolStart(0, 'call_1', 'get_weather'),
      json(0, '{"city":'),
      json(0, '"Paris"}'),
      stop(0),
      toolStart(1, 'call_2', 'get_time'),
      json(1, '{"zone":'),
      json(1, '"CET"}'),
      stop(1),
      ...end('tool_use', usage(40, 20)),
    ]);
  });

  it('calls that never complete before the finish are sent whole at the finish, in order', () => {
    const chunk = (toolCalls: object[], finish: string | null = null) => ({ chunk: { choices: [{ index: 0, delta: { tool_calls: toolCalls }, finish_reason: finish }] } });
    const items: ChunkItem[] = [
      chunk([{ index: 0, id: 'a', function: { name: 'one', arguments: '{"x":' } }, { index: 1, id: 'b', function: { name: 'two', arguments: '{"y":' } }]),
      chunk([{ index: 1, function: { arguments: '2}' } }]),
      chunk([{ index: 0, function: { arguments: '1' } }]),
      chunk([{ index: 0, function: { arguments: '}' } }], 'tool_calls'),
    ];
    expect(run(items).slice(1, -2)).toEqual([toolStart(0, 'a', 'one'), json(0, '{"x":'), json(0, '1'), json(0, '}'), stop(0), toolStart(1, 'b', 'two'), json(1, '{"y":2}'), stop(1)]);
  });

  it('a new id on the same index is a new call (Ollama numbers every call 0)', () => {
    const items: ChunkItem[] = [
      { chunk: { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'a', arguments: '{}' } }] }, finish_reason: null }] } },
      { chunk: { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c2', function: { name: 'b', arguments: '{}' } }] }, finish_reason: 'tool_calls' }] } },
    ];
    expect(run(items).slice(1, -2)).toEqual([toolStart(0, 'c1', 'a'), json(0, '{}'), stop(0), toolStart(1, 'c2', 'b'), json(1, '{}'), stop(1)]);
  });

  it('Groq: reasoning, and x_groq.usage on the finish chunk ends the message there', () => {
    const machine = new OpenAIStreamToAnthropic(context);
    const items = openAIScenarios.groq;
    const events = items.flatMap((item) => ('chunk' in item ? machine.push(item.chunk) : []));
    expect(machine.done).toBe(true);
    expect(events).toEqual([messageStart, thinkingStart(0), thinking(0, 'Simple greeting.'), stop(0), textStart(1), text(1, 'Hi!'), stop(1), ...end('end_turn', usage(9, 6))]);
  });

  it('OpenRouter: reasoning once (not again from reasoning_details), cache writes', () => {
    expect(run(openAIScenarios.openrouter)).toEqual([messageStart, thinkingStart(0), thinking(0, 'Think'), thinking(0, 'ing.'), stop(0), textStart(1), text(1, 'Answer.'), stop(1), ...end('end_turn', usage(15, 10, 0, 5))]);
  });

  it('DeepSeek: reasoning_content, usage on the finish chunk, prompt_cache_hit_tokens', () => {
    expect(run(openAIScenarios.deepseek)).toEqual([messageStart, thinkingStart(0), thinking(0, 'Let me see.'), stop(0), textStart(1), text(1, '42'), stop(1), ...end('end_turn', usage(4, 8, 60))]);
  });

  it('a missing usage is estimated at the end, and marked', () => {
    const machine = new OpenAIStreamToAnthropic({ ...context, inputTokensEstimate: 11 });
    const events = run(openAIScenarios['missing-usage'], machine);
    expect(events.slice(-2)).toEqual(end('max_tokens', usage(11, 4)));
    expect(machine.usageEstimated).toBe(true);
    expect((events[0] as { message: { usage: object } }).message.usage).toEqual({ input_tokens: 11, output_tokens: 0 });
  });

  it('usage sent with every chunk counts from the finish chunk on; the end takes the last one seen', () => {
    const chunk = (content: string, finish: string | null, completion: number) => ({ chunk: { choices: [{ index: 0, delta: { content }, finish_reason: finish }], usage: { prompt_tokens: 5, completion_tokens: completion } } });
    const early = new OpenAIStreamToAnthropic(context);
    const events = [...early.push(chunk('a', null, 1).chunk), ...early.push({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })];
    expect(early.done).toBe(false);
    expect([...events, ...early.push({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } })].slice(-2)).toEqual(end('end_turn', usage(5, 2)));
    const late = new OpenAIStreamToAnthropic(context);
    late.push(chunk('a', null, 1).chunk);
    late.push({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    expect([late.end().at(-2), late.usageEstimated]).toEqual([end('end_turn', usage(5, 1))[0], false]);
  });

  it('a mid-stream error chunk is thrown as a classified GatewayError, once', () => {
    const machine = new OpenAIStreamToAnthropic(context);
    const [role, content, failure] = openAIScenarios['mid-stream-error'];
    expect([...machine.push((role as { chunk: object }).chunk), ...machine.push((content as { chunk: object }).chunk)]).toEqual([messageStart, textStart(0), text(0, 'Partial')]);
    let thrown: unknown;
    try {
      machine.push((failure as { chunk: object }).chunk);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect([(thrown as GatewayError).code, (thrown as GatewayError).message]).toEqual(['GW_UPSTREAM_ERROR', 'Upstream provider failed']);
    expect([machine.done, machine.end()]).toEqual([true, []]);
  });

  it('an end before any finish reason is a broken stream', () => {
    const machine = new OpenAIStreamToAnthropic(context);
    machine.push({ choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] });
    expect(() => machine.end()).toThrow(expect.objectContaining({ code: 'GW_UPSTREAM_STREAM_BROKEN' }));
  });

  it('arguments for a call whose block ended are a protocol error', () => {
    const machine = new OpenAIStreamToAnthropic(context);
    machine.push({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'a', function: { name: 't', arguments: '{"a":' } }] }, finish_reason: null }] });
    machine.push({ choices: [{ index: 0, delta: { content: 'text' }, finish_reason: null }] });
    expect(() => machine.push({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '1}' } }] }, finish_reason: null }] })).toThrow(
      expect.objectContaining({ code: 'GW_UPSTREAM_PROTOCOL' }),
    );
  });
});

const streamed = Object.entries(openAIScenarios).filter(([name]) => name !== 'mid-stream-error');

describe('chunk boundaries', () => {
  it.each(streamed)('%s: the same events whole, split at every byte, and one byte at a time', (_name, items) => {
    const bytes = Buffer.from(frameScenario(items), 'utf8');
    const whole = runBytes(bytes, []);
    expect(whole).toEqual(run(items));
    for (let cut = 1; cut < bytes.length; cut++) expect(runBytes(bytes, [cut])).toEqual(whole);
    expect(runBytes(bytes, Array.from({ length: bytes.length - 1 }, (_, index) => index + 1))).toEqual(whole);
  });

  it('CRLF framing and a multi-byte character split across chunks', () => {
    const items: ChunkItem[] = [{ chunk: { choices: [{ index: 0, delta: { content: 'héllo ✓' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 2 } } }];
    const bytes = Buffer.from(frameScenario(items).replaceAll('\n', '\r\n'), 'utf8');
    const whole = runBytes(bytes, []);
    expect(whole[2]).toEqual(text(0, 'héllo ✓'));
    for (let cut = 1; cut < bytes.length; cut++) expect(runBytes(bytes, [cut])).toEqual(whole);
  });
});

describe('parity', () => {
  it.each(streamed)('%s: the accumulated stream equals the non-streaming conversion', (_name, items) => {
    expect(accumulate(run(items))).toEqual(fromOpenAIResponse(completionOf(items), context).message);
  });
});
