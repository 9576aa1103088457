import { withVerbatimData } from '../../anthropic/sse-encode.ts';
import type { AnthropicStreamEvent } from '../../anthropic/types.ts';
import { fromErrorEvent } from '../../anthropic/error-envelope.ts';
import { GatewayError } from '../../errors.ts';
import { headerString, type EventStreamMessage } from './event-stream.ts';
import { fromErrorFrame, fromExceptionFrame } from './errors.ts';

/**
 * InvokeModelWithResponseStream (Claude, native body) -> Anthropic stream events, as a synchronous
 * state machine: `push(frame)` returns the events for the client, `end()` closes the stream. Each
 * `chunk` frame carries one Anthropic event JSON in base64 `bytes` (the `p` padding is ignored); it
 * is passed on as a typed event that keeps its JSON text (withVerbatimData), so the SSE encoder
 * writes it unchanged when it is one line. Exception and
 * error frames, and a stream that ends without `message_stop`, throw a GatewayError: the relay
 * turns it into one Anthropic `error` event after the commit point (or an HTTP error before it).
 * The `message_stop` chunk's `amazon-bedrock-invocationMetrics` are passed on (clients ignore
 * unknown keys) and kept in `metrics` for accounting.
 */
export class InvokeStreamTranscoder {
  private finished = false;
  /** Frames skipped because they carried no Anthropic event (counted for metrics). */
  skipped = 0;
  /** The message is complete (message_stop passed on) or failed: nothing more will come. */
  get done(): boolean {
    return this.finished;
  }

  /** Bedrock's `amazon-bedrock-invocationMetrics` from the last chunk, when sent. */
  metrics: Record<string, unknown> | undefined;

  push(frame: EventStreamMessage): AnthropicStreamEvent[] {
    if (this.finished) return [];
    const messageType = headerString(frame, ':message-type');
    if (messageType === 'exception') throw this.fail(fromExceptionFrame(frame));
    if (messageType === 'error') throw this.fail(fromErrorFrame(frame));
    if (headerString(frame, ':event-type') !== 'chunk') {
      this.skipped++;
      return [];
    }
    return this.chunk(frame.body);
  }

  end(): AnthropicStreamEvent[] {
    if (this.finished) return [];
    throw this.fail(new GatewayError('GW_UPSTREAM_STREAM_BROKEN', 'Bedrock ended the stream before message_stop.', { provider: 'bedrock' }));
  }

  private chunk(body: Uint8Array): AnthropicStreamEvent[] {
    const bytes = stringField(parsePayload(body), 'bytes');
    if (bytes === undefined) {
      this.skipped++;
      return [];
    }
    const text = Buffer.from(bytes, 'base64').toString('utf8');
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      throw this.fail(new GatewayError('GW_UPSTREAM_PROTOCOL', 'Bedrock sent a stream chunk that is not JSON.', { provider: 'bedrock' }));
    }
    const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !/^[a-z_]+$/.test(type)) {
      this.skipped++;
      return [];
    }
    if (type === 'error') throw this.fail(fromErrorEvent(text, 'bedrock', { defaultMessage: 'Bedrock reported an error in the stream.' }));
    if (type === 'message_stop') {
      this.finished = true;
      const metrics = (event as Record<string, unknown>)['amazon-bedrock-invocationMetrics'];
      if (typeof metrics === 'object' && metrics !== null) this.metrics = metrics as Record<string, unknown>;
    }
    // An event of a type newer than the gateway's is passed on as it came (upstream unions are open).
    const typed = event as AnthropicStreamEvent;
    return [/[\r\n]/.test(text) ? typed : withVerbatimData(typed, text)];
  }

  private fail(error: GatewayError): GatewayError {
    this.finished = true;
    return error;
  }
}

function parsePayload(body: Uint8Array): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}
