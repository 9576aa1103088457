import type { Readable } from 'node:stream';
import { SseEventFramer } from '../anthropic/sse-framer.ts';
import { fallbackOf, GatewayError, isGatewayError, upstreamCodeForType } from '../errors.ts';
import type { PassthroughAnswer, ProviderAnswer } from '../providers/provider.ts';
import { discardBody, fromStreamTransportError } from '../upstream/http.ts';
import { earlyEvents, FirstEventError, MAX_HELD_BYTES } from './early-events.ts';

/**
 * The hold-until-first-content rule, one helper for every provider (issue 4, issue 11): while
 * another target could still serve, an answer is not committed until its first content event.
 * The events before it (message_start, pings) are held, at most MAX_HELD_BYTES; a retryable
 * `error` event among them, a stream that ends or breaks before content, is thrown as a
 * GatewayError (`firstEventError` for an error event), so routing can move on. What was read is
 * handed back with the answer (prefetched events, or bytes put back at the head of the body), so
 * the writer sends exactly what the upstream sent. Non-SSE answers commit at once.
 */

export interface FirstContentOptions {
  readonly provider: string;
  readonly maxEventBytes: number;
  /**
   * Another target could still serve: hold the events before the first content and fail on a
   * retryable error among them. Off (the last target): commit on the first event, whatever it
   * is; a stream that breaks or ends before it still fails.
   */
  readonly hold: boolean;
}

export async function awaitFirstContent(answer: ProviderAnswer, options: FirstContentOptions): Promise<ProviderAnswer> {
  const { provider, hold } = options;
  switch (answer.kind) {
    case 'passthrough':
      // On the last target the byte relay's own commit rule is the same (nothing is written
      // before the first complete event; a break before it is a PreCommitFailure, answered as an
      // HTTP error), so the hot path of a one-target passthrough is not read twice.
      return hold && isHeldStream(answer) ? holdPassthrough(answer, options) : answer;
    case 'events':
      return { ...answer, events: await holdEvents(answer.events, provider, hold ? typedEarly : firstEvent) };
    // A forwarded answer was held to its first content by its provider (it reads the client's own format).
    case 'message':
    case 'json':
    case 'forwarded':
      return answer;
  }
}

interface Early {
  readonly content: boolean;
  /** A retryable error event before content, as the failure it stands for. */
  readonly failure?: GatewayError;
}

/** Without holding, the first event commits. */
function firstEvent(): Early {
  return { content: true };
}

function typedEarly(event: { readonly type: string }, provider: string): Early {
  if (event.type === 'message_start' || event.type === 'ping') return { content: false };
  if (event.type !== 'error') return { content: true };
  const error = (event as { error?: { type?: unknown; message?: unknown } }).error;
  // Only failures another upstream can fix move on (the registry's routing column); any other error is the answer.
  const code = upstreamCodeForType(error?.type);
  if (code === undefined || fallbackOf(code) === undefined) return { content: true };
  const message = typeof error?.message === 'string' ? error.message : `${provider} sent an error event first.`;
  return { content: false, failure: new GatewayError(code, message, { provider, firstEventError: true }) };
}

/** Reads `events` up to the first content; returns an iterable that replays what was read, then the rest. */
async function holdEvents<Event>(events: AsyncIterable<Event>, provider: string, classify: (event: Event, provider: string) => Early): Promise<AsyncIterable<Event>> {
  const iterator = events[Symbol.asyncIterator]();
  const held: Event[] = [];
  for (;;) {
    let next: IteratorResult<Event>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw isGatewayError(error) ? error : new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `The ${provider} stream broke before its first content.`, { provider, cause: error });
    }
    if (next.done === true) {
      throw new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `${provider} ended the stream before its first event.`, { provider });
    }
    const early = classify(next.value, provider);
    if (early.failure !== undefined) {
      await iterator.return?.().catch(() => undefined);
      throw early.failure;
    }
    held.push(next.value);
    if (early.content || held.length > 64) return replay(held, iterator);
  }
}

function replay<Event>(held: readonly Event[], iterator: AsyncIterator<Event>): AsyncIterable<Event> {
  return {
    [Symbol.asyncIterator]: () => {
      let index = 0;
      return {
        next: () => (index < held.length ? Promise.resolve({ done: false, value: held[index++] as Event }) : iterator.next()),
        return: async (value?: unknown) => (await iterator.return?.(value)) ?? { done: true, value: undefined },
      };
    },
  };
}

function isHeldStream(answer: PassthroughAnswer): boolean {
  const { status, headers } = answer.upstream;
  const type = headers['content-type'];
  const encoding = headers['content-encoding'];
  const compressed = typeof encoding === 'string' && encoding.trim().toLowerCase() !== 'identity' && encoding.trim() !== '';
  return status >= 200 && status < 300 && typeof type === 'string' && type.toLowerCase().startsWith('text/event-stream') && !compressed;
}

/**
 * Reads the raw body until its first content event, then puts every byte read back at the
 * head of the body (`unshift`), so the relay sends the upstream's bytes unchanged.
 */
async function holdPassthrough(answer: PassthroughAnswer, options: FirstContentOptions): Promise<PassthroughAnswer> {
  const { provider, maxEventBytes, hold } = options;
  const body = answer.upstream.body as Readable;
  const framer = new SseEventFramer(maxEventBytes);
  const read: Buffer[] = [];
  let heldBytes = 0;
  const decision = await new Promise<'commit' | Error>((resolve) => {
    const onData = (chunk: Buffer) => {
      read.push(chunk);
      let complete: Buffer | undefined;
      try {
        complete = framer.push(chunk);
      } catch (error) {
        return finish(error as Error);
      }
      if (complete === undefined) return;
      if (!hold) return finish('commit');
      const early = earlyEvents(complete);
      if (early.error !== undefined) {
        const failure = new FirstEventError(early.error);
        if (failure.movesOn()) return finish(failure.toGatewayError(provider));
        return finish('commit');
      }
      heldBytes += complete.length;
      if (early.content || heldBytes > MAX_HELD_BYTES) finish('commit');
    };
    const onEnd = () => finish(new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `${provider} ended the stream before its first event.`, { provider }));
    const onError = (error: Error) => finish(error);
    function finish(result: 'commit' | Error): void {
      body.pause();
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      // Put back at once, in the same tick: the body may have ended, and its `end` must not be
      // emitted while the bytes read are out of it.
      if (result === 'commit' && read.length > 0) body.unshift(read.length === 1 ? (read[0] as Buffer) : Buffer.concat(read));
      resolve(result);
    }
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.resume();
  });
  if (decision === 'commit') return answer;
  discardBody(answer.upstream.body);
  if (isGatewayError(decision)) throw decision;
  if (decision instanceof RangeError) throw new GatewayError('GW_UPSTREAM_PROTOCOL', `${provider} sent an SSE event larger than ${maxEventBytes} bytes.`, { provider });
  throw fromStreamTransportError(decision, provider);
}
