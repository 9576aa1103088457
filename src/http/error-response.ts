import { STATUS_CODES, type ServerResponse } from 'node:http';
import { toErrorEnvelope } from '../anthropic/error-envelope.ts';
import type { GatewayError } from '../errors.ts';
import { fromGatewayErrorToOpenAI } from '../openai/errors.ts';

/** The reason phrase of a status line: Node's, and Anthropic's `Overloaded` for 529 (Node knows no 529). */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? (status === 529 ? 'Overloaded' : '');
}

/**
 * The status, headers and body of a gateway-made error, in Anthropic's shape, or in OpenAI's
 * (`{"error":{message,type,param,code}}`, an overload as 503) for a caller of /v1/chat/completions.
 */
export function errorResponseParts(error: GatewayError, requestId: string, dialect?: 'openai'): { status: number; headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'request-id': requestId,
    'x-gateway-request-id': requestId,
  };
  if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  // The registry's word on retrying, as Anthropic says it: the SDKs obey this header before their
  // status rules, so a 500 an operator must fix is not retried and a 400 never is.
  headers['x-should-retry'] = String(error.retryable);
  if (error.code === 'GW_SHUTTING_DOWN') headers.connection = 'close';
  if (dialect === 'openai') {
    const { status, body } = fromGatewayErrorToOpenAI(error);
    return { status, headers, body: JSON.stringify(body) };
  }
  return { status: error.status, headers, body: JSON.stringify(toErrorEnvelope(error, requestId)) };
}

/** Writes a gateway error on a raw response (after `reply.hijack()`); a no-op once headers are out. */
export function writeErrorResponse(response: ServerResponse, error: GatewayError, requestId: string, dialect?: 'openai'): void {
  if (response.headersSent || response.destroyed) return;
  const parts = errorResponseParts(error, requestId, dialect);
  // The reason phrase is named: a status line must never keep one from an earlier attempt ("500 OK").
  response.writeHead(parts.status, reasonPhrase(parts.status), { ...parts.headers, 'content-length': String(Buffer.byteLength(parts.body)) });
  response.end(parts.body);
}
