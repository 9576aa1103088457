import type { AnthropicErrorType, GatewayError } from '../errors.ts';

/**
 * Gateway and upstream errors in OpenAI's shape for /v1/chat/completions:
 * `{"error":{"message","type","param","code"}}`, with the statuses OpenAI uses (an overload is
 * its 503, not Anthropic's 529). The OpenAI SDKs decide retries by status; the type and code
 * words are OpenAI's own.
 */

export interface OpenAIErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string | null };
}

const shapes: Readonly<Record<AnthropicErrorType, { readonly type: string; readonly code: string | null }>> = {
  invalid_request_error: { type: 'invalid_request_error', code: null },
  authentication_error: { type: 'invalid_request_error', code: 'invalid_api_key' },
  billing_error: { type: 'insufficient_quota', code: 'insufficient_quota' },
  permission_error: { type: 'invalid_request_error', code: 'permission_denied' },
  not_found_error: { type: 'invalid_request_error', code: 'not_found' },
  conflict_error: { type: 'invalid_request_error', code: 'conflict' },
  request_too_large: { type: 'invalid_request_error', code: 'request_too_large' },
  rate_limit_error: { type: 'requests', code: 'rate_limit_exceeded' },
  api_error: { type: 'server_error', code: null },
  timeout_error: { type: 'timeout', code: 'timeout' },
  overloaded_error: { type: 'server_error', code: 'overloaded' },
};

/** The body for an Anthropic error type and message (an upstream error event, a relayed error body). */
export function toOpenAIErrorBody(type: string, message: string): OpenAIErrorBody {
  const shape = (shapes as Record<string, { readonly type: string; readonly code: string | null }>)[type] ?? shapes.api_error;
  return { error: { message, type: shape.type, param: null, code: shape.code } };
}

/** The status OpenAI would answer for an Anthropic status. */
export function toOpenAIStatus(status: number): number {
  return status === 529 ? 503 : status;
}

export function fromGatewayErrorToOpenAI(error: GatewayError): { readonly status: number; readonly body: OpenAIErrorBody } {
  const body = toOpenAIErrorBody(error.type, error.message);
  // OpenAI's own words for an unknown model (what `client.models.retrieve()` of one answers).
  if (error.code === 'GW_MODEL_NOT_FOUND') return { status: toOpenAIStatus(error.status), body: { error: { ...body.error, param: 'model', code: 'model_not_found' } } };
  return { status: toOpenAIStatus(error.status), body };
}
