import { CompressedUsageMeter } from './compressed-usage.ts';
import { usageFromMessage, type TokenUsage } from '../usage/usage.ts';

/**
 * Where the relay reads an answer's usage from (accounting): a bounded copy of a plain JSON
 * body, or a decoded copy of a compressed one (the bytes to the client stay as they came).
 */

/** Bytes of a JSON answer copied for its usage (a message is a few KB; past this, it is unread). */
const MAX_USAGE_COPY_BYTES = 4 * 1024 * 1024;
/** Decoded bytes of a compressed stream read for its usage (a long answer is a few MB of SSE). */
const MAX_DECODED_STREAM_BYTES = 256 * 1024 * 1024;

/** A meter reading the usage of an answer compressed with `encoding` from a decoded copy; undefined for an encoding it cannot decode. */
export function compressedMeter(encoding: string, sse: boolean, maxEventBytes: number): CompressedUsageMeter | undefined {
  return CompressedUsageMeter.create(encoding, sse ? 'sse' : 'json', { maxJsonBytes: MAX_USAGE_COPY_BYTES, maxDecodedBytes: MAX_DECODED_STREAM_BYTES, maxEventBytes });
}

/** Keeps the first `limit` bytes passing through; past it, nothing (the usage is then unknown). */
export class BoundedCopy {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private overflow = false;
  private readonly limit: number;

  constructor(limit = MAX_USAGE_COPY_BYTES) {
    this.limit = limit;
  }

  add(chunk: Buffer): void {
    if (this.overflow) return;
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.overflow = true;
      this.chunks.length = 0;
      return;
    }
    this.chunks.push(chunk);
  }

  text(): string | undefined {
    return this.overflow ? undefined : Buffer.concat(this.chunks).toString('utf8');
  }
}

/** The usage of a JSON answer's text, when it has one. */
export function usageOfJson(text: string | undefined): TokenUsage | undefined {
  if (text === undefined) return undefined;
  try {
    return usageFromMessage(JSON.parse(text));
  } catch {
    return undefined;
  }
}
