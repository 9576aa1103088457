import { readErrorBody } from '../../anthropic/error-envelope.ts';
import { GatewayError, upstreamCodeForStatus, upstreamErrorCode, type GatewayErrorCode } from '../../errors.ts';
import { headerString, type EventStreamMessage } from './event-stream.ts';

/**
 * Bedrock's failures -> gateway errors (shared/spec/protocols.md §3.6): a failed HTTP answer
 * (`fromBedrockError`), an exception by name (`fromBedrockException`), and the exception and
 * error frames of its event streams. A named exception reads from the table below; without a
 * name the status reads from the registry's one status table (src/errors.ts), as for every
 * provider. One thing is Bedrock's own: a 401 is the gateway's AWS credential, never the client's.
 */

/**
 * Exception names, as data. Matched case-insensitively, so the REST form (`ThrottlingException`,
 * from `x-amzn-ErrorType` or `__type`) and the event-stream form (`throttlingException`) share one row.
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

const CREDENTIALS_MESSAGE = 'The gateway could not authenticate to AWS Bedrock.';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** The exception name from `x-amzn-ErrorType` (`Name:uri`) or a body's `__type` (`ns#Name`). */
export function exceptionName(raw: string): string {
  const beforeColon = raw.split(':')[0] ?? raw;
  const afterHash = beforeColon.split('#');
  return (afterHash[afterHash.length - 1] ?? beforeColon).trim();
}

export interface ExceptionContext {
  /** The HTTP status the exception came with (event-stream exceptions have none). */
  readonly status?: number | undefined;
  /** A model error's `originalStatusCode`: the status the model itself answered. */
  readonly originalStatusCode?: number | undefined;
  readonly upstreamRequestId?: string | undefined;
}

/** Maps a Bedrock exception by name; an unknown name reads from its status, else is an upstream `api_error`. */
export function fromBedrockException(name: string, message: string, context: ExceptionContext = {}): GatewayError {
  const key = exceptionName(name).toLowerCase();
  const { status, originalStatusCode: original } = context;
  let code = bedrockExceptions.get(key) ?? (status === undefined ? 'GW_UPSTREAM_ERROR' : codeForStatus(status));
  // A model error that carries a client-side status keeps it (protocols.md §3.6).
  if (key === 'modelerrorexception' && original !== undefined && original >= 400 && original < 500) {
    code = original === 429 ? 'GW_UPSTREAM_RATE_LIMITED' : 'GW_UPSTREAM_INVALID_REQUEST';
  }
  return bedrockError(code, message === '' ? exceptionName(name) : message, context.upstreamRequestId);
}

/**
 * A failed Bedrock answer (status >= 400, `body` its text). Named by `x-amzn-ErrorType` or the
 * body's `__type` when present (AWS-shaped); else the status decides, and an Anthropic-shaped
 * body (the native Messages API) names it more precisely and gives the message.
 */
export function fromBedrockError(status: number, headers: Headers, body: string): GatewayError {
  const payload = parseObject(body);
  const requestId = headers['x-amzn-requestid'];
  const upstreamRequestId = typeof requestId === 'string' ? requestId : undefined;
  const header = headers['x-amzn-errortype'];
  const name = typeof header === 'string' ? header : typeof payload.__type === 'string' ? payload.__type : undefined;
  const message = awsMessage(payload);
  if (name !== undefined) {
    const originalStatusCode = typeof payload.originalStatusCode === 'number' ? payload.originalStatusCode : undefined;
    return fromBedrockException(name, message ?? '', { status, originalStatusCode, upstreamRequestId });
  }
  const error = readErrorBody(body);
  const code = status === 401 ? 'GW_UPSTREAM_CREDENTIALS' : upstreamErrorCode(status, error.type);
  return bedrockError(code, error.message ?? message ?? `Bedrock answered ${status}.`, upstreamRequestId);
}

/** An `exception` frame of a Bedrock event stream (`:exception-type`, a JSON payload with the message). */
export function fromExceptionFrame(frame: EventStreamMessage): GatewayError {
  const payload = parseObject(Buffer.from(frame.body.buffer, frame.body.byteOffset, frame.body.byteLength).toString('utf8'));
  const originalStatusCode = typeof payload.originalStatusCode === 'number' ? payload.originalStatusCode : undefined;
  return fromBedrockException(headerString(frame, ':exception-type') ?? 'InternalServerException', awsMessage(payload) ?? '', { originalStatusCode });
}

/** An `error` frame of a Bedrock event stream (`:error-code`, `:error-message`). */
export function fromErrorFrame(frame: EventStreamMessage): GatewayError {
  return fromBedrockException(headerString(frame, ':error-code') ?? 'InternalServerException', headerString(frame, ':error-message') ?? '');
}

/** The status table, except that Bedrock's 401 is always the gateway's own credential. */
function codeForStatus(status: number): GatewayErrorCode {
  return status === 401 ? 'GW_UPSTREAM_CREDENTIALS' : upstreamCodeForStatus(status);
}

function bedrockError(code: GatewayErrorCode, message: string, upstreamRequestId: string | undefined): GatewayError {
  // The gateway's own credential failing is not the client's business: AWS's words stay in the log.
  const text = code === 'GW_UPSTREAM_CREDENTIALS' ? CREDENTIALS_MESSAGE : message;
  return new GatewayError(code, text, { provider: 'bedrock', ...(upstreamRequestId === undefined ? {} : { upstreamRequestId }) });
}

function awsMessage(payload: Record<string, unknown>): string | undefined {
  return typeof payload.message === 'string' ? payload.message : typeof payload.Message === 'string' ? payload.Message : undefined;
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    // Not JSON (a proxy's HTML page): the status decides.
    return {};
  }
}
