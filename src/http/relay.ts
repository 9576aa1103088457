import type { ServerResponse } from 'node:http';
import { SseEventFramer } from '../anthropic/sse-framer.ts';
import { hasEventField } from '../anthropic/sse-decode.ts';
import { earlyEvents, FirstEventError } from '../routing/early-events.ts';
import { GatewayError } from '../errors.ts';
import { isIdentityEncoding } from '../request/decode-body.ts';
import { toClientHeaders } from '../upstream/forwarded-headers.ts';
import { fromStreamTransportError, fromTransportError, type RawUpstreamResponse } from '../upstream/http.ts';
import { BoundedCopy, compressedMeter, usageOfJson } from './answer-usage.ts';
import { SseUsageMeter } from '../usage/usage.ts';
import { PreCommitFailure, withUsage, type AnswerEnd, type RelayEnd, type RelayOutcome } from './answer-outcome.ts';
import { safeHeaders } from './header-value.ts';
import { endWithError as endStreamWithError } from './stream-writer.ts';

export { PreCommitFailure, withUsage, type AnswerEnd, type RelayEnd, type RelayOutcome } from './answer-outcome.ts';

/**
 * Relays a raw upstream response to the client byte for byte: the passthrough half of the answer
 * writer (answer-writer.ts; typed events go through stream-writer.ts, which shares the ending).
 *
 * The first byte to the client is the commit point. For an SSE response nothing is written until
 * the first complete upstream event has arrived, so a failure before it is still an ordinary HTTP
 * error (and, with routing, a fallback). After it, a failure becomes exactly one Anthropic
 * `event: error` and the end of the stream; nothing is spliced in. Writes honour backpressure, so
 * a slow reader pauses the upstream instead of growing a buffer.
 */

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
  /** Headers the gateway adds to the answer (which target served, why). */
  readonly extraHeaders?: Readonly<Record<string, string>>;
  /**
   * Awaited before the last bytes of a complete answer go to the client (the chunk carrying
   * `message_stop`, or the last chunk of a body): accounting makes the request's usage record
   * durable there, so a client that got the whole answer always has its record (D1).
   */
  readonly beforeEnd?: (end: AnswerEnd) => Promise<void>;
}

function ignore(): void {
  // deliberately empty: see relay()
}

function isEventStream(headers: RawUpstreamResponse['headers']): boolean {
  const type = headers['content-type'];
  return typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream');
}

function isCompressed(headers: RawUpstreamResponse['headers']): boolean {
  const encoding = headers['content-encoding'];
  return typeof encoding === 'string' && !isIdentityEncoding(encoding);
}

function clientHeaders(options: RelayOptions, sse: boolean): Record<string, string | string[]> {
  const headers = toClientHeaders(options.upstream.headers, { dropContentLength: sse });
  if (headers['request-id'] === undefined) headers['request-id'] = options.requestId;
  headers['x-gateway-request-id'] = options.requestId;
  if (options.extraHeaders !== undefined) Object.assign(headers, options.extraHeaders);
  return safeHeaders(headers);
}

/** Subscribes `listener` and returns the matching unsubscribe. */
function listen<Args extends unknown[]>(emitter: NodeJS.EventEmitter, event: string, listener: (...args: Args) => void): () => void {
  const handler = listener as (...args: unknown[]) => void;
  emitter.on(event, handler);
  return () => emitter.off(event, handler);
}

/**
 * Moves upstream chunks to the client in flowing mode: each chunk is handed on the moment undici
 * pushes it, so bytes that arrived before an upstream failure are never dropped from a buffer.
 * When the client's socket is full, the upstream is paused until it drains. Resolves with
 * 'end' or 'stopped' (client gone or aborted); rejects with the upstream's error.
 */
