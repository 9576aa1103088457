import type { AnthropicErrorType, GatewayError } from '../errors.ts';
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
