/**
 * Splits a relayed SSE byte stream at event boundaries without decoding it. Complete events are
 * released as they arrive (usually the whole chunk, zero-copy); a trailing partial event is held
 * until its blank line arrives. So whatever has been written to the client always ends on an
 * event boundary, and a failure can append one clean `error` event instead of corrupting a half
 * written one.
 */

const LF_LF = Buffer.from('\n\n');
const CRLF_CRLF = Buffer.from('\r\n\r\n');
const CR_CR = Buffer.from('\r\r');

const CR = 0x0d;
const LF = 0x0a;

/** Index just past the last blank line in `buffer` that ends before `limit`, or -1. */
function endOfLastEvent(buffer: Buffer, limit = buffer.length): number {
  const from = limit - 1;
  const lf = buffer.lastIndexOf(LF_LF, from - 1);
  // Anthropic frames with LF only: look for CR framings only when the chunk has a CR at all.
  if (buffer.indexOf(CR) === -1) return lf === -1 ? -1 : lf + 2;
  const crlf = buffer.lastIndexOf(CRLF_CRLF, from - 3);
  const cr = buffer.lastIndexOf(CR_CR, from - 1);
  return Math.max(lf === -1 ? -1 : lf + 2, crlf === -1 ? -1 : crlf + 4, cr === -1 ? -1 : cr + 2);
}

export class SseEventFramer {
  private pending: Buffer | undefined;
  private lastReleased: Buffer | undefined;
  private readonly maxPendingBytes: number;

  constructor(maxPendingBytes: number) {
    this.maxPendingBytes = maxPendingBytes;
  }

  /** Returns the bytes that complete one or more events, or undefined if none completed yet. */
  push(chunk: Buffer): Buffer | undefined {
    const buffer = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    const end = endOfLastEvent(buffer);
    if (end === -1) {
      if (buffer.length > this.maxPendingBytes) throw new RangeError(`an SSE event exceeded ${this.maxPendingBytes} bytes`);
      this.pending = buffer;
      return undefined;
    }
    this.pending = end === buffer.length ? undefined : buffer.subarray(end);
    const complete = end === buffer.length ? buffer : buffer.subarray(0, end);
    this.lastReleased = complete;
    return complete;
  }

  /** Bytes of an incomplete trailing event, which a conforming SSE parser would discard at EOF. */
  get pendingBytes(): number {
    return this.pending === undefined ? 0 : this.pending.length;
  }

  /** The `event:` name of the last complete event released, if it had one. */
  lastEventName(): string | undefined {
    const released = this.lastReleased;
    if (released === undefined) return undefined;
    let end = released.length;
    while (end > 0 && (released[end - 1] === LF || released[end - 1] === CR)) end--;
    // Only the last event is decoded: it starts after the blank line before it, if any.
    const start = Math.max(0, endOfLastEvent(released, end));
    return eventNameOf(released.toString('utf8', start, end).replace(/\r\n?/g, '\n'));
  }
}

/** The `event:` field of one event's text (lines separated by \n). */
export function eventNameOf(eventText: string): string | undefined {
  for (const line of eventText.split('\n')) {
    if (line.startsWith('event:')) return line.slice(6).trimStart();
  }
  return undefined;
}

/** The name of the first complete event in `complete` (bytes released by the framer). */
export function firstEventName(complete: Buffer): string | undefined {
  const text = complete.toString('utf8', 0, Math.min(complete.length, 4096)).replace(/\r\n?/g, '\n');
  const end = text.indexOf('\n\n');
  return eventNameOf(end === -1 ? text : text.slice(0, end));
}