function pump(
  body: RawUpstreamResponse['body'],
  response: ServerResponse,
  signal: AbortSignal,
  toClient: (chunk: Buffer) => Buffer | undefined,
): Promise<'end' | 'stopped'> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      let out: Buffer | undefined;
      try {
        out = toClient(chunk);
      } catch (error) {
        finish(error as Error);
        return;
      }
      if (out !== undefined && !response.write(out)) body.pause();
    };
    const onStop = () => finish('stopped');
    const subscriptions: (() => void)[] = [];
    let settled = false;
    function finish(result: 'end' | 'stopped' | Error): void {
      if (settled) return;
      settled = true;
      for (const unsubscribe of subscriptions) unsubscribe();
      signal.removeEventListener('abort', onStop);
      if (result instanceof Error) reject(result);
      else resolve(result);
    }
    if (response.destroyed || signal.aborted) {
      finish('stopped');
      return;
    }
    subscriptions.push(
      listen(body, 'data', onData),
      listen(body, 'end', () => finish('end')),
      listen(body, 'error', (error: Error) => finish(signal.aborted ? 'stopped' : error)),
      listen(response, 'drain', () => body.resume()),
      listen(response, 'close', onStop),
    );
    signal.addEventListener('abort', onStop);
    body.resume();
  });
}

export async function relay(options: RelayOptions): Promise<RelayOutcome> {
  const { upstream } = options;
  // An abort after the body ended (the client leaving while the usage record commits) makes
  // undici destroy the body with an error nobody listens for any more: that must not crash.
  upstream.body.on('error', ignore);
  const ok = upstream.status >= 200 && upstream.status < 300;
  if (ok && isEventStream(upstream.headers) && !isCompressed(upstream.headers)) return relaySse(options);
  return relayBytes(options);
}

/** Any non-SSE body (JSON, errors): headers at once, then bytes as they come. */
async function relayBytes(options: RelayOptions): Promise<RelayOutcome> {
  const { upstream, response } = options;
  const sse = isEventStream(upstream.headers);
  response.writeHead(upstream.status, clientHeaders(options, false));
  const firstByteAt = options.now();
  const ok = upstream.status >= 200 && upstream.status < 300;
  const encoded = isCompressed(upstream.headers);
  // A copy of a successful uncompressed JSON answer, for its usage (a Message is a few KB).
  const copy = ok && !sse && !encoded ? new BoundedCopy() : undefined;
  // An upstream that compressed although asked for identity is metered from a decoded copy.
  const compressed = ok && encoded ? compressedMeter(upstream.headers['content-encoding'] as string, sse, options.maxEventBytes) : undefined;
  // With accounting, each chunk goes out when the next arrives, so the last one can wait for
  // the usage record (a body is useless to the client until it is whole anyway).
  let last: Buffer | undefined;
  try {
    const result = await pump(upstream.body, response, options.signal, (chunk) => {
      copy?.add(chunk);
      compressed?.add(chunk);
      if (options.beforeEnd === undefined) return chunk;
      const previous = last;
      last = chunk;
      return previous;
    });
    // A byte relay never gets an event injected (its body may be compressed or not SSE at all).
    if (result === 'stopped') {
      const seen = compressed?.abort();
      return { ...stopped(options, false, firstByteAt), sse, ...(seen === undefined ? {} : { usage: seen }) };
    }
  } catch (error) {
    // Headers are out and the body is not SSE: the only honest signal left is a cut connection.
    const seen = compressed?.abort();
    upstream.body.destroy();
    response.destroy();
    return { status: upstream.status, end: 'upstream_error', sse, firstByteAt, error: fromTransportError(error, options.provider), ...(seen === undefined ? {} : { usage: seen }) };
  }
  const usage = copy !== undefined ? usageOfJson(copy.text()) : compressed !== undefined ? await compressed.finish() : undefined;
  if (options.beforeEnd !== undefined) {
    await options.beforeEnd({ status: upstream.status, firstByteAt, ...(usage === undefined ? {} : { usage }) });
    if (last !== undefined && !response.destroyed) response.write(last);
  }
  response.end();
  return { status: upstream.status, end: 'complete', sse, firstByteAt, ...(usage === undefined ? {} : { usage }) };
}

/** The relay stopped from our side: the client left, or shutdown ends it (with an error event if committed SSE). */
function stopped(options: RelayOptions, sse: boolean, firstByteAt: number | undefined): RelayOutcome {
  options.upstream.body.destroy();
  const terminated = options.termination?.();
  if (terminated !== undefined && !options.response.destroyed) {
    // Nothing written yet: the caller answers with the termination error (a 529).
    if (!options.response.headersSent) throw new PreCommitFailure(terminated);
    if (sse && firstByteAt !== undefined) return endWithError(options, firstByteAt, terminated, 'terminated');
    options.response.destroy();
  }
  return { status: options.upstream.status, end: terminated === undefined ? 'client_abort' : 'terminated', sse, firstByteAt };
}

