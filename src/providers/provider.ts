import type { IncomingHttpHeaders } from 'node:http';
import type { Message } from '@anthropic-ai/sdk/resources/messages';
import type { AnthropicStreamEvent } from '../anthropic/types.ts';
import type { RawUpstreamResponse } from '../upstream/http.ts';
import type { TokenUsage } from '../usage/usage.ts';
import type { RequestBody } from '../request/request-body.ts';
import type { GatewayError, Trigger } from '../errors.ts';

/**
 * The Provider contract (docs/providers.md): every upstream is one folder under src/providers/
 * whose index.ts exports an object implementing `Provider`. Routing (src/routing/engine.ts)
 * calls `call()` for each target of a chain and never looks inside a provider; the HTTP layer
 * writes the committed answer. A provider never writes to the client and never decides on
 * fallback: it answers, or throws a classified GatewayError (status, code, trigger via the error
 * registry, `retryAfterMs`, `upstreamRequestId`, `provider`).
 */

/** Where a request goes: a provider by name, its upstream model, and that provider's options. */
export interface ProviderTarget<Name extends string = string, Options = unknown> {
  readonly provider: Name;
  /** The upstream model id to call. */
  readonly model: string;
  /** Provider-specific settings (Bedrock: region, API, service tier, capabilities…). */
  readonly options?: Options;
}

/** The API operation a call stands for. */
export type Operation = 'messages' | 'count_tokens';

export interface ProviderCall<Target extends ProviderTarget = ProviderTarget> {
  readonly target: Target;
  readonly operation: Operation;
  /** The model the client asked for (translated answers carry it as `model`). */
  readonly requestedModel: string;
  /** The client's body: raw bytes for passthrough, parsed once, lazily, for translation. */
  readonly body: RequestBody;
  /** The upstream API path and query (`/v1/messages`, `?beta=true`), any `/user/{id}` prefix removed. */
  readonly path: { readonly path: string; readonly search: string };
  /** The client's headers to send upstream (gateway keys removed; in keys mode the credential too). */
  readonly headers: IncomingHttpHeaders;
  readonly stream: boolean;
  /** Aborted when the client leaves, at shutdown, or when the attempt's time is up. */
  readonly signal: AbortSignal;
  /**
   * The time left for this attempt in ms (the request's deadline minus what was spent): a
   * provider cuts its own timeouts (headers timeout…) to it. The signal fires at it too.
   */
  readonly timeLeftMs: number;
  /** The gateway's request id (log lines) and the id to give a translated message. */
  readonly requestId: string;
  readonly messageId: string;
  /**
   * The client's own request when it spoke another wire format than Anthropic's (`POST
   * /v1/chat/completions`): `body` above is its Messages form; a provider that speaks the
   * client's format forwards this one byte for byte instead (ADR 0009).
   */
  readonly inbound?: InboundRequest | undefined;
}

/** A request as the client sent it, in a wire format other than Anthropic's. */
export interface InboundRequest {
  readonly format: 'chat_completions';
  /** The client's body, decoded from any content-encoding, otherwise as it came. */
  readonly body: Buffer;
  /** The model the client named in it. */
  readonly model: string;
}

/** What the gateway learnt about an answer, for headers, the request log and accounting. */
export interface AnswerInfo {
  /** Response headers the provider adds (`x-gateway-service-tier`, `x-gateway-upstream-request-id`…). */
  readonly headers: Readonly<Record<string, string>>;
  readonly upstreamRequestId?: string;
  /** The Bedrock service tier the answer was served with. */
  readonly serviceTier?: string;
  /** Betas the translation dropped, request fields it removed. */
  readonly droppedBetas?: readonly string[];
  readonly removed?: readonly string[];
}

/**
 * An answer from an upstream that already speaks the Anthropic wire format: relayed byte for
 * byte (status, headers, body). A non-2xx status here is an answer to relay as it is (the
 * provider threw for the statuses routing may act on).
 */
export interface PassthroughAnswer {
  readonly kind: 'passthrough';
  readonly upstream: RawUpstreamResponse;
  readonly info: AnswerInfo;
}

/** A translated stream: typed Anthropic events; failures are thrown GatewayErrors. */
export interface EventsAnswer {
  readonly kind: 'events';
  readonly events: AsyncIterable<AnthropicStreamEvent>;
  readonly info: AnswerInfo;
}

/** A translated non-streaming answer: a typed Message (its usage read once, by the provider). */
export interface MessageAnswer {
  readonly kind: 'message';
  readonly message: Message;
  readonly usage?: TokenUsage;
  readonly info: AnswerInfo;
}

/**
 * A finished JSON body, relayed as it is: an Anthropic-format body an upstream returned whole
 * (Bedrock InvokeModel), or a `/v1/messages/count_tokens` answer from a provider that counts.
 */
