import { GatewayError } from '../errors.ts';
import { decodings } from '../request/percent-decode.ts';
import { errorResponseParts, reasonPhrase } from './error-response.ts';

/**
 * Answers written on a bare socket, where there is no request object to answer through: Node's
 * HTTP parser refused the bytes (`clientError`), or the method was CONNECT (authority-form). They
 * are whole HTTP/1.1 responses in Anthropic's envelope with a request id, like every other
 * answer the gateway makes, and close the connection (the rest of the bytes cannot be trusted).
 */

/** The gateway error for a `clientError` from Node's HTTP parser or server timeouts. */
export function fromClientError(error: { readonly code?: string | undefined }): GatewayError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new GatewayError('GW_HEADERS_TOO_LARGE', 'The request headers are larger than the gateway accepts.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new GatewayError('GW_CLIENT_TIMEOUT', 'The request was not received in time.');
    default:
      return new GatewayError('GW_BAD_HTTP', `The request is not valid HTTP/1.1${error.code === undefined ? '' : ` (${error.code})`}.`);
  }
}

/** The error for a request target that is not origin-form (`/path?query`). */
export function badRequestTarget(form: string): GatewayError {
  return new GatewayError('GW_BAD_REQUEST_TARGET', `The request target must be a path (origin-form, such as /v1/messages); ${form} is not accepted.`);
}

/**
 * Whether a path, as sent or decoded (repeatedly), holds a `.` or `..` segment, a backslash, or
 * a `/` that was percent-encoded: a server upstream that normalises or decodes it would serve
 * another route than the one the gateway checked (`/v1/models/..%2F..%2Fv1%2Ffiles`).
 */
function movesPath(path: string): boolean {
  const slashes = path.split('/').length;
  const slashesMay = namesModelWithSlash(path);
  return decodings(path).some((text) => text.includes('\\') || (!slashesMay && text.split('/').length !== slashes) || text.split('/').some((segment) => segment === '.' || segment === '..'));
}

/**
 * `/v1/models/{id}` (or under `/user/{id}`) whose one id segment holds encoded slashes: how a
 * client asks for `openai/gpt-oss-120b` or `anthropic/claude-sonnet-4.5` (OpenAI-compatible
 * providers' ids). The gateway answers such an id itself and never forwards it (routes/models.ts),
 * so its slashes cannot move a path upstream; dot segments and backslashes are still refused.
 */
function namesModelWithSlash(path: string): boolean {
  return /^(?:\/user\/[^/%]+)?\/v1\/models\/[^/]+$/.test(path);
}

/** Which non-origin form a request target has, or undefined for an origin-form path. */
export function requestTargetForm(target: string | undefined): string | undefined {
  if (target === undefined || target === '') return 'an empty target';
  if (target.startsWith('/')) {
    if (target.startsWith('//')) return 'a path starting with //';
    const queryAt = target.indexOf('?');
    return movesPath(queryAt === -1 ? target : target.slice(0, queryAt)) ? 'a path with a dot segment, a backslash or an encoded slash' : undefined;
  }
  if (target === '*') return 'the asterisk-form (*)';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(target)) return 'the absolute-form (scheme://host/path)';
  return 'the authority-form (host:port)';
}

/** A complete HTTP/1.1 response carrying `error`, closing the connection. */
export function rawErrorResponse(error: GatewayError, requestId: string): string {
  const parts = errorResponseParts(error, requestId);
  const headers = { ...parts.headers, 'content-length': String(Buffer.byteLength(parts.body)), connection: 'close' };
  const head = [`HTTP/1.1 ${parts.status} ${reasonPhrase(parts.status)}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return `${head.join('\r\n')}\r\n\r\n${parts.body}`;
}