function brokenStream(options: RelayOptions, error: unknown): GatewayError {
  if (error instanceof RangeError) {
    return new GatewayError('GW_UPSTREAM_PROTOCOL', `${options.provider} sent an SSE event larger than ${options.maxEventBytes} bytes.`, { provider: options.provider });
  }
  return fromStreamTransportError(error, options.provider);
}

async function relaySse(options: RelayOptions): Promise<RelayOutcome> {
  const { upstream, response } = options;
  const framer = new SseEventFramer(options.maxEventBytes);
  let firstByteAt: number | undefined;
  // Nothing is written until the first complete event: that write is the commit point. (Routing
  // has already held the events before the first content where another target could still
  // serve: routing/first-content.ts, which puts what it read back at the head of the body.)
  const meter = new SseUsageMeter();
  // With accounting, the events from `message_stop` on wait until the usage record is durable.
  let final: Buffer | undefined;
  // The type of an `error` event the upstream sent after the commit point (relayed as it is).
  let streamErrorType: string | undefined;
  const holdFinal = (out: Buffer): Buffer | undefined => {
    if (options.beforeEnd === undefined) return out;
    if (final !== undefined || hasEventField(out, 'message_stop')) {
      final = final === undefined ? out : Buffer.concat([final, out]);
      return undefined;
    }
    return out;
  };
  const toClient = (chunk: Buffer): Buffer | undefined => {
    const complete = framer.push(chunk);
    if (complete === undefined) return undefined;
    if (firstByteAt !== undefined) {
      meter.push(complete);
      if (hasEventField(complete, 'error')) streamErrorType = errorTypeOf(complete);
      return holdFinal(complete);
    }
    response.writeHead(upstream.status, clientHeaders(options, true));
    firstByteAt = options.now();
    meter.push(complete);
    return holdFinal(complete);
  };
  const endComplete = async (): Promise<RelayOutcome> => {
    // An upstream `error` event after the first byte, relayed as it came: the upstream failed.
    const outcome = withUsage({ status: upstream.status, end: streamErrorType === undefined ? 'complete' : 'upstream_error', sse: true, firstByteAt }, meter);
    if (options.beforeEnd !== undefined) {
      await options.beforeEnd({ status: outcome.status, firstByteAt, ...(outcome.usage === undefined ? {} : { usage: outcome.usage }), ...(streamErrorType === undefined ? {} : { errorType: streamErrorType }) });
      if (final !== undefined && !response.destroyed) response.write(final);
    }
    response.end();
    return outcome;
  };
  try {
    const result = await pump(upstream.body, response, options.signal, toClient);
    if (result === 'stopped') {
      // Shutdown ends the stream with an error event: what was held goes out before it.
      if (final !== undefined && options.termination?.() !== undefined && !response.destroyed) response.write(final);
      return withUsage(stopped(options, true, firstByteAt), meter);
    }
  } catch (error) {
    const failure = brokenStream(options, error);
    upstream.body.destroy();
    if (firstByteAt === undefined) throw new PreCommitFailure(failure);
    // The message was complete: a reset after message_stop loses nothing and is no error.
    if (framer.lastEventName() === 'message_stop') return endComplete();
    if (final !== undefined && !response.destroyed) response.write(final);
    return withUsage(endWithError(options, firstByteAt, failure, 'upstream_error'), meter);
  }
  if (firstByteAt === undefined) {
    throw new PreCommitFailure(new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `${options.provider} ended the stream before its first event.`, { provider: options.provider }));
  }
  const last = framer.lastEventName();
  if (last !== 'message_stop' && last !== 'error') {
    const truncated = new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `${options.provider} ended the stream before message_stop.`, { provider: options.provider });
    if (final !== undefined) response.write(final);
    return withUsage(endWithError(options, firstByteAt, truncated, 'upstream_error'), meter);
  }
  return endComplete();
}

/** The Anthropic error type of the `error` event in whole SSE events (`api_error` when unreadable). */
function errorTypeOf(events: Buffer): string {
  const error = earlyEvents(events).error;
  return (error === undefined ? undefined : new FirstEventError(error).errorType()) ?? 'api_error';
}

function endWithError(options: RelayOptions, firstByteAt: number, error: GatewayError, end: RelayEnd): RelayOutcome {
  return endStreamWithError(options.response, options.requestId, options.upstream.status, firstByteAt, error, end);
}

