import type { ServerResponse } from 'node:http';
import { toErrorEvent } from '../anthropic/error-envelope.ts';
import { IdlePinger } from '../anthropic/keepalive.ts';
import { encodeSseEvent } from '../anthropic/sse-encode.ts';
import type { AnthropicStreamEvent, StreamErrorEvent } from '../anthropic/types.ts';
import { GatewayError, isGatewayError, upstreamCodeForType } from '../errors.ts';
import { EventUsageMeter } from '../usage/usage.ts';
import { PreCommitFailure, withUsage, type AnswerEnd, type RelayEnd, type RelayOutcome } from './answer-outcome.ts';
import { safeHeaders } from './header-value.ts';

/**
 * The stream writer: typed Anthropic events (a translated answer: Bedrock, later OpenAI-compatible)
 * to the client as SSE, encoded here and nowhere before. The commit rule: nothing is written until
 * the first event, so a failure before it is a PreCommitFailure (an HTTP error, or a fallback);
 * after it, a failure is exactly one `error` event and the end. Writes wait for the client to
 * drain (the upstream is not read meanwhile); the events of one upstream read go out in one write
 * (corked until the next turn of the event loop); a silent upstream gets `ping` events; a client
 * that leaves (the signal) releases the upstream. The byte relay (relay.ts) shares the ending.
 */

export interface EventWriterOptions {
  readonly response: ServerResponse;
  readonly requestId: string;
  /** The provider that answered (named in errors). */
  readonly provider?: string;
  /** Response headers besides the SSE ones (gateway headers). */
  readonly headers: Readonly<Record<string, string>>;
  readonly events: AsyncIterable<AnthropicStreamEvent>;
  readonly pingIntervalMs: number;
  readonly now: () => number;
  readonly signal: AbortSignal;
  readonly termination?: () => GatewayError | undefined;
  /** Awaited before the `message_stop` event is written (accounting: see RelayOptions.beforeEnd). */
  readonly beforeEnd?: (end: AnswerEnd) => Promise<void>;
}

export const sseHeaders = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } as const;

/** Coalesces the writes of one event-loop turn (cork, uncork on the next turn or before waiting). */
class TurnWriter {
  private corked = false;
  private readonly response: ServerResponse;

  constructor(response: ServerResponse) {
    this.response = response;
  }

  /** Writes `text`; false when the client's buffer is full (then flush and wait for `drain`). */
  write(text: string): boolean {
    if (!this.corked) {
      this.corked = true;
      this.response.cork();
      setImmediate(() => this.flush());
    }
    return this.response.write(text);
  }

  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.response.uncork();
  }
}

interface WriteState {
  firstByteAt: number | undefined;
  /** `message_stop` went out: the message is whole. */
  complete: boolean;
  readonly meter: EventUsageMeter;
  readonly out: TurnWriter;
}

export async function writeEvents(options: EventWriterOptions): Promise<RelayOutcome> {
  const { response } = options;
  const iterator = options.events[Symbol.asyncIterator]();
  const state: WriteState = { firstByteAt: undefined, complete: false, meter: new EventUsageMeter(), out: new TurnWriter(response) };
  let pinger: IdlePinger | undefined;
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      if (stoppedByUs(options)) return withUsage(await stop(options, iterator, state), state.meter);
      // An `error` event ends a stream as every failure does: one event with the request id, then
      // the end; before the commit point, an HTTP error.
      if (next.value.type === 'error') throw errorOfEvent(next.value, options.provider);
      if (state.firstByteAt === undefined) {
        state.firstByteAt = commit(options);
        pinger = new IdlePinger(options.pingIntervalMs, (text) => state.out.write(text));
      }
      pinger?.activity();
      if (!(await writeEvent(options, state, next.value))) return withUsage(await stop(options, iterator, state), state.meter);
    }
  } catch (error) {
    pinger?.stop();
    state.out.flush();
    if (stoppedByUs(options)) return withUsage(await stop(options, iterator, state), state.meter);
    // Our own failure (an error event) leaves the upstream open: release it (a no-op after its own).
    await iterator.return?.().catch(() => undefined);
    const failure = isGatewayError(error) ? error : new GatewayError('GW_INTERNAL', 'The gateway failed while translating the stream.', { cause: error });
    if (state.firstByteAt === undefined) throw new PreCommitFailure(failure);
    return withUsage(endWithError(response, options.requestId, 200, state.firstByteAt, failure, 'upstream_error'), state.meter);
  } finally {
    pinger?.stop();
  }
  state.out.flush();
  if (state.firstByteAt === undefined) {
    throw new PreCommitFailure(new GatewayError('GW_UPSTREAM_STREAM_BROKEN', 'The upstream ended the stream before its first event.'));
  }
  if (!state.complete) {
    const truncated = new GatewayError('GW_UPSTREAM_STREAM_BROKEN', 'The upstream ended the stream before message_stop.', options.provider === undefined ? {} : { provider: options.provider });
    return withUsage(endWithError(response, options.requestId, 200, state.firstByteAt, truncated, 'upstream_error'), state.meter);
  }
  response.end();
  return withUsage({ status: 200, end: 'complete', sse: true, firstByteAt: state.firstByteAt }, state.meter);
}

