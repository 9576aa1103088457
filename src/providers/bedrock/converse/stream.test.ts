import { describe, expect, it } from 'vitest';
import type { MessageStreamEvent } from '../../../anthropic/types.ts';
import { errorFrame, eventFrame, eventStreamCodec, exceptionFrame, encodeFrame } from '../../../../test/fakes/event-stream.ts';
import type { EventStreamMessage } from '../event-stream.ts';
import { ConverseStreamToAnthropic } from './stream.ts';
import { EventUsageMeter } from '../../../usage/usage.ts';

const context = { model: 'claude-sonnet-5-5', id: 'msg_bdrk_01' };

const event = (type: string, payload: object): EventStreamMessage => eventStreamCodec.decode(eventFrame(type, payload));
const start = event('messageStart', { role: 'assistant' });
const text = (index: number, value: string) => event('contentBlockDelta', { contentBlockIndex: index, delta: { text: value } });
const stop = (index: number) => event('contentBlockStop', { contentBlockIndex: index });
const messageStop = (stopReason: string, extra: object = {}) => event('messageStop', { stopReason, ...extra });
const metadata = (extra: object = {}) => event('metadata', { usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 }, metrics: { latencyMs: 9 }, ...extra });

const messageStart = {
  type: 'message_start',
  message: { id: 'msg_bdrk_01', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } },
};
const usage = { input_tokens: 5, output_tokens: 7, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

function run(frames: EventStreamMessage[], machine = new ConverseStreamToAnthropic(context)): MessageStreamEvent[] {
  return [...frames.flatMap((frame) => machine.push(frame)), ...machine.end()];
}

describe('ConverseStreamToAnthropic', () => {
  it('opens text and reasoning blocks on their first delta and closes an open block before the next', () => {
    const frames = [
      start,
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Hmm.' } } }),
      text(1, 'Hi'),
      stop(1),
      messageStop('end_turn'),
      metadata(),
    ];
    expect(run(frames)).toEqual([
      messageStart,
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage },
      { type: 'message_stop' },
    ]);
  });

  it('announces the local input estimate in message_start and the real input in message_delta (D22)', () => {
    const machine = new ConverseStreamToAnthropic(context, { inputTokensEstimate: 42 });
    const events = run([start, text(0, 'Hi'), stop(0), messageStop('end_turn'), metadata()], machine);
    expect(events[0]).toEqual({ ...messageStart, message: { ...messageStart.message, usage: { input_tokens: 42, output_tokens: 0 } } });
    expect(events.at(-2)).toEqual({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage });
    // What accounting reads from the stream: the real count replaces the estimate.
    const meter = new EventUsageMeter();
    for (const item of events) meter.push(item);
    expect(meter.usage).toEqual({ input: 5, output: 7, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 });
  });

  it('announces the estimate also when Bedrock skips messageStart', () => {
    const events = run([text(0, 'Hi'), messageStop('end_turn'), metadata()], new ConverseStreamToAnthropic(context, { inputTokensEstimate: 7 }));
    expect(events[0]).toMatchObject({ type: 'message_start', message: { usage: { input_tokens: 7, output_tokens: 0 } } });
  });

  it('emits each event as soon as the frame that completes it arrives', () => {
    const machine = new ConverseStreamToAnthropic(context);
    const toolStart = event('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather' } } });
    const toolDelta = event('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":"Paris"}' } } });
    expect([start, toolStart, toolDelta, stop(0)].map((frame) => machine.push(frame))).toEqual([
      [messageStart],
      [{ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'tooluse_1', name: 'get_weather', input: {} } }],
      [{ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":"Paris"}' } }],
      [{ type: 'content_block_stop', index: 0 }],
    ]);
  });

  it('emits redacted reasoning as one whole block and ignores its contentBlockStop', () => {
    const frames = [start, event('contentBlockDelta', { contentBlockIndex: 3, delta: { reasoningContent: { redactedContent: 'EmwK' } } }), stop(3), text(4, 'x'), messageStop('end_turn'), metadata()];
    expect(run(frames).slice(1, 6)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'redacted_thinking', data: 'EmwK' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'x' } },
      { type: 'content_block_stop', index: 1 },
    ]);
  });

  it('turns a citation delta into citations_delta on the text block', () => {
    const citation = { title: 'Doc', sourceContent: [{ text: 'green' }], location: { documentChar: { documentIndex: 0, start: 10, end: 15 } } };
    const events = run([start, text(0, 'Green.'), event('contentBlockDelta', { contentBlockIndex: 0, delta: { citation } }), stop(0), messageStop('end_turn'), metadata()]);
    expect(events[3]).toEqual({
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'citations_delta', citation: { type: 'char_location', cited_text: 'green', document_index: 0, document_title: 'Doc', start_char_index: 10, end_char_index: 15, file_id: null } },
    });
  });

  it('holds messageStop until metadata, and reports what it learnt', () => {
    const machine = new ConverseStreamToAnthropic(context);
    expect(machine.push(start)).toEqual([messageStart]);
    expect(machine.push(messageStop('malformed_model_output'))).toEqual([]);
    expect(machine.push(metadata({ serviceTier: { type: 'flex' } }))).toEqual([{ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage }, { type: 'message_stop' }]);
    expect(machine.end()).toEqual([]);
    expect({ stopReason: machine.stopReason, malformed: machine.malformedStopReason, serviceTier: machine.serviceTier, usage: machine.usage, usageMissing: machine.usageMissing }).toEqual({
      stopReason: 'malformed_model_output',
      malformed: true,
      serviceTier: 'flex',
      usage,
      usageMissing: false,
    });
  });

  it('finishes at messageStop when metadata came first', () => {
    expect(run([start, metadata(), messageStop('max_tokens')]).slice(1)).toEqual([{ type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage }, { type: 'message_stop' }]);
  });

  it('finishes the message at the end when metadata never came, and records that usage is missing', () => {
    const machine = new ConverseStreamToAnthropic(context);
    expect(run([start, text(0, 'x'), messageStop('stop_sequence', { additionalModelResponseFields: { stop_sequence: 'END' } })], machine).slice(-2)).toEqual([
      { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: 'END' }, usage: { output_tokens: 0 } },
      { type: 'message_stop' },
    ]);
    expect(machine.usageMissing).toBe(true);
  });

  it('throws a broken-stream error when the stream ends before messageStop', () => {
    const machine = new ConverseStreamToAnthropic(context);
    machine.push(start);
    machine.push(text(0, 'x'));
    expect(() => machine.end()).toThrow(expect.objectContaining({ code: 'GW_UPSTREAM_STREAM_BROKEN', message: 'Bedrock ended the Converse stream before messageStop.' }));
    expect(machine.end()).toEqual([]);
  });

  it.each([
    [exceptionFrame('throttlingException', { message: 'Too many tokens.' }), { code: 'GW_UPSTREAM_RATE_LIMITED', message: 'Too many tokens.' }],
    [exceptionFrame('modelStreamErrorException', { message: 'failed', originalStatusCode: 500, originalMessage: 'bad' }), { code: 'GW_UPSTREAM_ERROR', message: 'failed' }],
    [exceptionFrame('serviceUnavailableException', { message: 'busy' }), { code: 'GW_UPSTREAM_OVERLOADED', message: 'busy' }],
    [errorFrame('InternalServerException', 'boom'), { code: 'GW_UPSTREAM_ERROR', message: 'boom' }],
  ])('throws the mapped error for an exception or error frame (%#), then stays silent', (bytes, error) => {
    const machine = new ConverseStreamToAnthropic(context);
    machine.push(start);
    expect(() => machine.push(eventStreamCodec.decode(bytes))).toThrow(expect.objectContaining({ ...error, provider: 'bedrock' }));
    expect([...machine.push(text(0, 'late')), ...machine.end()]).toEqual([]);
  });

  it('skips and counts unknown events, deltas and block starts', () => {
    const machine = new ConverseStreamToAnthropic(context);
    const frames = [
      start,
      event('somethingNew2031', { x: 1 }),
      event('contentBlockStart', { contentBlockIndex: 0, start: { image: { format: 'png' } } }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { image: { source: {} } } }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { citation: { location: { web: { url: 'https://example.com' } } } } }),
      eventStreamCodec.decode(encodeFrame({ ':message-type': { type: 'string', value: 'notice' } }, {})),
    ];
    expect(frames.flatMap((frame) => machine.push(frame))).toEqual([messageStart]);
    expect(machine.skipped).toBe(5);
  });

  it('emits message_start first even when Bedrock skips messageStart', () => {
    expect(new ConverseStreamToAnthropic(context).push(text(0, 'x')).slice(0, 2)).toEqual([messageStart, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }]);
  });

  it.each([
    ['a toolUse delta without its block start', event('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{}' } } }), 'Bedrock Converse sent a toolUse delta for a block that was not started.'],
    ['a payload that is not JSON', eventStreamCodec.decode(encodeFrame({ ':message-type': { type: 'string', value: 'event' }, ':event-type': { type: 'string', value: 'contentBlockDelta' } }, 'not json')), 'Bedrock Converse sent a contentBlockDelta event whose payload is not a JSON object.'],
    ['a delta without an index', event('contentBlockDelta', { delta: { text: 'x' } }), 'Bedrock Converse sent a contentBlockDelta without a contentBlockIndex.'],
    ['a messageStop without a reason', event('messageStop', {}), 'Bedrock Converse sent a messageStop without a stopReason.'],
    ['a toolUse start without a name', event('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 't' } } }), 'Bedrock Converse sent a contentBlockStart toolUse without toolUseId or name.'],
  ])('throws a protocol error for %s', (_name, frame, message) => {
    const machine = new ConverseStreamToAnthropic(context);
    machine.push(start);
    expect(() => machine.push(frame)).toThrow(expect.objectContaining({ code: 'GW_UPSTREAM_PROTOCOL', message }));
  });
});
