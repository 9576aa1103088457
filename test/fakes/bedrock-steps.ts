import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { accumulate } from '../../src/anthropic/accumulate.ts';
import type { Message, MessageStreamEvent } from '../../src/anthropic/types.ts';
import { loadConverseResponse, loadConverseStream } from '../fixtures/bedrock/converse.ts';
import { loadScenario, type SseItem } from './anthropic.ts';

/**
 * What the fake Bedrock (./bedrock.ts) records and the steps it plays, with builders that turn
 * the fixture scenarios into Bedrock answers: InvokeModel (an Anthropic Message, or chunk frames
 * without `ping` and with `amazon-bedrock-invocationMetrics` on `message_stop`), Converse and
 * ConverseStream (test/fixtures/bedrock/converse), and the native `/anthropic/v1/messages`.
 */

export type BedrockOperation = 'invoke' | 'invoke-with-response-stream' | 'converse' | 'converse-stream' | 'count-tokens' | 'messages' | 'unknown';

export interface RecordedBedrockRequest {
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly operation: BedrockOperation;
  /** Decoded from the path (`…-v1:0`), or the body's `model` on /anthropic/v1/messages. */
  readonly modelId: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** Header name/value pairs exactly as received. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** The parsed body, or undefined when it is not JSON. */
  readonly json: unknown;
  /** `bearer` is a Bedrock API key (`Authorization: Bearer`, or `x-api-key` on /anthropic/v1/messages). */
  readonly auth: 'sigv4' | 'bearer' | 'none';
  readonly signatureValid: boolean;
  /** Why authentication failed (the message sent back), when it did. */
  readonly authError: string | undefined;
  /** The requested service tier: the X-Amzn-Bedrock-Service-Tier header, or Converse's `serviceTier.type`. */
  readonly serviceTier: string | undefined;
  /** The x-amzn-RequestId the fake answers with (unless a step sets its own). */
  readonly requestId: string;
  /** Set when the client closed the connection before the response finished. */
  aborted: boolean;
  /** Resolves when the response ends or the client goes away. */
  readonly settled: Promise<void>;
}

export type EventStreamItem =
  /** Bytes written as they are: a frame from ./event-stream.ts, or a deliberately broken one. */
  | { readonly frame: Buffer }
  | { readonly delayMs: number }
  /** An InvokeModelWithResponseStream `chunk` frame carrying this Anthropic event. */
  | { readonly anthropic: object }
  /** A ConverseStream event frame (`messageStart`, `contentBlockDelta`…); `p` padding is added. */
  | { readonly converse: string; readonly payload: object }
  /** An exception frame (`throttlingException`, `modelStreamErrorException`…). */
  | { readonly exception: string; readonly payload: object };

export type StreamEnd = 'end' | 'close' | 'reset' | 'hang';

export type BedrockStep =
  | { readonly kind: 'json'; readonly status?: number; readonly headers?: Record<string, string>; readonly body: unknown; readonly delayMs?: number }
  /** A REST error as Bedrock sends it: x-amzn-ErrorType, `{"message"}` (plus `fields`), status from the model's table by default. */
  | {
      readonly kind: 'exception';
      readonly name: string;
      readonly message: string;
      readonly status?: number;
      readonly headers?: Record<string, string>;
      readonly fields?: Record<string, unknown>;
      readonly delayMs?: number;
    }
  | {
      readonly kind: 'event-stream';
      readonly items: readonly EventStreamItem[];
      /** Whole frames per write (default), one byte per write, or fixed-size writes that straddle frames. */
      readonly chunking?: 'frame' | 'byte' | number;
      /** After the items: end (default), FIN without the chunked terminator, RST, or hang. */
      readonly then?: StreamEnd;
      readonly headersDelayMs?: number;
      readonly status?: number;
      readonly headers?: Record<string, string>;
    }
  /** Anthropic SSE, for /anthropic/v1/messages. */
  | {
      readonly kind: 'sse';
      readonly items: readonly SseItem[];
      readonly chunking?: 'event' | 'byte' | number;
      readonly then?: StreamEnd;
      readonly headersDelayMs?: number;
      readonly status?: number;
      readonly headers?: Record<string, string>;
    }
  /** Reset the connection without answering. */
  | { readonly kind: 'reset' }
  /** Never answer. */
  | { readonly kind: 'hang' }
  | { readonly kind: 'custom'; readonly handle: (request: RecordedBedrockRequest, response: ServerResponse) => void };

