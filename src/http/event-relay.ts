import type { ServerResponse } from 'node:http';
import { toErrorEvent } from '../anthropic/error-envelope.ts';
import { IdlePinger } from '../anthropic/keepalive.ts';
import { GatewayError, isGatewayError } from '../errors.ts';
import { PreCommitFailure, withUsage, type AnswerEnd, type RelayEnd, type RelayOutcome } from './relay.ts';
import { SseUsageMeter } from '../usage/usage.ts';
import { hasEventField } from '../anthropic/sse-decode.ts';
import { safeHeaders } from './header-value.ts';

/**
 * Writes a translated stream (Bedrock, later OpenAI-compatible) to the client as Anthropic SSE.
 * The stream is an async iterable of SSE text, each item whole events; failures are thrown
 * GatewayErrors. The same commit rule as the byte relay: nothing is written until the first
 * item, so a failure before it is an HTTP error (or, with routing, a fallback); after it, a
 * failure is exactly one `error` event and the end. Writes wait for the client to drain (the
 * upstream is not read meanwhile), and a silent upstream gets `ping` events so proxies and
 * clients keep the connection.
 */

export interface EventRelayOptions {
  readonly response: ServerResponse;
  readonly requestId: string;
  /** Response headers besides the SSE ones (gateway headers). */
  readonly headers: Readonly<Record<string, string>>;
  readonly events: AsyncIterable<string>;
  readonly pingIntervalMs: number;
  readonly now: () => number;
  readonly signal: AbortSignal;
  readonly termination?: () => GatewayError | undefined;
  /** Awaited before the `message_stop` event is written (accounting: see RelayOptions.beforeEnd). */
  readonly beforeEnd?: (end: AnswerEnd) => Promise<void>;
}

const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

export async function relayEvents(options: EventRelayOptions): Promise<RelayOutcome> {
  const { response } = options;
  const iterator = options.events[Symbol.asyncIterator]();
  let firstByteAt: number | undefined;
  let pinger: IdlePinger | undefined;
  const meter = new SseUsageMeter();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      if (stoppedByUs(options)) return withUsage(await stop(options, iterator, firstByteAt), meter);
      if (firstByteAt === undefined) {
        response.writeHead(200, safeHeaders({ ...sseHeaders, 'request-id': options.requestId, 'x-gateway-request-id': options.requestId, ...options.headers }));
        firstByteAt = options.now();
        pinger = new IdlePinger(options.pingIntervalMs, (text) => response.write(text));
      }
      pinger?.activity();
      meter.push(next.value);
      if (options.beforeEnd !== undefined && hasEventField(next.value, 'message_stop')) {
        const usage = meter.usage;
        await options.beforeEnd({ status: 200, firstByteAt, ...(usage === undefined ? {} : { usage }) });
        if (stoppedByUs(options)) return withUsage(await stop(options, iterator, firstByteAt), meter);
      }
      if (!response.write(next.value)) await drained(response, options.signal);
    }
  } catch (error) {
    pinger?.stop();
    if (stoppedByUs(options)) return withUsage(await stop(options, iterator, firstByteAt), meter);
    const failure = isGatewayError(error) ? error : new GatewayError('GW_INTERNAL', 'The gateway failed while translating the stream.', { cause: error });
    if (firstByteAt === undefined) throw new PreCommitFailure(failure);
    return withUsage(endWithError(options, firstByteAt, failure, 'upstream_error'), meter);
  } finally {
    pinger?.stop();
  }
  if (firstByteAt === undefined) {
    throw new PreCommitFailure(new GatewayError('GW_UPSTREAM_STREAM_BROKEN', 'The upstream ended the stream before its first event.'));
  }
  response.end();
  return withUsage({ status: 200, end: 'complete', sse: true, firstByteAt }, meter);
}

function stoppedByUs(options: EventRelayOptions): boolean {
  return options.signal.aborted || options.response.destroyed;
}

/** The client left, or shutdown ends the stream: release the upstream, say why if anyone listens. */
async function stop(options: EventRelayOptions, iterator: AsyncIterator<string>, firstByteAt: number | undefined): Promise<RelayOutcome> {
  await iterator.return?.().catch(() => undefined);
  const terminated = options.termination?.();
  if (terminated !== undefined && !options.response.destroyed) {
    if (firstByteAt === undefined) throw new PreCommitFailure(terminated);
    return endWithError(options, firstByteAt, terminated, 'terminated');
  }
  return { status: 200, end: terminated === undefined ? 'client_abort' : 'terminated', sse: true, firstByteAt };
}

function endWithError(options: EventRelayOptions, firstByteAt: number, error: GatewayError, end: RelayEnd): RelayOutcome {
  options.response.end(toErrorEvent(error, options.requestId));
  return { status: 200, end, sse: true, firstByteAt, error };
}

/** Resolves when the client's socket drains, or when the request is aborted or the socket closes. */
function drained(response: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
    signal.addEventListener('abort', done);
  });
}
