import type { ServerResponse } from 'node:http';
import { toErrorEvent } from '../anthropic/error-envelope.ts';
import { SseEventFramer } from '../anthropic/sse-framer.ts';
import { GatewayError } from '../errors.ts';
import { toClientHeaders } from '../providers/anthropic/headers.ts';
import { fromTransportError, type RawUpstreamResponse } from '../upstream/http.ts';

/**
 * Relays a raw upstream response to the client byte for byte.
 *
 * The first byte to the client is the commit point. For an SSE response nothing is written until
 * the first complete upstream event has arrived, so a failure before it is still an ordinary HTTP
 * error (and, with routing, a fallback). After it, a failure becomes exactly one Anthropic
 * `event: error` and the end of the stream; nothing is spliced in. Writes honour backpressure, so
 * a slow reader pauses the upstream instead of growing a buffer.
 */

export type RelayEnd =
  /** The upstream response was relayed whole. */
  | 'complete'
  /** The client went away; the upstream request was aborted. */
  | 'client_abort'
  /** The upstream failed after the commit point; the client got one error event (SSE) or a cut connection. */
  | 'upstream_error'
  /** The gateway ended the stream itself (shutdown deadline). */
  | 'terminated';

export interface RelayOutcome {
  readonly status: number;
  readonly end: RelayEnd;
  readonly sse: boolean;
  /** Monotonic ms when the first byte was written to the client, if any. */
  readonly firstByteAt: number | undefined;
  readonly error?: GatewayError;
}

export interface RelayOptions {
  readonly upstream: RawUpstreamResponse;
  readonly response: ServerResponse;
  /** The gateway's request id: added as `request-id` when the upstream sent none. */
  readonly requestId: string;
  readonly provider: string;
  readonly maxEventBytes: number;
  readonly now: () => number;
  /** Aborted when the client disconnects (and by shutdown): stops reading the upstream. */
  readonly signal: AbortSignal;
  /** Set by the shutdown path to end a stream with this error. */
  readonly termination?: () => GatewayError | undefined;
}

/** Thrown when an SSE upstream fails before anything was written: the caller may still fall back. */
export class PreCommitFailure extends Error {
  readonly error: GatewayError;

  constructor(error: GatewayError) {
    super(error.message);
    this.error = error;
  }
}

function isEventStream(headers: RawUpstreamResponse['headers']): boolean {
  const type = headers['content-type'];
  return typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream');
}

function isCompressed(headers: RawUpstreamResponse['headers']): boolean {
  const encoding = headers['content-encoding'];
  return typeof encoding === 'string' && encoding.trim() !== '' && encoding.trim().toLowerCase() !== 'identity';
}

function clientHeaders(options: RelayOptions, sse: boolean): Record<string, string | string[]> {
  const headers = toClientHeaders(options.upstream.headers, { dropContentLength: sse });
  if (headers['request-id'] === undefined) headers['request-id'] = options.requestId;
  headers['x-gateway-request-id'] = options.requestId;
  return headers;
}

