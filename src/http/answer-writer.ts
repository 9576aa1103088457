import type { ServerResponse } from 'node:http';
import { MessageAccumulator, StreamOrderError } from '../anthropic/accumulate.ts';
import type { AnthropicStreamEvent, MessageStreamEvent } from '../anthropic/types.ts';
import { GatewayError, isGatewayError, upstreamCodeForType } from '../errors.ts';
import type { ProviderAnswer } from '../providers/provider.ts';
import { usageFromMessage, type TokenUsage } from '../usage/usage.ts';
import { PreCommitFailure, type AnswerEnd, type RelayOutcome } from './answer-outcome.ts';
import { safeHeaders } from './header-value.ts';
import { relay } from './relay.ts';
import { writeEvents } from './stream-writer.ts';

/**
 * Writes a committed answer to the client, whatever its kind: the one place the HTTP layer turns
 * a provider's answer into bytes. Passthrough bytes go through the byte relay (relay.ts), typed
 * events through the stream writer (stream-writer.ts) as SSE, or, for a client that did not ask
 * for a stream, through the accumulator into one Message; a Message or a finished body as JSON.
 * Every path keeps the commit rule: a failure before the first byte throws a PreCommitFailure.
 */

export interface AnswerWriteOptions {
  readonly response: ServerResponse;
  readonly requestId: string;
  /** Gateway headers (which target served, why), over the answer's own. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The client asked for a stream: typed events to a client that did not are accumulated. */
  readonly stream: boolean;
  /** The provider that answered (named in errors). */
  readonly provider: string;
  readonly maxEventBytes: number;
  readonly pingIntervalMs: number;
  readonly now: () => number;
  readonly signal: AbortSignal;
  readonly termination?: () => GatewayError | undefined;
  /** Awaited before the end of a complete answer (accounting: see RelayOptions.beforeEnd). */
  readonly beforeEnd?: (end: AnswerEnd) => Promise<void>;
}

export async function writeAnswer(answer: ProviderAnswer, options: AnswerWriteOptions): Promise<RelayOutcome> {
  const headers = { ...answer.info.headers, ...options.headers };
  const tier = answer.info.serviceTier;
  const given = options.beforeEnd;
  const beforeEnd = given === undefined || tier === undefined ? given : (end: AnswerEnd) => given({ ...end, serviceTier: tier });
  const common = { ...options, ...(beforeEnd === undefined ? {} : { beforeEnd }) };
  switch (answer.kind) {
    case 'passthrough':
      return relay({ ...common, upstream: answer.upstream, extraHeaders: headers });
    case 'events':
      if (options.stream) return writeEvents({ ...common, headers, events: answer.events });
      return writeMessage(await accumulateEvents(answer.events, options), headers, common);
    case 'message':
      return writeMessage({ message: answer.message, ...(answer.usage === undefined ? {} : { usage: answer.usage }) }, headers, common);
    case 'json':
      return writeJson(options.response, options.requestId, headers, answer.body, options.now, answer.usage, beforeEnd);
    case 'forwarded':
      // Only a request in another format (a Chat Completions one) is forwarded, and its own writer writes it.
      answer.release();
      throw new PreCommitFailure(new GatewayError('GW_INTERNAL', 'A forwarded answer reached the Messages writer.'));
  }
}

interface Accumulated {
  readonly message: unknown;
  readonly usage?: TokenUsage;
}

function writeMessage(accumulated: Accumulated, headers: Readonly<Record<string, string>>, options: AnswerWriteOptions): Promise<RelayOutcome> {
  const usage = accumulated.usage ?? usageFromMessage(accumulated.message);
  return writeJson(options.response, options.requestId, headers, JSON.stringify(accumulated.message), options.now, usage, options.beforeEnd);
}

/**
 * A translated stream reduced to the Message a non-streaming call returns (the SDK's reducer
 * rules: accumulate.ts). Nothing is written meanwhile, so any failure is before the commit point.
 */
export async function accumulateEvents(events: AsyncIterable<AnthropicStreamEvent>, options: Pick<AnswerWriteOptions, 'provider'>): Promise<Accumulated> {
  const accumulator = new MessageAccumulator();
  try {
    for await (const event of events) {
      if (event.type === 'ping') continue;
      if (event.type === 'error') throw new GatewayError(upstreamCodeForType(event.error.type) ?? 'GW_UPSTREAM_ERROR', event.error.message, { provider: options.provider });
      accumulator.push(event as MessageStreamEvent);
    }
    return { message: accumulator.result() };
  } catch (error) {
    if (isGatewayError(error)) throw new PreCommitFailure(error);
    const reason = error instanceof StreamOrderError || error instanceof SyntaxError ? `: ${error.message}` : '';
    throw new PreCommitFailure(new GatewayError('GW_UPSTREAM_PROTOCOL', `${options.provider} sent a stream that does not make a message${reason}.`, { provider: options.provider, cause: error }));
  }
}

/** A JSON answer (status 200) in one write; accounting first, as for the end of a stream. */
export async function writeJson(
  response: ServerResponse,
  requestId: string,
  headers: Readonly<Record<string, string>>,
  body: string | Buffer,
  now: () => number,
  known?: TokenUsage,
  beforeEnd?: (end: AnswerEnd) => Promise<void>,
): Promise<RelayOutcome> {
  let usage = known;
  if (usage === undefined && beforeEnd !== undefined) usage = usageOfBody(body);
  await beforeEnd?.({ status: 200, ...(usage === undefined ? {} : { usage }) });
  response.writeHead(
    200,
    safeHeaders({
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'request-id': requestId,
      'x-gateway-request-id': requestId,
      ...headers,
    }),
  );
  const firstByteAt = now();
  response.end(body);
  usage ??= usageOfBody(body);
  return { status: 200, end: 'complete', sse: false, firstByteAt, ...(usage === undefined ? {} : { usage }) };
}

function usageOfBody(body: string | Buffer): TokenUsage | undefined {
  try {
    return usageFromMessage(JSON.parse(typeof body === 'string' ? body : body.toString('utf8')));
  } catch {
    return undefined;
  }
}
