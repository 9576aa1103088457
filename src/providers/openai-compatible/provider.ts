import type { MessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { isGatewayError } from '../../errors.ts';
import { estimateInputTokens } from '../../request/estimate-tokens.ts';
import { discardBody, fromStreamTransportError, readErrorText, type RawUpstreamResponse } from '../../upstream/http.ts';
import { usageFromMessage } from '../../usage/usage.ts';
import type { OpenAICompatibleTarget } from '../../config/targets.ts';
import type { AnswerInfo, Provider, ProviderAnswer, ProviderCall, TokenCount } from '../provider.ts';
import { fromOpenAIError } from './errors.ts';
import { forwardChatCompletions, readWhole, usageEstimatedHeader } from './forward.ts';
import type { OpenAICompatibleTransport } from './index.ts';
import type { OpenAIModelCapabilities } from '../../config/openai-model-catalog.ts';
import { modelTraits } from './model-traits.ts';
import type { OpenAICompatibleQuirks } from './quirks.ts';
import { toOpenAIRequest } from './request.ts';
import { fromOpenAIResponse, type OpenAIMessageContext } from './response.ts';
import { openAISseToAnthropic } from './sse.ts';
import { OpenAIStreamToAnthropic } from './stream.ts';
import { protocolError } from './values.ts';

/**
 * An OpenAI-compatible endpoint as a routed provider (providers/provider.ts): the client's body,
 * parsed once, converted by toOpenAIRequest with the endpoint's quirks; the answer converted
 * back, as typed events (streams, through the SSE reader and the state machine) or a Message.
 * Failures are fromOpenAIError's registry errors, with the wait from `retry-after` or the
 * `x-ratelimit-reset-*` headers, so routing cools and moves on as for any provider. Fields the
 * conversion dropped are named in `x-gateway-dropped-fields`; a usage the provider did not report
 * is the gateway's estimate, marked `x-gateway-usage-estimated: true` on a non-streaming answer.
 */

export interface OpenAICompatibleRouting {
  readonly quirks: OpenAICompatibleQuirks;
  /** What the model catalog knows a model takes (config/openai-models.ts); absent: the quirks' defaults. */
  readonly capabilities?: (model: string) => Partial<OpenAIModelCapabilities>;
  /** How messages name the provider (`OpenRouter`); its name when absent. */
  readonly label?: string;
  /** Epoch ms, to read reset headers. */
  readonly now: () => number;
  /** Logs a warning (an estimated usage, an unknown finish reason). */
  readonly warn?: (fields: Record<string, unknown>, message: string) => void;
}

export const droppedFieldsHeader = 'x-gateway-dropped-fields';
export { usageEstimatedHeader };

export function createOpenAICompatibleProvider(transport: OpenAICompatibleTransport, routing: OpenAICompatibleRouting): Provider<OpenAICompatibleTarget> {
  return {
    name: transport.name,
    label: routing.label ?? transport.name,
    anthropicWire: false,
    call: (call) => callOpenAI(transport, routing, call),
    countTokens: (call) => countTokens(call),
    close: () => transport.close(),
  };
}

/** Input tokens, estimated: Chat Completions has no counting endpoint. */
async function countTokens(call: ProviderCall<OpenAICompatibleTarget>): Promise<TokenCount> {
  return { inputTokens: estimateInputTokens((await call.body.json()).object), estimated: true };
}

async function callOpenAI(transport: OpenAICompatibleTransport, routing: OpenAICompatibleRouting, call: ProviderCall<OpenAICompatibleTarget>): Promise<ProviderAnswer> {
  // A Chat Completions client: its own request goes out byte for byte, its answer comes back so (ADR 0009).
  if (call.inbound?.format === 'chat_completions' && call.operation === 'messages') return forwardChatCompletions(transport, routing, call, call.inbound);
  const provider = transport.name;
  const { object } = await call.body.json();
  const model = call.target.model;
  const traits = modelTraits(routing.quirks, routing.capabilities?.(model));
  const converted = toOpenAIRequest({ ...object, stream: call.stream }, { provider, quirks: routing.quirks, model, traits });
  const upstream = await transport.chatCompletions(JSON.stringify(converted.body), call.stream, call.signal);
  const requestId = upstream.headers['x-request-id'];
  const upstreamRequestId = typeof requestId === 'string' ? requestId : undefined;
  if (upstream.status >= 400 || upstream.status < 200) {
    const text = await readErrorText(upstream);
    throw fromOpenAIError(upstream.status, upstream.headers, text, { provider, nowMs: routing.now() });
  }
  const headers: Record<string, string> = converted.removed.length === 0 ? {} : { [droppedFieldsHeader]: droppedFieldsValue(converted.removed) };
  if (upstreamRequestId !== undefined) headers['x-gateway-upstream-request-id'] = upstreamRequestId;
  const info: AnswerInfo = { headers, removed: converted.removed, ...(upstreamRequestId === undefined ? {} : { upstreamRequestId }) };
  const stopSequences = Array.isArray(object.stop_sequences) ? object.stop_sequences.filter((value): value is string => typeof value === 'string') : undefined;
  const context: OpenAIMessageContext = {
    provider,
    model: call.requestedModel,
    id: call.messageId,
    inputTokensEstimate: estimateInputTokens(object),
    ...(stopSequences === undefined ? {} : { stopSequences }),
  };
  if (call.stream) {
    const machine = new OpenAIStreamToAnthropic(context);
    return { kind: 'events', events: eventsOf(upstream, machine, provider, () => warnEstimated(routing, call, machine.usageEstimated)), info };
  }
  const result = fromOpenAIResponse(await readAnswer(upstream, provider), context);
  warnEstimated(routing, call, result.usageEstimated);
  const usage = usageFromMessage(result.message);
  return {
    kind: 'message',
    message: result.message,
    ...(usage === undefined ? {} : { usage }),
    info: result.usageEstimated ? { ...info, headers: { ...headers, [usageEstimatedHeader]: 'true' } } : info,
  };
}

/** The header's longest value: past it the list ends with how many more (the log line has them all). */
const MAX_DROPPED_HEADER_CHARS = 1024;

export function droppedFieldsValue(removed: readonly string[]): string {
  let value = '';
  for (const [index, field] of removed.entries()) {
    const next = value === '' ? field : `${value}, ${field}`;
    if (next.length > MAX_DROPPED_HEADER_CHARS) return `${value}, ... (${removed.length - index} more)`;
    value = next;
  }
  return value;
}

function warnEstimated(routing: OpenAICompatibleRouting, call: ProviderCall<OpenAICompatibleTarget>, estimated: boolean): void {
  if (estimated) routing.warn?.({ request_id: call.requestId, provider: call.target.provider, model: call.target.model }, 'the provider reported no usage: the usage is the gateway\'s estimate');
}

/**
 * The upstream's SSE body as typed Anthropic events. A transport failure mid-stream is a broken
 * stream (GW_UPSTREAM_STREAM_BROKEN), an error chunk the state machine's error; the body is
 * released however the iteration ends (a consumer that stops early, an error).
 */
async function* eventsOf(upstream: RawUpstreamResponse, machine: OpenAIStreamToAnthropic, provider: string, onEnd: () => void): AsyncGenerator<MessageStreamEvent> {
  let complete = false;
  try {
    yield* openAISseToAnthropic(upstream.body as AsyncIterable<Uint8Array>, machine, provider);
    complete = true;
    onEnd();
  } catch (error) {
    if (isGatewayError(error)) throw error;
    throw fromStreamTransportError(error, provider);
  } finally {
    if (!complete) discardBody(upstream.body);
  }
}

/** A successful non-streaming answer, parsed. */
async function readAnswer(upstream: RawUpstreamResponse, provider: string): Promise<unknown> {
  const bytes = await readWhole(upstream, provider);
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw protocolError(provider, 'an answer that is not JSON.');
  }
}
