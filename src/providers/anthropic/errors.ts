import { readErrorBody } from '../../anthropic/error-envelope.ts';
import { GatewayError, upstreamErrorCode } from '../../errors.ts';

/**
 * Anthropic's failed answers -> gateway errors, as the registry's one status table reads them
 * (src/errors.ts): the status decides the code and so whether routing moves on; the body's
 * `error.type` names it more precisely and its `error.message` is kept. The answer itself is
 * relayed unchanged when it is the client's; this error stands for it when routing moves on.
 */

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export interface AnthropicErrorOptions {
  /** How long the answer asks to wait (routing reads it from the headers with its clock). */
  readonly retryAfterMs?: number | undefined;
}

/** A failed Anthropic answer (status >= 400); `body` is its text, when it was read. */
export function fromAnthropicError(status: number, headers: Headers, body?: string, options: AnthropicErrorOptions = {}): GatewayError {
  const error = body === undefined ? {} : readErrorBody(body);
  const requestId = headers['request-id'];
  return new GatewayError(upstreamErrorCode(status, error.type), error.message ?? `Anthropic answered ${status}.`, {
    provider: 'anthropic',
    ...(typeof requestId === 'string' ? { upstreamRequestId: requestId } : {}),
    ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
  });
}
