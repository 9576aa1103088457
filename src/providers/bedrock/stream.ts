import { encodeSseEvent } from '../../anthropic/sse-encode.ts';
import type { MessageStreamEvent } from '../../anthropic/types.ts';
import { GatewayError, isGatewayError } from '../../errors.ts';
import { fromTransportError, isAbortError } from '../../upstream/http.ts';
import { EventStreamDecoder, EventStreamFormatError, type EventStreamMessage } from './event-stream.ts';

/**
 * Bedrock's binary event stream -> Anthropic SSE text, as an async generator: bytes are split
 * into frames whatever their chunk boundaries, each frame goes through a translator (the native
 * transcoder or the Converse state machine), and the SSE produced by one upstream chunk is
 * yielded as one string. Pulling is driven by the consumer, so a slow client slows the reads.
 * Every failure is thrown as a GatewayError; an abort is rethrown as it is.
 */

export interface FrameTranslator {
  push(frame: EventStreamMessage): string;
  end(): string;
  /** The message is complete: the rest of the upstream body is not read (a reset after it is no failure). */
  readonly done: boolean;
}

export async function* eventStreamToSse(body: AsyncIterable<Uint8Array>, translator: FrameTranslator): AsyncGenerator<string, void, undefined> {
  const decoder = new EventStreamDecoder();
  try {
    for await (const chunk of body) {
      let out = '';
      try {
        for (const frame of decoder.push(chunk)) out += translator.push(frame);
      } catch (error) {
        // Events translated before the failure in the same chunk still go out first, so the
        // commit point is the first event whatever the chunk boundaries.
        if (out !== '') yield out;
        throw error;
      }
      if (out !== '') yield out;
      // Complete: whatever follows (trailing bytes, a reset) must not add an error after message_stop.
      if (translator.done) return;
    }
    decoder.end();
  } catch (error) {
    throw toStreamError(error);
  }
  const tail = translator.end();
  if (tail !== '') yield tail;
}

function toStreamError(error: unknown): unknown {
  if (isGatewayError(error) || isAbortError(error)) return error;
  if (error instanceof EventStreamFormatError) return new GatewayError('GW_UPSTREAM_PROTOCOL', `Bedrock sent a malformed event stream: ${error.message}`, { provider: 'bedrock', cause: error });
  const mapped = fromTransportError(error, 'bedrock');
  if (mapped.code === 'GW_UPSTREAM_CONNECT') return new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `The Bedrock stream broke: ${mapped.message}`, { provider: 'bedrock', cause: error });
  return mapped;
}

/** Adapts a translator that returns SSE strings (InvokeStreamTranscoder). */
export function sseTranslator(translator: { push(frame: EventStreamMessage): string[]; end(): void; readonly done: boolean }): FrameTranslator {
  return {
    push: (frame) => translator.push(frame).join(''),
    end: () => {
      translator.end();
      return '';
    },
    get done() {
      return translator.done;
    },
  };
}

/** Adapts a translator that returns Anthropic events (the Converse state machine). */
export function eventTranslator(translator: { push(frame: EventStreamMessage): MessageStreamEvent[]; end(): MessageStreamEvent[]; readonly done: boolean }): FrameTranslator {
  const encode = (events: MessageStreamEvent[]) => events.map((event) => encodeSseEvent(event)).join('');
  return {
    push: (frame) => encode(translator.push(frame)),
    end: () => encode(translator.end()),
    get done() {
      return translator.done;
    },
  };
}
