import { EventStreamCodec, type Message } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/**
 * Splits the binary AWS event stream (application/vnd.amazon.eventstream) into whole frames and
 * decodes each with the AWS SDK's codec, which checks both CRCs. A synchronous state machine:
 * `push(chunk)` returns the frames completed by that chunk, whatever its boundaries; `end()`
 * reports a truncated trailing frame.
 *
 * Frame layout: [total length u32][headers length u32][prelude CRC u32][headers][payload][CRC u32].
 */

export type { Message as EventStreamMessage };

export class EventStreamFormatError extends Error {}

const PRELUDE_BYTES = 12;
const MINIMUM_FRAME_BYTES = 16;

export class EventStreamDecoder {
  private readonly codec = new EventStreamCodec(toUtf8, fromUtf8);
  private pending: Buffer = Buffer.alloc(0);
  private readonly maxFrameBytes: number;

  constructor(maxFrameBytes = 16 * 1024 * 1024) {
    this.maxFrameBytes = maxFrameBytes;
  }

  push(chunk: Uint8Array): Message[] {
    let buffer = this.pending.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.pending, chunk]);
    const messages: Message[] = [];
    while (buffer.length >= PRELUDE_BYTES) {
      const total = buffer.readUInt32BE(0);
      if (total < MINIMUM_FRAME_BYTES || total > this.maxFrameBytes) throw new EventStreamFormatError(`invalid event-stream frame length ${total}`);
      if (buffer.length < total) break;
      try {
        messages.push(this.codec.decode(buffer.subarray(0, total)));
      } catch (error) {
        throw new EventStreamFormatError(`invalid event-stream frame: ${(error as Error).message}`);
      }
      buffer = buffer.subarray(total);
    }
    this.pending = buffer.length === 0 ? Buffer.alloc(0) : Buffer.from(buffer);
    return messages;
  }

  /** Throws if the stream ended inside a frame. */
  end(): void {
    if (this.pending.length > 0) throw new EventStreamFormatError(`the event stream ended inside a frame (${this.pending.length} bytes left)`);
  }
}

/** A string header's value, or undefined. */
export function headerString(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === 'string' ? header.value : undefined;
}
