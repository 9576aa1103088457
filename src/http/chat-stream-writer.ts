import type { ServerResponse } from 'node:http';
import { IdlePinger } from '../anthropic/keepalive.ts';
import type { AnthropicStreamEvent } from '../anthropic/types.ts';
import { GatewayError, isGatewayError, upstreamCodeForType } from '../errors.ts';
import { fromGatewayErrorToOpenAI } from '../openai/errors.ts';
import { AnthropicToChatChunks, CHAT_STREAM_DONE, encodeChatChunk } from '../openai/stream.ts';
import { EventUsageMeter } from '../usage/usage.ts';
import { PreCommitFailure, withUsage, type AnswerEnd, type RelayEnd, type RelayOutcome } from './answer-outcome.ts';
import type { ChatAnswer } from './chat-answer-writer.ts';
import { safeHeaders } from './header-value.ts';
import { drained, sseHeaders } from './stream-writer.ts';

/**
 * Typed Anthropic events to a Chat Completions client as `chat.completion.chunk` lines
 * (src/openai/stream.ts), ended by `data: [DONE]`. The stream writer's rules (stream-writer.ts):
 * nothing is written before the first chunk, so a failure before it is a PreCommitFailure (an
 * HTTP error, or a fallback); after it, a failure is exactly one OpenAI error line
 * (`data: {"error":{message,type,param,code}}`, which the openai SDK throws as an APIError) and
 * the end of the stream, without `[DONE]` (a stream without it is not whole, for any client).
 * Accounting runs before the last chunks; the client's pace is awaited; a client that leaves
 * releases the upstream.
 */

export interface ChatStreamOptions {
  readonly response: ServerResponse;
  readonly requestId: string;
  readonly provider: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly events: AsyncIterable<AnthropicStreamEvent>;
  readonly chat: ChatAnswer;
  /** A silent stream gets a `: ping` comment line after this long (clients skip comments). */
  readonly pingIntervalMs: number;
  readonly now: () => number;
  readonly signal: AbortSignal;
  readonly termination?: () => GatewayError | undefined;
  readonly beforeEnd?: (end: AnswerEnd) => Promise<void>;
}

/** The keep-alive of a silent stream: an SSE comment, which the openai SDK and every SSE reader skip. */
export const CHAT_PING = ': ping\n\n';

interface State {
  firstByteAt: number | undefined;
  pinger?: IdlePinger;
  readonly meter: EventUsageMeter;
  readonly machine: AnthropicToChatChunks;
}

export async function writeChatStream(options: ChatStreamOptions): Promise<RelayOutcome> {
  const iterator = options.events[Symbol.asyncIterator]();
  const state: State = { firstByteAt: undefined, meter: new EventUsageMeter(), machine: new AnthropicToChatChunks(options.chat.context, { includeUsage: options.chat.includeUsage }) };
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      if (stopped(options)) return withUsage(await stop(options, iterator, state), state.meter);
      const event = next.value;
      if (event.type === 'error') throw new GatewayError(upstreamCodeForType(event.error.type) ?? 'GW_UPSTREAM_ERROR', event.error.message, { provider: options.provider });
      if (!(await writeEvent(options, state, event))) return withUsage(await stop(options, iterator, state), state.meter);
      if (state.machine.done) {
        options.response.end(CHAT_STREAM_DONE);
        return withUsage({ status: 200, end: 'complete', sse: true, firstByteAt: state.firstByteAt }, state.meter);
      }
    }
  } catch (error) {
    state.pinger?.stop();
    if (stopped(options)) return withUsage(await stop(options, iterator, state), state.meter);
    await iterator.return?.().catch(() => undefined);
    const failure = isGatewayError(error) ? error : new GatewayError('GW_INTERNAL', 'The gateway failed while converting the stream.', { cause: error });
    if (state.firstByteAt === undefined) throw new PreCommitFailure(failure);
    return withUsage(endWithError(options.response, state.firstByteAt, failure, 'upstream_error'), state.meter);
  } finally {
    state.pinger?.stop();
  }
  const truncated = new GatewayError('GW_UPSTREAM_STREAM_BROKEN', 'The upstream ended the stream before message_stop.', { provider: options.provider });
  if (state.firstByteAt === undefined) throw new PreCommitFailure(truncated);
  return withUsage(endWithError(options.response, state.firstByteAt, truncated, 'upstream_error'), state.meter);
}

/** Converts and writes one event (accounting first at `message_stop`); false when we stopped meanwhile. */
async function writeEvent(options: ChatStreamOptions, state: State, event: AnthropicStreamEvent): Promise<boolean> {
  state.meter.push(event);
  if (event.type === 'message_stop' && options.beforeEnd !== undefined) {
    const usage = state.meter.usage;
    await options.beforeEnd({ status: 200, ...(state.firstByteAt === undefined ? {} : { firstByteAt: state.firstByteAt }), ...(usage === undefined ? {} : { usage }) });
    if (stopped(options)) return false;
  }
  const items = state.machine.push(event);
  if (items.length === 0) return true;
  if (state.firstByteAt === undefined) {
    options.response.writeHead(200, safeHeaders({ ...sseHeaders, 'request-id': options.requestId, 'x-gateway-request-id': options.requestId, ...options.headers }));
    state.firstByteAt = options.now();
    state.pinger = new IdlePinger(options.pingIntervalMs, (text) => options.response.write(text), CHAT_PING);
  }
  state.pinger?.activity();
  if (!options.response.write(items.map(encodeChatChunk).join('')) && !state.machine.done) await drained(options.response, options.signal);
  return true;
}

function stopped(options: ChatStreamOptions): boolean {
  return options.signal.aborted || options.response.destroyed;
}

/** The client left, or shutdown ends the stream: release the upstream, say why if anyone listens. */
async function stop(options: ChatStreamOptions, iterator: AsyncIterator<AnthropicStreamEvent>, state: State): Promise<RelayOutcome> {
  await iterator.return?.().catch(() => undefined);
  const terminated = options.termination?.();
  if (terminated !== undefined && !options.response.destroyed) {
    if (state.firstByteAt === undefined) throw new PreCommitFailure(terminated);
    return endWithError(options.response, state.firstByteAt, terminated, 'terminated');
  }
  return { status: 200, end: terminated === undefined ? 'client_abort' : 'terminated', sse: true, firstByteAt: state.firstByteAt };
}

/** The end of a committed stream that failed: one OpenAI error line, no `[DONE]`. */
function endWithError(response: ServerResponse, firstByteAt: number, error: GatewayError, end: RelayEnd): RelayOutcome {
  response.end(encodeChatChunk(fromGatewayErrorToOpenAI(error).body));
  return { status: 200, end, sse: true, firstByteAt, error };
}
