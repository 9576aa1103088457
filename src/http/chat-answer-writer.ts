import type { Message } from '../anthropic/types.ts';
import { readErrorBody } from '../anthropic/error-envelope.ts';
import { SseDecoder } from '../anthropic/sse-decode.ts';
import type { AnthropicStreamEvent } from '../anthropic/types.ts';
import { GatewayError, isGatewayError, upstreamCodeForStatus } from '../errors.ts';
import { toOpenAIErrorBody, toOpenAIStatus } from '../openai/errors.ts';
import { toChatCompletion, type ChatCompletionContext } from '../openai/response.ts';
import type { ProviderAnswer } from '../providers/provider.ts';
import { discardBody, readErrorText, type RawUpstreamResponse } from '../upstream/http.ts';
import { usageFromMessage, type TokenUsage } from '../usage/usage.ts';
import { PreCommitFailure, type AnswerEnd, type RelayOutcome } from './answer-outcome.ts';
import { accumulateEvents, writeJson, type AnswerWriteOptions } from './answer-writer.ts';
import { writeForwarded } from './chat-forward-writer.ts';
import { writeChatStream } from './chat-stream-writer.ts';
import { safeHeaders } from './header-value.ts';

/**
 * Writes a committed answer to a caller of `POST /v1/chat/completions`, in OpenAI's format
 * (docs/openai-api.md): whatever the provider's answer kind, it is read as typed Anthropic
 * events or a Message and converted (src/openai/). Anthropic's passthrough bytes are decoded
 * here (its SSE into events, its JSON into a Message); an upstream error answer becomes an
 * OpenAI error with OpenAI's status (529 reads as 503), keeping `retry-after`. The commit rule
 * is writeAnswer's: a failure before the first byte throws a PreCommitFailure.
 */

export interface ChatAnswer {
  readonly context: ChatCompletionContext;
  /** `stream_options.include_usage`: the usage chunk at the end of a stream. */
  readonly includeUsage: boolean;
  /** Request fields the inbound conversion dropped (seed, penalties…): named in `x-gateway-dropped-fields`. */
  readonly removed?: readonly string[];
}

const DROPPED_FIELDS = 'x-gateway-dropped-fields';

/** The answer's headers, the fields the inbound conversion dropped added to those the provider's dropped. */
function answerHeaders(answer: ProviderAnswer, given: Readonly<Record<string, string>> | undefined, removed: readonly string[] = []): Record<string, string> {
  const headers: Record<string, string> = { ...answer.info.headers, ...given };
  if (removed.length > 0) headers[DROPPED_FIELDS] = [...removed, ...(headers[DROPPED_FIELDS] === undefined ? [] : [headers[DROPPED_FIELDS]])].join(', ');
  return headers;
}

/** What the writer did, for the request's log line: a forwarded answer dropped no field of the client's. */
export interface ChatWritten {
  forwarded: boolean;
}

/** The writer routeMessages uses for a Chat Completions request. */
export function chatAnswerWriter(chat: ChatAnswer, written?: ChatWritten): (answer: ProviderAnswer, options: AnswerWriteOptions) => Promise<RelayOutcome> {
  return (answer, options) => {
    if (answer.kind === 'forwarded') {
      if (written !== undefined) written.forwarded = true;
      // The client's own bytes went upstream: nothing of its request was dropped.
      return writeForwarded(answer, { ...options, headers: answerHeaders(answer, options.headers) });
    }
    return writeChatAnswer(answer, options, chat);
  };
}