export type BedrockResponder = (request: RecordedBedrockRequest) => BedrockStep;

/** HTTP statuses of the Bedrock runtime exceptions (protocols.md §3.6, §4.4). */
export const exceptionStatus: Readonly<Record<string, number>> = {
  AccessDeniedException: 403,
  ConflictException: 400,
  InternalServerException: 500,
  ModelErrorException: 424,
  ModelNotReadyException: 429,
  ModelStreamErrorException: 424,
  ModelTimeoutException: 408,
  ResourceNotFoundException: 404,
  ServiceQuotaExceededException: 400,
  ServiceUnavailableException: 503,
  ThrottlingException: 429,
  ValidationException: 400,
};

export function bedrockException(name: string, message: string, fields?: Record<string, unknown>): BedrockStep {
  return { kind: 'exception', name, message, status: exceptionStatus[name] ?? 400, ...(fields === undefined ? {} : { fields }) };
}

/**
 * The Anthropic model name Bedrock puts in `model` for an InvokeModel id:
 * `us.anthropic.claude-haiku-4-5-20251001-v1:0` -> `claude-haiku-4-5-20251001`. An ARN keeps its
 * last path segment; ids of other vendors are returned as they are.
 */
export function anthropicModelName(modelId: string | undefined): string {
  if (modelId === undefined) return 'claude-unknown';
  const lastSegment = modelId.startsWith('arn:') ? (modelId.split('/').at(-1) as string) : modelId;
  const match = /^(?:[a-z]{2,6}\.)?anthropic\.(.+?)(?:-v\d+(?::\d+)?)?$/.exec(lastSegment);
  return match === null ? lastSegment : (match[1] as string);
}

export interface InvokeScenarioOptions {
  readonly stream?: boolean;
  /** The `model` in the answer; default `claude-haiku-4-5-20251001`. */
  readonly model?: string;
  /** Default: `msg_bdrk_` + the fixture id without its `msg_` prefix. */
  readonly id?: string;
  readonly chunking?: 'frame' | 'byte' | number;
  readonly then?: StreamEnd;
  readonly headers?: Record<string, string>;
}

const INVOCATION_LATENCY_MS = 512;
const FIRST_BYTE_LATENCY_MS = 128;

function scenarioEvents(name: string, model: string, id: string | undefined): MessageStreamEvent[] {
  return loadScenario(name, model).map((event) => {
    if (event.type !== 'message_start') return event;
    return { ...event, message: { ...event.message, id: id ?? event.message.id.replace(/^msg_/, 'msg_bdrk_') } };
  });
}

function tokenCounts(message: Message) {
  const usage = message.usage as unknown as Record<string, number | null | undefined>;
  return {
    input: usage.input_tokens ?? 0,
    output: usage.output_tokens ?? 0,
    cacheRead: usage.cache_read_input_tokens ?? 0,
    cacheWrite: usage.cache_creation_input_tokens ?? 0,
  };
}

/** An Anthropic fixture scenario as InvokeModel answers it, or as InvokeModelWithResponseStream chunk frames. */
export function invokeScenario(name: string, options: InvokeScenarioOptions = {}): BedrockStep {
  const events = scenarioEvents(name, options.model ?? 'claude-haiku-4-5-20251001', options.id);
  const counts = tokenCounts(accumulate(events));
  if (options.stream !== true) {
    const headers = {
      'X-Amzn-Bedrock-Input-Token-Count': String(counts.input),
      'X-Amzn-Bedrock-Output-Token-Count': String(counts.output),
      'X-Amzn-Bedrock-Cache-Read-Input-Token-Count': String(counts.cacheRead),
      'X-Amzn-Bedrock-Cache-Write-Input-Token-Count': String(counts.cacheWrite),
      'X-Amzn-Bedrock-Invocation-Latency': String(INVOCATION_LATENCY_MS),
    };
    return { kind: 'json', headers: { ...headers, ...options.headers }, body: accumulate(events) };
  }
  const metrics = {
    inputTokenCount: counts.input,
    outputTokenCount: counts.output,
    invocationLatency: INVOCATION_LATENCY_MS,
    firstByteLatency: FIRST_BYTE_LATENCY_MS,
    cacheReadInputTokenCount: counts.cacheRead,
    cacheWriteInputTokenCount: counts.cacheWrite,
  };
  const items = events
    .filter((event) => (event as { type: string }).type !== 'ping')
    .map((event) => ({ anthropic: event.type === 'message_stop' ? { ...event, 'amazon-bedrock-invocationMetrics': metrics } : event }));
  return { kind: 'event-stream', items, ...streamOptions(options) };
}

