import { describe, expect, it } from 'vitest';
import type { GatewayError } from '../../errors.ts';
import { chunkFrame, eventFrame } from '../../../test/fakes/event-stream.ts';
import { ConverseStreamToAnthropic } from './converse/stream.ts';
import { InvokeStreamTranscoder } from './invoke-stream.ts';
import fc from 'fast-check';
import type { AnthropicStreamEvent } from '../../anthropic/types.ts';
import { eventStreamToEvents, type FrameTranslator } from './stream.ts';

const invokeFrames = [
  { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } },
  { type: 'message_stop' },
].map((event) => chunkFrame(event));

const converseFrames = [
  eventFrame('messageStart', { role: 'assistant' }),
  eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'hi' } }),
  eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
  eventFrame('messageStop', { stopReason: 'end_turn' }),
  eventFrame('metadata', { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, metrics: { latencyMs: 1 } }),
];

const translators: [string, Buffer[], () => FrameTranslator][] = [
  ['InvokeModel', invokeFrames, () => new InvokeStreamTranscoder()],
  ['Converse', converseFrames, () => new ConverseStreamToAnthropic({ id: 'msg_bdrk_1', model: 'qwen' })],
];

async function names(body: AsyncIterable<Uint8Array>, translator: FrameTranslator): Promise<string[]> {
  const seen: string[] = [];
  try {
    for await (const event of eventStreamToEvents(body, translator)) seen.push(event.type);
  } catch (error) {
    seen.push(`thrown ${(error as GatewayError).code}`);
  }
  return seen;
}

/** The events (or the failure's code) of `bytes` read in pieces cut at `cuts`. */
async function eventsOf(bytes: Buffer, cuts: readonly number[], translator: FrameTranslator): Promise<(AnthropicStreamEvent | string)[]> {
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  async function* body() {
    let previous = 0;
    for (const point of [...points, bytes.length]) {
      yield bytes.subarray(previous, point);
      previous = point;
    }
  }
  const seen: (AnthropicStreamEvent | string)[] = [];
  try {
    for await (const event of eventStreamToEvents(body(), translator)) seen.push(event);
  } catch (error) {
    seen.push(`thrown ${(error as GatewayError).code}`);
  }
  return seen;
}

describe('eventStreamToEvents', () => {
  it.each(translators)('%s: the same typed events whole, one byte at a time and cut at random offsets', async (_name, frames, translator) => {
    const bytes = Buffer.concat(frames);
    const whole = await eventsOf(bytes, [], translator());
    expect(whole.map((event) => (typeof event === 'string' ? event : event.type))).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(await eventsOf(bytes, Array.from({ length: bytes.length }, (_, index) => index), translator())).toEqual(whole);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: bytes.length }), { maxLength: 12 }), async (cuts) => {
        expect(await eventsOf(bytes, cuts, translator())).toEqual(whole);
      }),
      { numRuns: 100 },
    );
  });

  it.each(translators)('%s: a stream cut inside a frame is broken whatever the chunking, after the whole frames', async (_name, frames, translator) => {
    const bytes = Buffer.concat(frames).subarray(0, (frames[0] as Buffer).length + (frames[1] as Buffer).length + 5);
    const whole = await eventsOf(bytes, [], translator());
    expect(whole.at(-1)).toMatch(/^thrown GW_UPSTREAM_(PROTOCOL|STREAM_BROKEN)$/);
    expect(await eventsOf(bytes, Array.from({ length: bytes.length }, (_, index) => index), translator())).toEqual(whole);
  });

  it.each(translators)('%s: a reset or trailing bytes after the complete message are not a failure', async (_name, frames, translator) => {
    async function* resetAfter() {
      yield Buffer.concat(frames);
      throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    }
    async function* garbageAfter() {
      for (const frame of frames) yield frame;
      yield Buffer.from([0, 0, 0, 40, 0, 0]);
    }
    expect((await names(resetAfter(), translator())).at(-1)).toBe('message_stop');
    expect((await names(garbageAfter(), translator())).at(-1)).toBe('message_stop');
  });

  it.each(translators)('%s: a reset before the end is a broken stream, after the events already translated', async (_name, frames, translator) => {
    async function* cut() {
      yield Buffer.concat(frames.slice(0, 2));
      throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    }
    const seen = await names(cut(), translator());
    expect(seen.at(-1)).toBe('thrown GW_UPSTREAM_STREAM_BROKEN');
    expect(seen[0]).toBe('message_start');
  });

  it.each(translators)('%s: a corrupted frame is a protocol error', async (_name, frames, translator) => {
    const corrupted = Buffer.from(frames[1] as Buffer);
    corrupted.writeUInt8(corrupted.readUInt8(corrupted.length - 1) ^ 0xff, corrupted.length - 1);
    async function* body() {
      yield Buffer.concat([frames[0] as Buffer, corrupted]);
    }
    expect((await names(body(), translator())).at(-1)).toBe('thrown GW_UPSTREAM_PROTOCOL');
  });
});