async function writeChatAnswer(answer: Exclude<ProviderAnswer, { kind: 'forwarded' }>, given: AnswerWriteOptions, chat: ChatAnswer): Promise<RelayOutcome> {
  const headers = answerHeaders(answer, given.headers, chat.removed);
  const tier = answer.info.serviceTier;
  const end = given.beforeEnd;
  const options: AnswerWriteOptions = { ...given, ...(end === undefined || tier === undefined ? {} : { beforeEnd: (ended: AnswerEnd) => end({ ...ended, serviceTier: tier }) }) };
  switch (answer.kind) {
    case 'passthrough': {
      const { upstream } = answer;
      if (upstream.status < 200 || upstream.status >= 300) return writeUpstreamError(upstream, headers, options);
      if (options.stream) return writeChatStream({ ...options, headers, events: decodeEvents(upstream.body, options.provider), chat });
      return writeCompletion(await readMessage(upstream, options.provider), undefined, headers, options, chat);
    }
    case 'events':
      if (options.stream) return writeChatStream({ ...options, headers, events: answer.events, chat });
      return writeCompletion((await accumulateEvents(answer.events, options)).message as Message, undefined, headers, options, chat);
    case 'message':
      return writeCompletion(answer.message, answer.usage, headers, options, chat);
    case 'json':
      return writeCompletion(JSON.parse(answer.body.toString()) as Message, answer.usage, headers, options, chat);
  }
}

function writeCompletion(message: Message, known: TokenUsage | undefined, headers: Readonly<Record<string, string>>, options: AnswerWriteOptions, chat: ChatAnswer): Promise<RelayOutcome> {
  const usage = known ?? usageFromMessage(message);
  const body = JSON.stringify(toChatCompletion(message, chat.context));
  return writeJson(options.response, options.requestId, headers, body, options.now, usage, options.beforeEnd);
}

/** A whole JSON Message body; a failure to read or parse it is before the commit point. */
async function readMessage(upstream: RawUpstreamResponse, provider: string): Promise<Message> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of upstream.body as AsyncIterable<Buffer>) chunks.push(chunk);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Message;
  } catch (error) {
    throw new PreCommitFailure(new GatewayError('GW_UPSTREAM_PROTOCOL', `${provider} sent an answer that is not a JSON message.`, { provider, cause: error }));
  }
}

/** Upstream headers an OpenAI client acts on (retries), kept on a converted error. */
const keptErrorHeaders = ['retry-after', 'retry-after-ms', 'x-should-retry', 'request-id'];

/** An upstream's error answer (relayed as final by routing), in OpenAI's shape and status. */
async function writeUpstreamError(upstream: RawUpstreamResponse, headers: Readonly<Record<string, string>>, options: AnswerWriteOptions): Promise<RelayOutcome> {
  const text = await readErrorText(upstream);
  const said = readErrorBody(text);
  const error = new GatewayError(upstreamCodeForStatus(upstream.status), said.message ?? `${options.provider} answered with status ${upstream.status}.`, { provider: options.provider });
  const status = toOpenAIStatus(upstream.status);
  const body = JSON.stringify(toOpenAIErrorBody(said.type ?? error.type, error.message));
  const kept: Record<string, string> = {};
  for (const name of keptErrorHeaders) {
    const value = upstream.headers[name];
    if (typeof value === 'string') kept[name === 'request-id' ? 'x-gateway-upstream-request-id' : name] = value;
  }
  await options.beforeEnd?.({ status: upstream.status, errorType: error.type });
  options.response.writeHead(
    status,
    safeHeaders({ ...kept, ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'request-id': options.requestId, 'x-gateway-request-id': options.requestId }),
  );
  const firstByteAt = options.now();
  options.response.end(body);
  return { status, end: 'complete', sse: false, firstByteAt, error };
}

/** Anthropic's SSE bytes as typed events; a broken or unreadable stream throws a GatewayError. */
async function* decodeEvents(body: RawUpstreamResponse['body'], provider: string): AsyncGenerator<AnthropicStreamEvent> {
  const decoder = new SseDecoder();
  let finished = false;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      for (const event of decoder.push(chunk)) yield parseEvent(event.data, provider);
    }
    for (const event of decoder.end()) yield parseEvent(event.data, provider);
    finished = true;
  } catch (error) {
    if (isGatewayError(error)) throw error;
    throw new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `${provider}'s stream broke.`, { provider, cause: error });
  } finally {
    if (!finished) discardBody(body);
  }
}

function parseEvent(data: string, provider: string): AnthropicStreamEvent {
  try {
    return JSON.parse(data) as AnthropicStreamEvent;
  } catch (error) {
    throw new GatewayError('GW_UPSTREAM_PROTOCOL', `${provider} sent an SSE event that is not JSON.`, { provider, cause: error });
  }
}
