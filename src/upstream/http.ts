import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import { GatewayError } from '../errors.ts';

/**
 * HTTP plumbing shared by every HTTP upstream: one keep-alive connection pool per origin, no
 * redirects, no retries (the router is the only retry loop), explicit timeouts, and the mapping
 * of transport failures to gateway errors.
 */

export interface PoolOptions {
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly keepAliveMs: number;
}

export function createDispatcher(options: PoolOptions): Dispatcher {
  return new Agent({
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.idleTimeoutMs,
    keepAliveTimeout: options.keepAliveMs,
    keepAliveMaxTimeout: Math.max(options.keepAliveMs, 600_000),
    pipelining: 1,
  });
}

export interface RawUpstreamResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Dispatcher.ResponseData['body'];
}

const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_INFO',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause === undefined ? undefined : errorCode(cause);
}

export function isAbortError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AbortError' || error instanceof undiciErrors.RequestAbortedError;
}

/** Maps a transport failure (not an HTTP status) to a gateway error. */
export function fromTransportError(error: unknown, provider: string): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new GatewayError('GW_UPSTREAM_TIMEOUT', `Connecting to ${provider} timed out.`, { provider, cause: error });
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new GatewayError('GW_UPSTREAM_TIMEOUT', `${provider} did not send response headers in time.`, { provider, cause: error });
  if (code === 'UND_ERR_BODY_TIMEOUT') return new GatewayError('GW_UPSTREAM_TIMEOUT', `${provider} went silent in the middle of the response.`, { provider, cause: error });
  if (code !== undefined && connectionCodes.has(code)) {
    return new GatewayError('GW_UPSTREAM_CONNECT', `The connection to ${provider} failed (${code}).`, { provider, cause: error });
  }
  return new GatewayError('GW_UPSTREAM_CONNECT', `The request to ${provider} failed: ${detail}`, { provider, cause: error });
}

/**
 * Maps a failure while reading a response body (a stream) to a gateway error: a connection that
 * fails there is a broken stream, not an unreachable upstream. `name` is how messages call the
 * provider ("The Bedrock stream broke: …").
 */
export function fromStreamTransportError(error: unknown, provider: string, name = provider): GatewayError {
  const mapped = fromTransportError(error, provider);
  if (mapped.code !== 'GW_UPSTREAM_CONNECT') return mapped;
  return new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `The ${name} stream broke: ${mapped.message}`, { provider, cause: error });
}

/** Error bodies are short messages: read at most 64 KB of one, never fail on it. */
/**
 * Drops an upstream body the gateway will not read. undici answers `destroy()` on an unfinished
 * body with an AbortError `error` event; with nobody listening any more that event would be an
 * uncaught exception, so the body gets a listener that ignores it first.
 */
export function discardBody(body: RawUpstreamResponse['body']): void {
  body.on('error', ignoreError);
  body.destroy();
}

function ignoreError(): void {
  // The body was given up on purpose: its abort is not a failure.
}

/** An error answer's body, read whole up to `maxBytes` (a broken body keeps what came). */
export async function readErrorBytes(response: RawUpstreamResponse, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= maxBytes) {
        discardBody(response.body);
        break;
      }
    }
  } catch {
    // The body is only the message; the status and headers still say what happened.
  }
  return Buffer.concat(chunks);
}

export async function readErrorText(response: RawUpstreamResponse, maxBytes = 65_536): Promise<string> {
  return (await readErrorBytes(response, maxBytes)).subarray(0, maxBytes).toString('utf8');
}

export interface UpstreamCall {
  readonly origin: string;
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body: Buffer | string | undefined;
  readonly signal: AbortSignal;
}

/**
 * One upstream request on `dispatcher`, raw. An abort is rethrown as it is (the caller knows
 * why); every other transport failure becomes the gateway error for `provider`.
 */
export async function sendUpstream(dispatcher: Dispatcher, call: UpstreamCall, provider: string): Promise<RawUpstreamResponse> {
  try {
    const response = await dispatcher.request({ origin: call.origin, path: call.path, method: call.method, headers: call.headers, body: call.body, signal: call.signal });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    if (call.signal.aborted) throw error;
    if ((error as { code?: unknown }).code === 'UND_ERR_INVALID_ARG') throw new GatewayError('GW_INVALID_HEADER', 'A request header cannot be forwarded.', { cause: error });
    throw fromTransportError(error, provider);
  }
}
