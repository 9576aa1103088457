import { GatewayError, upstreamCodeForType, type AnthropicErrorType } from '../errors.ts';
import { encodeSseEvent } from './sse-encode.ts';

/** Anthropic's error body: `{"type":"error","error":{"type","message"},"request_id"}`. */
export interface ErrorEnvelope {
  readonly type: 'error';
  readonly error: {
    readonly type: AnthropicErrorType;
    readonly message: string;
    readonly details?: { readonly error_code: string };
  };
  readonly request_id: string | null;
}

export function toErrorEnvelope(error: GatewayError, requestId: string | null): ErrorEnvelope {
  return {
    type: 'error',
    error: {
      type: error.type,
      message: error.message,
      ...(error.detailsCode === undefined ? {} : { details: { error_code: error.detailsCode } }),
    },
    request_id: requestId,
  };
}

/** One SSE `error` event, the form a failure takes after the response was committed. */
export function toErrorEvent(error: GatewayError, requestId: string | null): string {
  return encodeSseEvent(toErrorEnvelope(error, requestId));
}

/** What an upstream's Anthropic-shaped error says: `error.type` and `error.message`, when readable. */
export interface UpstreamErrorBody {
  readonly type?: string;
  readonly message?: string;
}

/**
 * Reads an Anthropic error body or `error` event data (`{"type":"error","error":{"type","message"}}`).
 * Upstream JSON is untrusted: anything else (HTML from a proxy, a cut body) reads as `{}`. The
 * one parser of Anthropic error JSON, for every provider that speaks it.
 */
export function readErrorBody(text: string): UpstreamErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const error = typeof parsed === 'object' && parsed !== null ? (parsed as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return {};
  const { type, message } = error as { type?: unknown; message?: unknown };
  return { ...(typeof type === 'string' ? { type } : {}), ...(typeof message === 'string' ? { message } : {}) };
}

/**
 * An upstream's Anthropic `error` event (its data) as the gateway error of its type; an unknown
 * or unreadable type is `api_error` (GW_UPSTREAM_ERROR).
 */
export function fromErrorEvent(data: string, provider: string, options: { readonly firstEventError?: boolean; readonly defaultMessage?: string } = {}): GatewayError {
  const error = readErrorBody(data);
  return new GatewayError(upstreamCodeForType(error.type) ?? 'GW_UPSTREAM_ERROR', error.message ?? options.defaultMessage ?? `${provider} sent an error event.`, {
    provider,
    ...(options.firstEventError === true ? { firstEventError: true } : {}),
  });
}