export interface JsonAnswer {
  readonly kind: 'json';
  readonly body: string | Buffer;
  readonly usage?: TokenUsage;
  readonly info: AnswerInfo;
}

/**
 * An answer already in the client's own wire format (a Chat Completions client served by an
 * OpenAI-compatible upstream): the upstream's bytes, relayed unchanged. The provider has held
 * it to its first content (a failure before it was thrown) and reads the bytes as they pass
 * for their usage.
 */
export interface ForwardedAnswer {
  readonly kind: 'forwarded';
  readonly format: 'chat_completions';
  /** The upstream's bytes: a JSON body, or an SSE stream (`sse`). A transport failure is thrown as a GatewayError. */
  readonly body: AsyncIterable<Buffer>;
  readonly sse: boolean;
  /** What the bytes read so far reported (or, at the end, the gateway's estimate when they reported nothing). */
  usage(): ForwardedUsage | undefined;
  /** Whether `chunk`, just read from `body`, ends the answer (`data: [DONE]`): accounting runs before it is written. */
  isLast(chunk: Buffer): boolean;
  /** Frees the upstream body when nobody will read it to its end. */
  release(): void;
  readonly info: AnswerInfo;
}

export interface ForwardedUsage {
  readonly usage: TokenUsage;
  /** The upstream reported none: the gateway estimated it. */
  readonly estimated: boolean;
}

export type ProviderAnswer = PassthroughAnswer | EventsAnswer | MessageAnswer | JsonAnswer | ForwardedAnswer;

/**
 * Thrown by a provider whose upstream answered with a failure routing may act on (a 429, a 5xx,
 * a retired model's 404) when the provider itself decides the trigger, keeping the upstream's
 * answer: if this failure is the client's final answer, that answer is relayed byte for byte
 * instead of the gateway's envelope. Any other failure is thrown as a plain GatewayError (its
 * trigger comes from the error registry).
 */
export class UpstreamFailure extends Error {
  readonly error: GatewayError;
  readonly trigger: Trigger;
  /** The upstream's own answer (body already read, replayable), when there is one to relay. */
  readonly answer: PassthroughAnswer | undefined;

  constructor(error: GatewayError, trigger: Trigger, answer?: PassthroughAnswer) {
    super(error.message);
    this.name = 'UpstreamFailure';
    this.error = error;
    this.trigger = trigger;
    this.answer = answer;
  }
}

/** Input tokens for a count_tokens request; `estimated` when the provider could not count. */
export interface TokenCount {
  readonly inputTokens: number;
  readonly estimated: boolean;
}

export interface Provider<Target extends ProviderTarget = ProviderTarget> {
  /** The name targets use (`anthropic`, `bedrock`). */
  readonly name: Target['provider'];
  /** The name in messages (`Anthropic`, `Bedrock`); `name` when absent. */
  readonly label?: string;
  /**
   * Whether the upstream speaks the Anthropic wire format: its answers are passthrough, and
   * `/v1/messages/count_tokens` goes through `call()` like any other path.
   */
  readonly anthropicWire: boolean;
  /** One upstream call. Throws a GatewayError for every failure before the answer. */
  call(call: ProviderCall<Target>): Promise<ProviderAnswer>;
  /** Optional: a count_tokens request, for providers that do not speak the Anthropic wire. */
  countTokens?(call: ProviderCall<Target>): Promise<TokenCount>;
  /**
   * Optional: the exact input tokens of a Messages body (parsed) on `target`, for a budget
   * reservation (accounting); undefined when this target cannot count. Throws when counting fails.
   */
  countInput?(target: Target, body: Readonly<Record<string, unknown>>, headers: IncomingHttpHeaders, signal: AbortSignal): Promise<number | undefined>;
  /**
   * Optional, for providers that call with a credential from the client's headers (or their
   * own in its place): the credential that would go upstream for `headers`, undefined when
   * there is none (the provider cannot call). Per-credential cooldowns key on it.
   */
  credentialFor?(headers: IncomingHttpHeaders): string | undefined;
  /**
   * Optional: request features the upstream runs natively (`web_search`, `code_execution`,
   * programmatic tool calling…). A request using one the target lacks is refused with a 400
   * naming it (or routed elsewhere), never silently dropped.
   */
  readonly nativeFeatures?: ReadonlySet<string>;
  close(): Promise<void>;
}

/**
 * Legacy: what a provider handed back before the contract (kept until Bedrock's `messages()` is
 * folded into `call()`).
 */
export type ProviderResponse =
  | { readonly kind: 'raw'; readonly upstream: RawUpstreamResponse; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'json'; readonly body: string | Buffer; readonly headers: Readonly<Record<string, string>>; /** When the provider already has it (no second parse). */ readonly usage?: TokenUsage }
  | { readonly kind: 'events'; readonly events: AsyncIterable<AnthropicStreamEvent>; readonly headers: Readonly<Record<string, string>> };
