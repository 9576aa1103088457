import { EventStreamCodec, type Message } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventStreamDecoder, EventStreamFormatError, headerString } from './event-stream.ts';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function frame(eventType: string, payload: unknown, messageType = 'event'): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: messageType },
      [messageType === 'exception' ? ':exception-type' : ':event-type']: { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

const frames = [
  frame('chunk', { bytes: Buffer.from('{"type":"message_start"}').toString('base64'), p: 'abcdefgh' }),
  frame('chunk', { bytes: Buffer.from('{"type":"content_block_delta","delta":{"text":"h\u00e9 \u4e16"}}').toString('base64'), p: 'ab' }),
  frame('throttlingException', { message: 'Too many requests' }, 'exception'),
];
const stream = Buffer.concat(frames);

function summary(messages: Message[]) {
  return messages.map((message) => ({ type: headerString(message, ':message-type'), event: headerString(message, ':event-type') ?? headerString(message, ':exception-type'), body: toUtf8(message.body) }));
}

const expected = summary(frames.map((bytes) => codec.decode(bytes)));

describe('EventStreamDecoder', () => {
  it('decodes whole, byte by byte and at random splits to the same frames', () => {
    const whole = new EventStreamDecoder();
    expect(summary(whole.push(stream))).toEqual(expected);
    const bytewise = new EventStreamDecoder();
    expect(summary([...stream].flatMap((byte) => bytewise.push(Uint8Array.of(byte))))).toEqual(expected);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 10 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const decoder = new EventStreamDecoder();
        const messages: Message[] = [];
        let previous = 0;
        for (const point of [...points, stream.length]) {
          messages.push(...decoder.push(stream.subarray(previous, point)));
          previous = point;
        }
        decoder.end();
        expect(summary(messages)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a corrupted frame (CRC) and an impossible length', () => {
    const corrupted = Buffer.from(frames[0] as Uint8Array);
    corrupted.writeUInt8((corrupted.readUInt8(corrupted.length - 8) ^ 0xff) & 0xff, corrupted.length - 8);
    expect(() => new EventStreamDecoder().push(corrupted)).toThrow(EventStreamFormatError);
    const absurd = Buffer.alloc(12);
    absurd.writeUInt32BE(3, 0);
    expect(() => new EventStreamDecoder().push(absurd)).toThrow(/frame length 3/);
  });

  it('reports a stream that ends inside a frame', () => {
    const decoder = new EventStreamDecoder();
    decoder.push(stream.subarray(0, 20));
    expect(() => decoder.end()).toThrow(/ended inside a frame/);
  });
});
