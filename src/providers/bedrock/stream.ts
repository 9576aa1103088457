import type { AnthropicStreamEvent } from '../../anthropic/types.ts';
import { GatewayError, isGatewayError } from '../../errors.ts';
import { fromStreamTransportError, isAbortError } from '../../upstream/http.ts';
import { EventStreamDecoder, EventStreamFormatError, type EventStreamMessage } from './event-stream.ts';

/**
 * Bedrock's binary event stream -> typed Anthropic stream events, as an async generator: bytes
 * are split into frames whatever their chunk boundaries, and each frame goes through a translator
 * (the native transcoder or the Converse state machine). Pulling is driven by the consumer, so a
 * slow client slows the reads. Every failure is thrown as a GatewayError, after the events
 * translated before it; an abort is rethrown as it is. Encoding to SSE happens at the edge.
 */

/** A synchronous frame -> events state machine (InvokeStreamTranscoder, ConverseStreamToAnthropic). */
export interface FrameTranslator {
  push(frame: EventStreamMessage): readonly AnthropicStreamEvent[];
  end(): readonly AnthropicStreamEvent[];
  /** The message is complete: the rest of the upstream body is not read (a reset after it is no failure). */
  readonly done: boolean;
}

export async function* eventStreamToEvents(body: AsyncIterable<Uint8Array>, translator: FrameTranslator): AsyncGenerator<AnthropicStreamEvent, void, undefined> {
  const decoder = new EventStreamDecoder();
  try {
    for await (const chunk of body) {
      const out: AnthropicStreamEvent[] = [];
      try {
        for (const frame of decoder.push(chunk)) out.push(...translator.push(frame));
      } catch (error) {
        // Events translated before the failure in the same chunk still go out first, so the
        // commit point is the first event whatever the chunk boundaries.
        yield* out;
        throw error;
      }
      yield* out;
      // Complete: whatever follows (trailing bytes, a reset) must not add an error after message_stop.
      if (translator.done) return;
    }
    decoder.end();
  } catch (error) {
    throw toStreamError(error);
  }
  yield* translator.end();
}

function toStreamError(error: unknown): unknown {
  if (isGatewayError(error) || isAbortError(error)) return error;
  if (error instanceof EventStreamFormatError) return new GatewayError('GW_UPSTREAM_PROTOCOL', `Bedrock sent a malformed event stream: ${error.message}`, { provider: 'bedrock', cause: error });
  return fromStreamTransportError(error, 'bedrock', 'Bedrock');
}
