import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSse, hasEventField, SseDecoder, type SseEvent } from './sse-decode.ts';
import { encodeSseEvent } from './sse-encode.ts';
import { firstEventName, SseEventFramer } from './sse-framer.ts';

const stream = [
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1"}}\n\n',
  ': a comment\n\n',
  'event: ping\ndata: {"type":"ping"}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"h\u00e9llo \u{1F600} \u4e16\u754c"}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
].join('');

const expected: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start","message":{"id":"msg_1"}}' },
  { event: 'ping', data: '{"type":"ping"}' },
  { event: 'content_block_delta', data: '{"type":"content_block_delta","delta":{"text":"h\u00e9llo \u{1F600} \u4e16\u754c"}}' },
  { event: 'message_stop', data: '{"type":"message_stop"}' },
];

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let previous = 0;
  for (const point of points) {
    parts.push(bytes.subarray(previous, point));
    previous = point;
  }
  parts.push(bytes.subarray(previous));
  return parts;
}

function decodeParts(parts: Buffer[]): SseEvent[] {
  const decoder = new SseDecoder();
  return [...parts.flatMap((part) => decoder.push(part)), ...decoder.end()];
}

describe('SseDecoder', () => {
  it.each([
    ['LF', (text: string) => text],
    ['CRLF', (text: string) => text.replace(/\n/g, '\r\n')],
    ['CR', (text: string) => text.replace(/\n/g, '\r')],
  ])('decodes %s line endings whole, byte by byte and at random splits', (_name, convert) => {
    const bytes = Buffer.from(convert(stream), 'utf8');
    expect(decodeSse(bytes)).toEqual(expected);
    expect(decodeParts([...bytes].map((byte) => Buffer.from([byte])))).toEqual(expected);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        expect(decodeParts(splitAt(bytes, cuts))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('joins multi-line data, strips one leading space, ignores unknown fields and drops a trailing partial event', () => {
    const events = decodeSse('event:a\ndata:x\ndata:  y\nid: 7\nretry: 5\n\ndata: only data\n\nevent: lost\ndata: {"partial"');
    expect(events).toEqual([
      { event: 'a', data: 'x\n y' },
      { event: undefined, data: 'only data' },
    ]);
  });

  it('does not dispatch an event with no data lines', () => {
    expect(decodeSse('event: nothing\n\nevent: something\ndata:\n\n')).toEqual([{ event: 'something', data: '' }]);
  });
});

describe('encodeSseEvent', () => {
  it('writes event and data lines with the type as the name', () => {
    expect(encodeSseEvent({ type: 'ping' })).toBe('event: ping\ndata: {"type":"ping"}\n\n');
    expect(decodeSse(encodeSseEvent({ type: 'x', text: 'line\nbreak' } as { type: string }))).toEqual([{ event: 'x', data: '{"type":"x","text":"line\\nbreak"}' }]);
  });
});

describe('SseEventFramer', () => {
  function frame(parts: Buffer[]): { released: Buffer[]; framer: SseEventFramer } {
    const framer = new SseEventFramer(1024 * 1024);
    const released: Buffer[] = [];
    for (const part of parts) {
      const complete = framer.push(part);
      if (complete !== undefined) released.push(complete);
    }
    return { released, framer };
  }

  it.each([['LF', '\n'], ['CRLF', '\r\n'], ['CR', '\r']])('releases only whole events at any split (%s)', (_name, newline) => {
    const bytes = Buffer.from(stream.replace(/\n/g, newline), 'utf8');
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        const { released, framer } = frame(splitAt(bytes, cuts));
        for (const part of released) expect(part.subarray(-2).toString()).toMatch(/^(\n\n|\r\n|\r\r)$/);
        expect(Buffer.concat(released).equals(bytes)).toBe(true);
        expect(framer.pendingBytes).toBe(0);
        expect(framer.lastEventName()).toBe('message_stop');
      }),
      { numRuns: 300 },
    );
  });

  it('holds a partial event back and passes whole chunks through without copying', () => {
    const framer = new SseEventFramer(1024);
    const whole = Buffer.from('event: ping\ndata: {}\n\n');
    expect(framer.push(whole)).toBe(whole);
    expect(framer.push(Buffer.from('event: message_delta\ndata: {"ty'))).toBeUndefined();
    expect(framer.pendingBytes).toBe(31);
    expect(framer.lastEventName()).toBe('ping');
    expect(framer.push(Buffer.from('pe":"x"}\n\nevent: a\n'))?.toString()).toBe('event: message_delta\ndata: {"type":"x"}\n\n');
    expect(framer.lastEventName()).toBe('message_delta');
  });

  it('refuses an event larger than its limit', () => {
    const framer = new SseEventFramer(16);
    expect(() => framer.push(Buffer.from('data: '.padEnd(40, 'x')))).toThrow(RangeError);
  });

  it('names the first event of a released block', () => {
    expect(firstEventName(Buffer.from('event: error\ndata: {}\n\nevent: ping\ndata: {}\n\n'))).toBe('error');
    expect(firstEventName(Buffer.from(': comment\r\nevent: message_start\r\ndata: {}\r\n\r\n'))).toBe('message_start');
    expect(firstEventName(Buffer.from('data: {}\n\n'))).toBeUndefined();
  });
});

describe('hasEventField', () => {
  it('finds an event field line, not the same words inside a data line', () => {
    const stop = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    const decoy = 'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"say event: message_stop now"}}\n\n';
    expect(hasEventField(stop, 'message_stop')).toBe(true);
    expect(hasEventField(Buffer.from(decoy + stop), 'message_stop')).toBe(true);
    expect(hasEventField(decoy, 'message_stop')).toBe(false);
    expect(hasEventField(Buffer.from(decoy), 'message_stop')).toBe(false);
    expect(hasEventField('event: message_stop_extra\n\n', 'message_stop')).toBe(false);
    expect(hasEventField('event: message_stop\r\ndata: {}\r\n\r\n', 'message_stop')).toBe(true);
    expect(hasEventField('data: {}\n\nevent: message_stop', 'message_stop')).toBe(true);
  });
});
