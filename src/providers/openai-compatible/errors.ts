import { GatewayError, upstreamCodeForStatus, type GatewayErrorCode } from '../../errors.ts';
import { openAIRetryAfterMs } from './rate-limit.ts';
import { isRecord } from './values.ts';

/**
 * OpenAI-compatible failures -> gateway errors, through the registry's one status table
 * (src/errors.ts), so routing moves on for them as for Anthropic's. Two things are this family's
 * own: a 401 is always the gateway's provider key (never the client's: the message does not
 * leak the provider's words), and a 402 (OpenRouter credits spent) is the gateway's quota,
 * rate-limited like OpenAI's `insufficient_quota` 429, so routing moves on. The wait comes from
 * `retry-after` or the reset headers (rate-limit.ts). A mid-stream `{"error":…}` chunk maps by its
 * numeric `code` (OpenRouter) or its `type`/`code` words.
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
  ['insufficient_quota', 'GW_UPSTREAM_RATE_LIMITED'],
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
  if (status === 402) return 'GW_UPSTREAM_RATE_LIMITED';
  return upstreamCodeForStatus(status);
}

function credentialsMessage(provider: string): string {
  return `The gateway could not authenticate to ${provider}.`;
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
  const code = codeForStatus(status);
  const requestId = headers['x-request-id'];
  const retryAfterMs = status === 429 || status === 402 || status >= 500 ? openAIRetryAfterMs(headers, options.nowMs, status === 429) : undefined;
  const message = code === 'GW_UPSTREAM_CREDENTIALS' ? credentialsMessage(options.provider) : typeof error.message === 'string' && error.message !== '' ? error.message : `${options.provider} answered ${status}.`;
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
  const message = code === 'GW_UPSTREAM_CREDENTIALS' ? credentialsMessage(provider) : typeof record.message === 'string' && record.message !== '' ? record.message : `${provider} reported an error in the stream.`;
  return new GatewayError(code, message, { provider });
}
