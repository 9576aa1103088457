import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accumulate } from '../../anthropic/accumulate.ts';
import { decodeSse } from '../../anthropic/sse-decode.ts';
import type { MessageStreamEvent } from '../../anthropic/types.ts';
import { loadScenario } from '../../../test/fakes/anthropic.ts';
import { EventStreamDecoder } from './event-stream.ts';
import { InvokeStreamTranscoder } from './invoke-stream.ts';
import { toErrorEvent } from '../../anthropic/error-envelope.ts';
import { encodeSseEvent } from '../../anthropic/sse-encode.ts';
import { GatewayError } from '../../errors.ts';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function fixture(name: string): MessageStreamEvent[] {
  return loadScenario(name, 'claude-sonnet-5-5');
}

function encode(headers: MessageHeaders, payload: unknown): Uint8Array {
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

const string = (value: string) => ({ type: 'string' as const, value });

/** Bedrock's framing of Anthropic events: base64 JSON in `bytes`, random `p` padding, metrics on the last. */
function chunkFrame(event: object, padding: string): Uint8Array {
  return encode({ ':message-type': string('event'), ':event-type': string('chunk'), ':content-type': string('application/json') }, { bytes: Buffer.from(JSON.stringify(event)).toString('base64'), p: padding });
}

function exceptionFrame(name: string, payload: object): Uint8Array {
  return encode({ ':message-type': string('exception'), ':exception-type': string(name), ':content-type': string('application/json') }, payload);
}

function bedrockEvents(name: string): object[] {
  return fixture(name)
    .filter((event) => (event as { type: string }).type !== 'ping')
    .map((event) => (event.type === 'message_stop' ? { ...event, 'amazon-bedrock-invocationMetrics': { inputTokenCount: 58, outputTokenCount: 120, invocationLatency: 900, firstByteLatency: 200 } } : event));
}

/**
 * Runs framed bytes, cut at `cuts`, through decoder and transcoder; returns the SSE text, with a
 * thrown failure rendered as the relay does after the commit point (one `error` event).
 */
function transcode(bytes: Buffer, cuts: number[] = []): string {
  const decoder = new EventStreamDecoder();
  const transcoder = new InvokeStreamTranscoder();
  const out: string[] = [];
  let previous = 0;
  try {
    for (const point of [...[...new Set(cuts)].sort((a, b) => a - b), bytes.length]) {
      for (const frame of decoder.push(bytes.subarray(previous, point))) out.push(...transcoder.push(frame).map((event) => encodeSseEvent(event)));
      previous = point;
    }
    decoder.end();
    transcoder.end();
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    out.push(toErrorEvent(error, 'req_test'));
  }
  return out.join('');
}

describe('InvokeStreamTranscoder', () => {
  it.each(['text', 'tool-use', 'thinking'])('re-emits the %s scenario as Anthropic SSE at any chunk boundary, accumulating like the original', (scenario) => {
    const events = bedrockEvents(scenario);
    const bytes = Buffer.concat(events.map((event, index) => chunkFrame(event, 'x'.repeat(index % 7))));
    const expected = transcode(bytes);
    const decoded = decodeSse(expected);
    expect(decoded.map((event) => event.event)).toEqual(events.map((event) => (event as { type: string }).type));
    expect(decoded.map((event) => JSON.parse(event.data))).toEqual(events);
    expect(accumulate(decoded.map((event) => JSON.parse(event.data) as MessageStreamEvent))).toEqual(accumulate(fixture(scenario)));
    fc.assert(fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 12 }), (cuts) => transcode(bytes, cuts) === expected), { numRuns: 200 });
  });

  it('keeps the JSON text of each event unchanged', () => {
    const raw = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\u00e9 kept as \\\\u escape"},"future_field":[1,2.50]}';
    const frame = encode({ ':message-type': string('event'), ':event-type': string('chunk') }, { bytes: Buffer.from(raw).toString('base64'), p: 'pad' });
    const out = new InvokeStreamTranscoder().push(codec.decode(frame));
    expect(out).toEqual([JSON.parse(raw)]);
    expect(out.map((event) => encodeSseEvent(event))).toEqual([`event: content_block_delta\ndata: ${raw}\n\n`]);
  });

  it('turns a mid-stream exception into exactly one mapped error event and stops', () => {
    const events = bedrockEvents('text');
    const bytes = Buffer.concat([chunkFrame(events[0] as object, ''), chunkFrame(events[1] as object, ''), exceptionFrame('throttlingException', { message: 'Too many tokens, please wait.' }), chunkFrame(events[2] as object, '')]);
    const decoded = decodeSse(transcode(bytes));
    expect(decoded.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'error']);
    expect(JSON.parse(decoded[2]?.data ?? '{}')).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'Too many tokens, please wait.' }, request_id: 'req_test' });
  });

  it.each([
    ['modelStreamErrorException', { message: 'model failed', originalStatusCode: 500, originalMessage: 'x' }, 'api_error'],
    ['serviceUnavailableException', { message: 'busy' }, 'overloaded_error'],
    ['validationException', { message: 'bad input' }, 'invalid_request_error'],
  ])('maps a %s frame', (name, payload, type) => {
    const decoded = decodeSse(transcode(Buffer.from(exceptionFrame(name, payload))));
    expect(decoded).toHaveLength(1);
    expect(JSON.parse(decoded[0]?.data ?? '{}')).toMatchObject({ error: { type } });
  });

  it('maps an error frame from its headers', () => {
    const frame = codec.encode({ headers: { ':message-type': string('error'), ':error-code': string('InternalServerException'), ':error-message': string('boom') }, body: new Uint8Array() });
    const decoded = decodeSse(transcode(Buffer.from(frame)));
    expect(JSON.parse(decoded[0]?.data ?? '{}')).toMatchObject({ error: { type: 'api_error', message: 'boom' } });
  });

  it('ends a stream that stops before message_stop with one error event', () => {
    const events = bedrockEvents('text').slice(0, 3);
    const decoded = decodeSse(transcode(Buffer.concat(events.map((event) => chunkFrame(event, '')))));
    expect(decoded.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'error']);
  });

  it('turns an Anthropic error event inside the stream into a failure of the same type, and keeps the invocation metrics', () => {
    const events = bedrockEvents('text');
    const overloaded = chunkFrame({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, '');
    const decoded = decodeSse(transcode(Buffer.concat([chunkFrame(events[0] as object, ''), overloaded])));
    expect(JSON.parse(decoded[1]?.data ?? '{}')).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_test' });
    const transcoder = new InvokeStreamTranscoder();
    for (const frame of new EventStreamDecoder().push(Buffer.concat(events.map((event) => chunkFrame(event, ''))))) transcoder.push(frame);
    expect(transcoder.metrics).toEqual({ inputTokenCount: 58, outputTokenCount: 120, invocationLatency: 900, firstByteLatency: 200 });
  });

  it('skips frames that carry no Anthropic event', () => {
    const transcoder = new InvokeStreamTranscoder();
    const other = encode({ ':message-type': string('event'), ':event-type': string('somethingNew') }, { x: 1 });
    const untyped = encode({ ':message-type': string('event'), ':event-type': string('chunk') }, { bytes: Buffer.from('{"no":"type"}').toString('base64') });
    expect([...transcoder.push(codec.decode(other)), ...transcoder.push(codec.decode(untyped))]).toEqual([]);
    expect(transcoder.skipped).toBe(2);
  });
});
