import { GatewayError, isGatewayError } from '../../errors.ts';
import { estimateInputTokens } from '../../request/estimate-tokens.ts';
import { withModelSpliced } from '../../request/splice-model.ts';
import { discardBody, fromStreamTransportError, readErrorText, type RawUpstreamResponse } from '../../upstream/http.ts';
import type { OpenAICompatibleTarget } from '../../config/targets.ts';
import type { AnswerInfo, ForwardedAnswer, InboundRequest, ProviderCall } from '../provider.ts';
import { ForwardedChatMeter } from './chat-meter.ts';
import { fromOpenAIError, fromOpenAIStreamError } from './errors.ts';
import type { OpenAICompatibleTransport } from './index.ts';
import { protocolError } from './values.ts';

/**
 * A Chat Completions request to an OpenAI-compatible provider, forwarded byte for byte (ADR
 * 0009): the client's body goes out as it came, but for the `model` value when the route names
 * another model (spliced in place, every other byte kept); the answer's bytes come back
 * unchanged, JSON or SSE, read as they pass for their usage (chat-meter.ts). Failures before the
 * answer are thrown like a translated call's (fromOpenAIError: routing cools and moves on), and a
 * stream is held to its first data chunk, so an error chunk first, or a stream that ends or
 * breaks before any chunk, moves on too. After that the bytes are the client's answer.
 */

export interface ForwardRouting {
  readonly now: () => number;
  readonly warn?: (fields: Record<string, unknown>, message: string) => void;
}

/** A non-streaming answer is read whole, up to this; held stream bytes before the first chunk, up to this. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
const MAX_HELD_BYTES = 1024 * 1024;

export const usageEstimatedHeader = 'x-gateway-usage-estimated';

export async function forwardChatCompletions(transport: OpenAICompatibleTransport, routing: ForwardRouting, call: ProviderCall<OpenAICompatibleTarget>, inbound: InboundRequest): Promise<ForwardedAnswer> {
  const provider = transport.name;
  const model = call.target.model;
  const body = model === inbound.model ? inbound.body : withModelSpliced(inbound.body, model);
  if (body === undefined) throw new GatewayError('GW_MODEL_MISSING', 'model: the request body has no top-level model to route.');
  const upstream = await transport.chatCompletions(body, call.stream, call.signal);
  const requestId = upstream.headers['x-request-id'];
  const upstreamRequestId = typeof requestId === 'string' ? requestId : undefined;
  if (upstream.status >= 400 || upstream.status < 200) {
    throw fromOpenAIError(upstream.status, upstream.headers, await readErrorText(upstream), { provider, nowMs: routing.now() });
  }
  const contentType = upstream.headers['content-type'];
  const headers: Record<string, string> = typeof contentType === 'string' ? { 'content-type': contentType } : {};
  if (upstreamRequestId !== undefined) headers['x-gateway-upstream-request-id'] = upstreamRequestId;
  const meter = new ForwardedChatMeter(provider, estimateInputTokens((await call.body.json()).object));
  const warnEstimated = () => {
    if (meter.usage(true)?.estimated === true) routing.warn?.({ request_id: call.requestId, provider, model }, "the provider reported no usage (the client did not ask for include_usage): the usage is the gateway's estimate");
  };
  const info = (extra: Record<string, string> = {}): AnswerInfo => ({ headers: { ...headers, ...extra }, ...(upstreamRequestId === undefined ? {} : { upstreamRequestId }) });
  if (!call.stream) {
    const bytes = await readWhole(upstream, provider);
    try {
      meter.whole(JSON.parse(bytes.toString('utf8')) as unknown);
    } catch {
      throw protocolError(provider, 'an answer that is not JSON.');
    }
    const estimated = meter.usage(true)?.estimated === true;
    if (estimated) warnEstimated();
    return { kind: 'forwarded', format: 'chat_completions', body: once(bytes), sse: false, usage: () => meter.usage(true), isLast: () => true, release: () => undefined, info: info(estimated ? { [usageEstimatedHeader]: 'true' } : {}) };
  }
  const iterator = (upstream.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const held = await holdToFirstChunk(iterator, meter, upstream, provider);
  return {
    kind: 'forwarded',
    format: 'chat_completions',
    body: relayed(held, iterator, meter, upstream, provider, warnEstimated),
    sse: true,
    usage: () => meter.usage(true),
    isLast: () => meter.done,
    release: () => discardBody(upstream.body),
    info: info(),
  };
}

/** Reads the stream up to its first data chunk; an error chunk or an end before it is thrown (routing may move on). */
async function holdToFirstChunk(iterator: AsyncIterator<Buffer>, meter: ForwardedChatMeter, upstream: RawUpstreamResponse, provider: string): Promise<Buffer[]> {
  const held: Buffer[] = [];
  let size = 0;
  while (meter.firstItem === undefined && size <= MAX_HELD_BYTES) {
    let next: IteratorResult<Buffer>;
    try {
      next = await iterator.next();
    } catch (error) {
      discardBody(upstream.body);
      throw isGatewayError(error) ? error : fromStreamTransportError(error, provider);
    }
    if (next.done === true) throw new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `${provider} ended the stream before its first chunk.`, { provider });
    held.push(next.value);
    size += next.value.length;
    meter.push(next.value);
  }
  const first = meter.firstItem;
  if (first?.kind === 'error') {
    discardBody(upstream.body);
    throw fromOpenAIStreamError(first.error, provider);
  }
  return held;
}

/** The held bytes, then the rest, unchanged, each read by the meter before it is handed on. */
async function* relayed(held: readonly Buffer[], iterator: AsyncIterator<Buffer>, meter: ForwardedChatMeter, upstream: RawUpstreamResponse, provider: string, onEnd: () => void): AsyncGenerator<Buffer> {
  let complete = false;
  try {
    yield* held;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      meter.push(next.value);
      yield next.value;
    }
    complete = true;
    onEnd();
  } catch (error) {
    if (isGatewayError(error)) throw error;
    throw fromStreamTransportError(error, provider);
  } finally {
    if (!complete) discardBody(upstream.body);
  }
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/** A successful non-streaming answer's bytes, whole, within MAX_ANSWER_BYTES. */
export async function readWhole(upstream: RawUpstreamResponse, provider: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        discardBody(upstream.body);
        throw new GatewayError('GW_UPSTREAM_PROTOCOL', `${provider} sent an answer larger than ${MAX_ANSWER_BYTES} bytes.`, { provider });
      }
    }
  } catch (error) {
    if (isGatewayError(error)) throw error;
    throw fromStreamTransportError(error, provider);
  }
  return Buffer.concat(chunks);
}
