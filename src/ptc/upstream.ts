import { fromErrorEvent } from '../anthropic/error-envelope.ts';
import { SseDecoder } from '../anthropic/sse-decode.ts';
import type { AnthropicStreamEvent, Message } from '../anthropic/types.ts';
import { GatewayError, upstreamCodeForStatus } from '../errors.ts';
import type { AnswerInfo, PassthroughAnswer, Provider, ProviderAnswer, ProviderCall } from '../providers/provider.ts';
import { RequestBody } from '../request/request-body.ts';
import { discardBody, readErrorText } from '../upstream/http.ts';
import { withoutPtcBetas } from './detect.ts';

/**
 * One upstream round of an emulated answer: the provider called with the converted body, always
 * as a stream, whatever the client asked (the driver writes one answer from the rounds; the
 * HTTP layer accumulates it for a client that did not ask for a stream). Whatever kind of answer
 * the provider gives (events, an Anthropic SSE passthrough, a Message, a JSON body) becomes
 * typed events here.
 */

export interface OpenedRound {
  readonly events: AsyncIterable<AnthropicStreamEvent>;
  readonly info: AnswerInfo;
}

/** A passthrough failure answer (an upstream status that is the answer): relayed as it is when nothing was written yet. */
export class PassthroughFailure extends Error {
  readonly answer: PassthroughAnswer;

  constructor(answer: PassthroughAnswer) {
    super(`upstream answered ${answer.upstream.status}`);
    this.answer = answer;
  }
}

export async function openRound(provider: Provider, call: ProviderCall, body: Readonly<Record<string, unknown>>): Promise<OpenedRound> {
  const raw = Buffer.from(JSON.stringify({ ...body, stream: true }), 'utf8');
  // A round's body is the gateway's, so the client's own-format request is never forwarded in its place.
  const answer = await provider.call({ ...call, body: new RequestBody(raw, undefined, raw.length), headers: withoutPtcBetas(call.headers), stream: true, inbound: undefined });
  return { events: eventsOf(answer, provider.label ?? provider.name), info: infoOf(answer) };
}

function infoOf(answer: ProviderAnswer): AnswerInfo {
  if (answer.kind === 'passthrough' && answer.upstream.status >= 300) throw new PassthroughFailure(answer);
  return answer.info;
}

function eventsOf(answer: ProviderAnswer, provider: string): AsyncIterable<AnthropicStreamEvent> {
  switch (answer.kind) {
    case 'events':
      return answer.events;
    case 'passthrough':
      return sseEvents(answer, provider);
    case 'message':
      return messageEvents(answer.message);
    case 'json':
      return messageEvents(JSON.parse(typeof answer.body === 'string' ? answer.body : answer.body.toString('utf8')) as Message);
    case 'forwarded':
      // Never: a round's call carries no inbound request (openRound).
      answer.release();
      throw new GatewayError('GW_INTERNAL', `${provider} forwarded a client-format answer to a programmatic tool-calling round.`);
  }
}

async function* sseEvents(answer: PassthroughAnswer, provider: string): AsyncGenerator<AnthropicStreamEvent> {
  const contentType = String(answer.upstream.headers['content-type'] ?? '');
  if (!contentType.includes('text/event-stream')) {
    const text = await readErrorText(answer.upstream);
    yield* messageEvents(JSON.parse(text) as Message);
    return;
  }
  const decoder = new SseDecoder();
  try {
    for await (const chunk of answer.upstream.body) {
      for (const event of decoder.push(chunk as Uint8Array)) yield parsed(event.data, provider);
    }
    for (const event of decoder.end()) yield parsed(event.data, provider);
  } finally {
    discardBody(answer.upstream.body);
  }
}

function parsed(data: string, provider: string): AnthropicStreamEvent {
  const event = JSON.parse(data) as AnthropicStreamEvent;
  if (event.type === 'error') throw fromErrorEvent(data, provider);
  return event;
}

/** A whole Message as the events that make it. */
async function* messageEvents(message: Message): AsyncGenerator<AnthropicStreamEvent> {
  const { content, stop_reason, stop_sequence, usage, ...rest } = message;
  yield { type: 'message_start', message: { ...rest, content: [], stop_reason: null, stop_sequence: null, usage } } as AnthropicStreamEvent;
  for (const [index, block] of content.entries()) {
    const record = block as unknown as Record<string, unknown>;
    if (record.type === 'tool_use') {
      yield { type: 'content_block_start', index, content_block: { ...record, input: {} } } as AnthropicStreamEvent;
      yield { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(record.input ?? {}) } } as AnthropicStreamEvent;
    } else {
      yield { type: 'content_block_start', index, content_block: block } as AnthropicStreamEvent;
    }
    yield { type: 'content_block_stop', index } as AnthropicStreamEvent;
  }
  yield { type: 'message_delta', delta: { stop_reason, stop_sequence }, usage } as unknown as AnthropicStreamEvent;
  yield { type: 'message_stop' } as AnthropicStreamEvent;
}

/** A failure answer met in a later round (something was written already): thrown as the registry's error. */
export function failureOf(error: PassthroughFailure, provider: string): GatewayError {
  discardBody(error.answer.upstream.body);
  return new GatewayError(upstreamCodeForStatus(error.answer.upstream.status), `${provider} answered ${error.answer.upstream.status} to a later round of the code execution.`, { provider });
}
