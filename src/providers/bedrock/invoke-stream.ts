import { toErrorEvent } from '../../anthropic/error-envelope.ts';
import { GatewayError } from '../../errors.ts';
import { headerString, type EventStreamMessage } from './event-stream.ts';
import { fromBedrockError } from './errors.ts';

/**
 * InvokeModelWithResponseStream (Claude, native body) -> Anthropic SSE, as a synchronous state
 * machine: `push(frame)` returns SSE text for the client, `end()` closes the stream. Each `chunk`
 * frame carries one Anthropic event JSON in base64 `bytes` (the `p` padding is ignored); it is
 * re-emitted with its `event:` line, its JSON text unchanged when it is one line. Exception and
 * error frames become exactly one Anthropic `error` event, after which nothing more is emitted;
 * a stream that ends without `message_stop` gets one too.
 */
export class InvokeStreamTranscoder {
  private finished = false;
  private readonly requestId: string | null;
  /** Frames skipped because they carried no Anthropic event (counted for metrics). */
  skipped = 0;

  constructor(requestId: string | null) {
    this.requestId = requestId;
  }

  push(frame: EventStreamMessage): string[] {
    if (this.finished) return [];
    const messageType = headerString(frame, ':message-type');
    if (messageType === 'exception') {
      const payload = parsePayload(frame.body);
      const name = headerString(frame, ':exception-type') ?? 'InternalServerException';
      const status = typeof payload.originalStatusCode === 'number' ? payload.originalStatusCode : undefined;
      return this.fail(fromBedrockError(name, stringField(payload, 'message') ?? stringField(payload, 'Message') ?? '', status));
    }
    if (messageType === 'error') {
      const code = headerString(frame, ':error-code') ?? 'InternalServerException';
      return this.fail(fromBedrockError(code, headerString(frame, ':error-message') ?? ''));
    }
    if (headerString(frame, ':event-type') !== 'chunk') {
      this.skipped++;
      return [];
    }
    return this.chunk(frame.body);
  }

  end(): string[] {
    if (this.finished) return [];
    return this.fail(new GatewayError('GW_UPSTREAM_STREAM_BROKEN', 'Bedrock ended the stream before message_stop.', { provider: 'bedrock' }));
  }

  private chunk(body: Uint8Array): string[] {
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
      return this.fail(new GatewayError('GW_UPSTREAM_PROTOCOL', 'Bedrock sent a stream chunk that is not JSON.', { provider: 'bedrock' }));
    }
    const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !/^[a-z_]+$/.test(type)) {
      this.skipped++;
      return [];
    }
    if (type === 'message_stop' || type === 'error') this.finished = true;
    const data = /[\r\n]/.test(text) ? JSON.stringify(event) : text;
    return [`event: ${type}\ndata: ${data}\n\n`];
  }

  private fail(error: GatewayError): string[] {
    this.finished = true;
    return [toErrorEvent(error, this.requestId)];
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
