import { GatewayError, type GatewayErrorCode } from '../../errors.ts';

/**
 * Bedrock exceptions -> Anthropic errors (shared/spec/protocols.md §3.6), as data. Names are
 * matched case-insensitively, so the REST form (`ThrottlingException`, from `x-amzn-ErrorType`
 * or `__type`) and the event-stream form (`throttlingException`) share one row.
 */
const bedrockExceptions: ReadonlyMap<string, GatewayErrorCode> = new Map<string, GatewayErrorCode>([
  ['throttlingexception', 'GW_UPSTREAM_RATE_LIMITED'],
  ['servicequotaexceededexception', 'GW_UPSTREAM_RATE_LIMITED'],
  ['toomanyrequestsexception', 'GW_UPSTREAM_RATE_LIMITED'],
  ['modelnotreadyexception', 'GW_UPSTREAM_OVERLOADED'],
  ['serviceunavailableexception', 'GW_UPSTREAM_OVERLOADED'],
  ['internalserverexception', 'GW_UPSTREAM_ERROR'],
  ['modelerrorexception', 'GW_UPSTREAM_ERROR'],
  ['modelstreamerrorexception', 'GW_UPSTREAM_ERROR'],
  ['modeltimeoutexception', 'GW_UPSTREAM_TIMEOUT'],
  ['validationexception', 'GW_UPSTREAM_INVALID_REQUEST'],
  ['conflictexception', 'GW_UPSTREAM_INVALID_REQUEST'],
  ['accessdeniedexception', 'GW_UPSTREAM_PERMISSION'],
  ['resourcenotfoundexception', 'GW_UPSTREAM_NOT_FOUND'],
  ['unrecognizedclientexception', 'GW_UPSTREAM_CREDENTIALS'],
  ['invalidsignatureexception', 'GW_UPSTREAM_CREDENTIALS'],
  ['expiredtokenexception', 'GW_UPSTREAM_CREDENTIALS'],
  ['expiredtoken', 'GW_UPSTREAM_CREDENTIALS'],
]);

/** The exception name from `x-amzn-ErrorType` (`Name:uri`) or a body's `__type` (`ns#Name`). */
export function exceptionName(raw: string): string {
  const beforeColon = raw.split(':')[0] ?? raw;
  const afterHash = beforeColon.split('#');
  return (afterHash[afterHash.length - 1] ?? beforeColon).trim();
}

/** Maps a Bedrock exception to a gateway error; an unknown name is an upstream `api_error`. */
export function fromBedrockError(name: string, message: string, originalStatusCode?: number, upstreamRequestId?: string): GatewayError {
  const key = exceptionName(name).toLowerCase();
  let code = bedrockExceptions.get(key) ?? 'GW_UPSTREAM_ERROR';
  // A model error that carries a client-side status keeps it (protocols.md §3.6).
  if (key === 'modelerrorexception' && originalStatusCode !== undefined && originalStatusCode >= 400 && originalStatusCode < 500) {
    code = originalStatusCode === 429 ? 'GW_UPSTREAM_RATE_LIMITED' : 'GW_UPSTREAM_INVALID_REQUEST';
  }
  const text = code === 'GW_UPSTREAM_CREDENTIALS' ? 'The gateway could not authenticate to AWS Bedrock.' : message === '' ? exceptionName(name) : message;
  return new GatewayError(code, text, { provider: 'bedrock', ...(upstreamRequestId === undefined ? {} : { upstreamRequestId }) });
}

/** The error code for a status (and Anthropic error type) from Bedrock's native Messages API. */
export function fromMessagesStatus(status: number, type: unknown): GatewayErrorCode {
  // 401 is the gateway's own Bedrock credential, never the client's.
  if (status === 401) return 'GW_UPSTREAM_CREDENTIALS';
  if (status === 413 || type === 'request_too_large') return 'GW_BODY_TOO_LARGE';
  if (status === 429) return 'GW_UPSTREAM_RATE_LIMITED';
  if (status === 529 || status === 503) return 'GW_UPSTREAM_OVERLOADED';
  if (status === 403) return 'GW_UPSTREAM_PERMISSION';
  if (status === 404) return 'GW_UPSTREAM_NOT_FOUND';
  if (status === 408 || status === 504) return 'GW_UPSTREAM_TIMEOUT';
  if (status >= 400 && status < 500) return 'GW_UPSTREAM_INVALID_REQUEST';
  return 'GW_UPSTREAM_ERROR';
}
