import type { ServerResponse } from 'node:http';
import { GatewayError, isGatewayError } from '../errors.ts';
import { fromGatewayErrorToOpenAI } from '../openai/errors.ts';
import { encodeChatChunk } from '../openai/stream.ts';
import type { ForwardedAnswer } from '../providers/provider.ts';
import { PreCommitFailure, type AnswerEnd, type RelayEnd, type RelayOutcome } from './answer-outcome.ts';
import { safeHeaders } from './header-value.ts';
import { drained, sseHeaders } from './stream-writer.ts';

/**
 * A forwarded Chat Completions answer (ADR 0009) written to the client: the upstream's bytes as
 * they came, chunk for chunk, under the gateway's headers. Accounting runs before the last bytes
 * (the chunk holding `data: [DONE]`, or the JSON body), as for every answer; the client's pace
 * is awaited; a client that leaves releases the upstream. A failure after the first byte (the
 * upstream connection broke) is one OpenAI error line and the end, without `[DONE]`, as the Chat
 * Completions stream writer does.
 */

export interface ForwardWriteOptions {
  readonly response: ServerResponse;
  readonly requestId: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly now: () => number;
  readonly signal: AbortSignal;
  readonly termination?: () => GatewayError | undefined;
  readonly beforeEnd?: (end: AnswerEnd) => Promise<void>;
}

export async function writeForwarded(answer: ForwardedAnswer, options: ForwardWriteOptions): Promise<RelayOutcome> {
  const { response } = options;
  const iterator = answer.body[Symbol.asyncIterator]();
  let firstByteAt: number | undefined;
  const outcome = (end: RelayEnd, error?: GatewayError): RelayOutcome => {
    const usage = answer.usage()?.usage;
    return { status: 200, end, sse: answer.sse, firstByteAt, ...(error === undefined ? {} : { error }), ...(usage === undefined ? {} : { usage }) };
  };
  const account = async () => {
    const usage = answer.usage()?.usage;
    await options.beforeEnd?.({ status: 200, ...(firstByteAt === undefined ? {} : { firstByteAt }), ...(usage === undefined ? {} : { usage }) });
  };
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      if (stopped(options)) return await stop(options, iterator, firstByteAt, outcome);
      const last = answer.isLast(next.value);
      if (last) await account();
      if (firstByteAt === undefined) {
        const base: Record<string, string> = answer.sse ? { ...sseHeaders } : { 'content-type': 'application/json', 'content-length': String(next.value.length) };
        response.writeHead(200, safeHeaders({ ...base, ...options.headers, ...(answer.sse ? {} : { 'content-length': String(next.value.length) }), 'request-id': options.requestId, 'x-gateway-request-id': options.requestId }));
        firstByteAt = options.now();
      }
      if (last) {
        response.end(next.value);
        await iterator.return?.().catch(() => undefined);
        return outcome('complete');
      }
      if (!response.write(next.value)) await drained(response, options.signal);
    }
  } catch (error) {
    if (stopped(options)) return await stop(options, iterator, firstByteAt, outcome);
    const failure = isGatewayError(error) ? error : new GatewayError('GW_INTERNAL', 'The gateway failed while relaying the answer.', { cause: error });
    if (firstByteAt === undefined) throw new PreCommitFailure(failure);
    await account();
    response.end(encodeChatChunk(fromGatewayErrorToOpenAI(failure).body));
    return outcome('upstream_error', failure);
  }
  // The upstream ended without `[DONE]` (some servers do): what it sent is the answer.
  await account();
  if (firstByteAt === undefined) throw new PreCommitFailure(new GatewayError('GW_UPSTREAM_STREAM_BROKEN', 'The upstream sent no answer.'));
  response.end();
  return outcome('complete');
}

function stopped(options: ForwardWriteOptions): boolean {
  return options.signal.aborted || options.response.destroyed;
}

/** The client left, or shutdown ends the answer: release the upstream, say why if anyone listens. */
async function stop(options: ForwardWriteOptions, iterator: AsyncIterator<Buffer>, firstByteAt: number | undefined, outcome: (end: RelayEnd, error?: GatewayError) => RelayOutcome): Promise<RelayOutcome> {
  await iterator.return?.().catch(() => undefined);
  const terminated = options.termination?.();
  if (terminated !== undefined && !options.response.destroyed) {
    if (firstByteAt === undefined) throw new PreCommitFailure(terminated);
    options.response.end(encodeChatChunk(fromGatewayErrorToOpenAI(terminated).body));
    return outcome('terminated', terminated);
  }
  return outcome(terminated === undefined ? 'client_abort' : 'terminated');
}