function streamOptions(options: { chunking?: 'frame' | 'byte' | number; then?: StreamEnd; headers?: Record<string, string> }) {
  return {
    ...(options.chunking === undefined ? {} : { chunking: options.chunking }),
    ...(options.then === undefined ? {} : { then: options.then }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  };
}

export interface ConverseScenarioOptions {
  /** Echoed as `serviceTier: {type}` in the response or the `metadata` event; absent leaves the fixture as is. */
  readonly serviceTier?: string;
  readonly chunking?: 'frame' | 'byte' | number;
  readonly then?: StreamEnd;
  readonly headers?: Record<string, string>;
}

/** A Converse fixture scenario: the stream lines as frames, or `<name>.response.json`. */
export function converseScenario(name: string, stream: boolean, options: ConverseScenarioOptions = {}): BedrockStep {
  const tier = options.serviceTier === undefined ? {} : { serviceTier: { type: options.serviceTier } };
  if (!stream) return { kind: 'json', body: { ...loadConverseResponse(name), ...tier }, ...(options.headers === undefined ? {} : { headers: options.headers }) };
  const items = loadConverseStream(name).map((line): EventStreamItem => {
    if (line.exception) return { exception: line.type, payload: line.payload };
    return { converse: line.type, payload: line.type === 'metadata' ? { ...line.payload, ...tier } : line.payload };
  });
  return { kind: 'event-stream', items, ...streamOptions(options) };
}

/** An Anthropic fixture scenario on /anthropic/v1/messages: plain SSE (ping kept) or the accumulated Message. */
export function messagesScenario(name: string, stream: boolean, model: string, id?: string): BedrockStep {
  const events = scenarioEvents(name, model, id);
  if (stream) return { kind: 'sse', items: events.map((event) => ({ event })) };
  return { kind: 'json', body: accumulate(events) };
}

/** `{"inputTokens": N}`, N = ceil(bytes of the Anthropic body or the Converse JSON / 4); undefined if the input is malformed. */
export function countTokensOf(json: unknown): number | undefined {
  const input = (json as { input?: { invokeModel?: { body?: unknown }; converse?: unknown } } | null)?.input;
  if (typeof input?.invokeModel?.body === 'string') return Math.max(1, Math.ceil(Buffer.from(input.invokeModel.body, 'base64').length / 4));
  if (typeof input?.converse === 'object' && input.converse !== null) return Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(input.converse)) / 4));
  return undefined;
}

/** The answer for `scenario` shaped for the request's operation (the default responder uses `text`). */
export function scenarioFor(request: RecordedBedrockRequest, scenario: string): BedrockStep {
  const model = anthropicModelName(request.modelId);
  switch (request.operation) {
    case 'invoke':
      return invokeScenario(scenario, { model });
    case 'invoke-with-response-stream':
      return invokeScenario(scenario, { model, stream: true });
    case 'converse':
    case 'converse-stream':
      return converseScenario(scenario, request.operation === 'converse-stream', { serviceTier: request.serviceTier ?? 'default' });
    case 'count-tokens':
      return { kind: 'json', body: { inputTokens: countTokensOf(request.json) ?? 1 } };
    case 'messages':
      return messagesScenario(scenario, (request.json as { stream?: unknown }).stream === true, request.modelId ?? 'claude-unknown');
    case 'unknown':
      return { kind: 'exception', name: 'UnknownOperationException', message: 'Unknown operation', status: 404 };
  }
}

export const defaultBedrockResponder: BedrockResponder = (request) => scenarioFor(request, 'text');
