import { GatewayError, upstreamCodeForStatus, type GatewayErrorCode } from '../../errors.ts';
import { openAIRetryAfterMs } from './rate-limit.ts';
import { isRecord } from './values.ts';

/**
 * OpenAI-compatible failures -> gateway errors, through the registry's one status table
 * (src/errors.ts), so routing moves on for them as for Anthropic's. Two things are this family's
 * own, because the gateway always calls them with its own key: a 401 is the gateway's key, and a
 * 402 (OpenRouter credits spent) or OpenAI's `insufficient_quota` 429 is the gateway's account
 * out of money (GW_UPSTREAM_CREDITS_EXHAUSTED). Neither is the client's doing: routing moves on
 * and cools the target, and the client, if it is the last word, gets a 500 saying the gateway's
 * operator must act, without the provider's words (they are about the gateway's account). The
 * wait comes from `retry-after` or the reset headers (rate-limit.ts). A mid-stream `{"error":…}`
 * chunk maps by its numeric `code` (OpenRouter) or its `type`/`code` words.
 */

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export interface OpenAIErrorOptions {
  readonly provider: string;
  /** The clock's now (epoch ms), to read reset times. */
  readonly nowMs: number;
}

const errorWords: ReadonlyMap<string, GatewayErrorCode> = new Map<string, GatewayErrorCode>([
  ['rate_limit_exceeded', 'GW_UPSTREAM_RATE_LIMITED'],
  ['rate_limit_error', 'GW_UPSTREAM_RATE_LIMITED'],
  ['insufficient_quota', 'GW_UPSTREAM_CREDITS_EXHAUSTED'],
  ['requests', 'GW_UPSTREAM_RATE_LIMITED'],
  ['tokens', 'GW_UPSTREAM_RATE_LIMITED'],
  ['overloaded', 'GW_UPSTREAM_OVERLOADED'],
  ['overloaded_error', 'GW_UPSTREAM_OVERLOADED'],
  ['service_unavailable', 'GW_UPSTREAM_OVERLOADED'],
  ['server_error', 'GW_UPSTREAM_ERROR'],
  ['internal_error', 'GW_UPSTREAM_ERROR'],
  ['api_error', 'GW_UPSTREAM_ERROR'],
  ['timeout', 'GW_UPSTREAM_TIMEOUT'],
  ['invalid_request_error', 'GW_UPSTREAM_INVALID_REQUEST'],
  ['context_length_exceeded', 'GW_UPSTREAM_INVALID_REQUEST'],
]);

function codeForStatus(status: number): GatewayErrorCode {
  if (status === 401) return 'GW_UPSTREAM_CREDENTIALS';
  if (status === 402) return 'GW_UPSTREAM_CREDITS_EXHAUSTED';
  return upstreamCodeForStatus(status);
}

/** The gateway's own account's failures are told in the gateway's words (the provider's are about its account). */
function accountMessage(code: GatewayErrorCode, provider: string): string | undefined {
  if (code === 'GW_UPSTREAM_CREDENTIALS') return `The gateway could not authenticate to ${provider}.`;
  if (code === 'GW_UPSTREAM_CREDITS_EXHAUSTED') return `The gateway's ${provider} account has no credits or quota left; the gateway's operator must top it up.`;
  return undefined;
}

/** The `error` member of an OpenAI-shaped body: `{message, type, code, param}`, or a bare string. */
function readError(body: string | undefined): Record<string, unknown> {
  if (body === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (!isRecord(parsed)) return {};
    if (isRecord(parsed.error)) return parsed.error;
    if (typeof parsed.error === 'string') return { message: parsed.error };
    return typeof parsed.message === 'string' ? { message: parsed.message } : {};
  } catch {
    return {};
  }
}

/** A failed answer (status >= 400); `body` is its text, when it was read. */
export function fromOpenAIError(status: number, headers: Headers, body: string | undefined, options: OpenAIErrorOptions): GatewayError {
  const error = readError(body);
  // OpenAI says "quota exhausted" with a 429 whose code is `insufficient_quota`: no wait helps.
  const code = status === 429 && (error.code === 'insufficient_quota' || error.type === 'insufficient_quota') ? 'GW_UPSTREAM_CREDITS_EXHAUSTED' : codeForStatus(status);
  const requestId = headers['x-request-id'];
  const retryAfterMs = code === 'GW_UPSTREAM_RATE_LIMITED' || status >= 500 ? openAIRetryAfterMs(headers, options.nowMs, status === 429) : undefined;
  const message = accountMessage(code, options.provider) ?? (typeof error.message === 'string' && error.message !== '' ? error.message : `${options.provider} answered ${status}.`);
  return new GatewayError(code, message, {
    provider: options.provider,
    ...(typeof requestId === 'string' ? { upstreamRequestId: requestId } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** A mid-stream `{"error": …}` chunk's `error` member. */
export function fromOpenAIStreamError(error: unknown, provider: string): GatewayError {
  const record = isRecord(error) ? error : { message: typeof error === 'string' ? error : undefined };
  let code: GatewayErrorCode = 'GW_UPSTREAM_ERROR';
  if (typeof record.code === 'number' && record.code >= 400) code = codeForStatus(record.code);
  else {
    for (const word of [record.code, record.type]) {
      const found = typeof word === 'string' ? errorWords.get(word) : undefined;
      if (found !== undefined) {
        code = found;
        break;
      }
    }
  }
  const message = accountMessage(code, provider) ?? (typeof record.message === 'string' && record.message !== '' ? record.message : `${provider} reported an error in the stream.`);
  return new GatewayError(code, message, { provider });
}