/** Writes and waits for `drain` when the socket buffer is full. False if the client is gone. */
async function write(response: ServerResponse, chunk: Buffer | string, signal: AbortSignal): Promise<boolean> {
  if (response.destroyed || signal.aborted) return false;
  if (response.write(chunk)) return true;
  return new Promise<boolean>((resolve) => {
    const done = (drained: boolean) => {
      response.off('drain', onDrain);
      response.off('close', onClose);
      signal.removeEventListener('abort', onClose);
      resolve(drained);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    response.on('drain', onDrain);
    response.on('close', onClose);
    signal.addEventListener('abort', onClose);
  });
}

export async function relay(options: RelayOptions): Promise<RelayOutcome> {
  const { upstream } = options;
  const ok = upstream.status >= 200 && upstream.status < 300;
  if (ok && isEventStream(upstream.headers) && !isCompressed(upstream.headers)) return relayEvents(options);
  return relayBytes(options);
}

/** Any non-SSE body (JSON, errors): headers at once, then bytes as they come. */
async function relayBytes(options: RelayOptions): Promise<RelayOutcome> {
  const { upstream, response } = options;
  const sse = isEventStream(upstream.headers);
  response.writeHead(upstream.status, clientHeaders(options, false));
  const firstByteAt = options.now();
  try {
    for await (const chunk of upstream.body) {
      if (!(await write(response, chunk as Buffer, options.signal))) return abandon(options, upstream.status, sse, firstByteAt);
    }
  } catch (error) {
    if (options.signal.aborted) return abandon(options, upstream.status, sse, firstByteAt);
    // Headers are out and the body is not SSE: the only honest signal left is a cut connection.
    response.destroy();
    return { status: upstream.status, end: 'upstream_error', sse, firstByteAt, error: fromTransportError(error, options.provider) };
  }
  response.end();
  return { status: upstream.status, end: 'complete', sse, firstByteAt };
}

function abandon(options: RelayOptions, status: number, sse: boolean, firstByteAt: number | undefined): RelayOutcome {
  options.upstream.body.destroy();
  const terminated = options.termination?.();
  return { status, end: terminated === undefined ? 'client_abort' : 'terminated', sse, firstByteAt };
}

function brokenStream(options: RelayOptions, error: unknown): GatewayError {
  if (error instanceof RangeError) {
    return new GatewayError('GW_UPSTREAM_PROTOCOL', `${options.provider} sent an SSE event larger than ${options.maxEventBytes} bytes.`, { provider: options.provider });
  }
  const mapped = fromTransportError(error, options.provider);
  if (mapped.code === 'GW_UPSTREAM_CONNECT') {
    return new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `The ${options.provider} stream broke: ${mapped.message}`, { provider: options.provider, cause: error });
  }
  return mapped;
}

async function relayEvents(options: RelayOptions): Promise<RelayOutcome> {
  const { upstream, response } = options;
  const framer = new SseEventFramer(options.maxEventBytes);
  let firstByteAt: number | undefined;
  try {
    for await (const chunk of upstream.body) {
      const complete = framer.push(chunk as Buffer);
      if (complete === undefined) continue;
      if (firstByteAt === undefined) {
        response.writeHead(upstream.status, clientHeaders(options, true));
        firstByteAt = options.now();
      }
      if (!(await write(response, complete, options.signal))) return stopEvents(options, firstByteAt);
    }
  } catch (error) {
    if (options.signal.aborted) return stopEvents(options, firstByteAt);
    const failure = brokenStream(options, error);
    upstream.body.destroy();
    if (firstByteAt === undefined) throw new PreCommitFailure(failure);
    return endWithError(options, firstByteAt, failure, 'upstream_error');
  }
  if (firstByteAt === undefined) {
    throw new PreCommitFailure(new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `${options.provider} ended the stream before its first event.`, { provider: options.provider }));
  }
  const last = framer.lastEventName();
  if (last !== 'message_stop' && last !== 'error') {
    const truncated = new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `${options.provider} ended the stream before message_stop.`, { provider: options.provider });
    return endWithError(options, firstByteAt, truncated, 'upstream_error');
  }
  response.end();
  return { status: upstream.status, end: 'complete', sse: true, firstByteAt };
}

/** The stream stopped from our side: the client left, or shutdown ends it with an error event. */
function stopEvents(options: RelayOptions, firstByteAt: number | undefined): RelayOutcome {
  options.upstream.body.destroy();
  const terminated = options.termination?.();
  if (terminated !== undefined && firstByteAt !== undefined && !options.response.destroyed) {
    return endWithError(options, firstByteAt, terminated, 'terminated');
  }
  return { status: options.upstream.status, end: terminated === undefined ? 'client_abort' : 'terminated', sse: true, firstByteAt };
}

function endWithError(options: RelayOptions, firstByteAt: number, error: GatewayError, end: RelayEnd): RelayOutcome {
  options.response.end(toErrorEvent(error, options.requestId));
  return { status: options.upstream.status, end, sse: true, firstByteAt, error };
}