function errorOfEvent(event: StreamErrorEvent, provider: string | undefined): GatewayError {
  return new GatewayError(upstreamCodeForType(event.error.type) ?? 'GW_UPSTREAM_ERROR', event.error.message, provider === undefined ? {} : { provider });
}

/** The first write: status and headers. Returns the commit time. */
function commit(options: EventWriterOptions): number {
  options.response.writeHead(200, safeHeaders({ ...sseHeaders, 'request-id': options.requestId, 'x-gateway-request-id': options.requestId, ...options.headers }));
  return options.now();
}

/** Writes one event (accounting first when it is `message_stop`); false when we stopped meanwhile. */
async function writeEvent(options: EventWriterOptions, state: WriteState, event: AnthropicStreamEvent): Promise<boolean> {
  state.meter.push(event);
  if (event.type === 'message_stop' && options.beforeEnd !== undefined) {
    state.out.flush();
    const usage = state.meter.usage;
    await options.beforeEnd({
      status: 200,
      ...(state.firstByteAt === undefined ? {} : { firstByteAt: state.firstByteAt }),
      ...(usage === undefined ? {} : { usage }),
    });
    if (stoppedByUs(options)) return false;
  }
  if (event.type === 'message_stop') state.complete = true;
  if (!state.out.write(encodeSseEvent(event))) {
    state.out.flush();
    if (options.response.writableNeedDrain) await drained(options.response, options.signal);
  }
  return true;
}

function stoppedByUs(options: { readonly signal: AbortSignal; readonly response: ServerResponse }): boolean {
  return options.signal.aborted || options.response.destroyed;
}

/** The client left, or shutdown ends the stream: release the upstream, say why if anyone listens. */
async function stop(options: EventWriterOptions, iterator: AsyncIterator<AnthropicStreamEvent>, state: WriteState): Promise<RelayOutcome> {
  state.out.flush();
  await iterator.return?.().catch(() => undefined);
  const terminated = options.termination?.();
  if (terminated !== undefined && !options.response.destroyed) {
    if (state.firstByteAt === undefined) throw new PreCommitFailure(terminated);
    return endWithError(options.response, options.requestId, 200, state.firstByteAt, terminated, 'terminated');
  }
  return { status: 200, end: terminated === undefined ? 'client_abort' : 'terminated', sse: true, firstByteAt: state.firstByteAt };
}

/** The end of a committed SSE answer that failed: exactly one `error` event, then the end. */
export function endWithError(response: ServerResponse, requestId: string, status: number, firstByteAt: number, error: GatewayError, end: RelayEnd): RelayOutcome {
  response.end(toErrorEvent(error, requestId));
  return { status, end, sse: true, firstByteAt, error };
}

/** Resolves when the client's socket drains, or when the request is aborted or the socket closes. */
export function drained(response: ServerResponse, signal: AbortSignal): Promise<void> {
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
