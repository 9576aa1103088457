import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CompressedUsageMeter } from './compressed-usage.ts';

const limits = { maxJsonBytes: 1_000_000, maxDecodedBytes: 10_000_000, maxEventBytes: 1_000_000 };

const message = JSON.stringify({ type: 'message', content: [{ type: 'text', text: 'hi' }], usage: { input_tokens: 7, output_tokens: 3, cache_read_input_tokens: 11 } });
const events = [
  'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":7,"output_tokens":1}}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
].join('');

const compress: Record<string, (input: Buffer) => Buffer> = {
  gzip: (input) => zlib.gzipSync(input),
  deflate: (input) => zlib.deflateSync(input),
  br: (input) => zlib.brotliCompressSync(input),
};

function pieces(bytes: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) parts.push(bytes.subarray(offset, offset + size));
  return parts;
}

describe('CompressedUsageMeter', () => {
  for (const encoding of Object.keys(compress)) {
    for (const size of [1, 7, 1_000_000]) {
      it(`reads the usage of a ${encoding} JSON answer and stream fed in pieces of ${size} bytes`, async () => {
        const json = CompressedUsageMeter.create(encoding, 'json', limits);
        const sse = CompressedUsageMeter.create(encoding, 'sse', limits);
        for (const part of pieces((compress[encoding] as (input: Buffer) => Buffer)(Buffer.from(message)), size)) json?.add(part);
        for (const part of pieces((compress[encoding] as (input: Buffer) => Buffer)(Buffer.from(events)), size)) sse?.add(part);
        expect(await json?.finish()).toEqual({ input: 7, output: 3, cacheRead: 11, cacheWrite5m: 0, cacheWrite1h: 0 });
        expect(await sse?.finish()).toEqual({ input: 7, output: 3, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 });
      });
    }
  }

  it('undoes several codings in reverse order', async () => {
    const meter = CompressedUsageMeter.create('gzip, br', 'json', limits);
    meter?.add(zlib.brotliCompressSync(zlib.gzipSync(Buffer.from(message))));
    expect((await meter?.finish())?.input).toBe(7);
  });

  it('has no meter for an encoding it cannot decode', () => {
    expect(CompressedUsageMeter.create('compress', 'json', limits)).toBeUndefined();
    expect(CompressedUsageMeter.create('identity', 'json', limits)).toBeUndefined();
  });

  it('gives up (usage unknown) on corrupt data or past its bound, without throwing', async () => {
    const corrupt = CompressedUsageMeter.create('gzip', 'json', limits);
    corrupt?.add(Buffer.from('not gzip at all'));
    expect(await corrupt?.finish()).toBeUndefined();
    const bomb = CompressedUsageMeter.create('gzip', 'json', { ...limits, maxJsonBytes: 1_000 });
    bomb?.add(zlib.gzipSync(Buffer.alloc(1_000_000, 0x20)));
    expect(await bomb?.finish()).toBeUndefined();
  });

  it('keeps what a stream showed when it was cut short', async () => {
    const meter = CompressedUsageMeter.create('gzip', 'sse', limits);
    const gzip = zlib.createGzip();
    const chunks: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
    gzip.write(events.slice(0, events.indexOf('event: content_block_delta')));
    await new Promise<void>((resolve) => gzip.flush(() => resolve()));
    for (const chunk of chunks) meter?.add(chunk);
    // The gzip stream never ends properly: decoding fails at its end, what was read stays.
    expect(await meter?.finish()).toMatchObject({ input: 7, output: 1 });
  });
});
