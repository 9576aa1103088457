/**
 * The one error registry. Every error the gateway itself produces has a stable code here, with
 * its HTTP status, Anthropic error type, whether a client may retry it (`x-should-retry`) and,
 * for upstream failures, the fallback trigger that lets routing move on to the next target.
 * `docs/errors.md` documents the same table (a test keeps the two in sync). Every provider maps
 * its upstream's failures onto these codes (`from<Provider>Error`), through the one status table
 * below; a passthrough upstream's error answer is still relayed unchanged when it is the answer.
 */

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

/**
 * Why routing moves on from a failed upstream (docs/routing.md). The routing column of the
 * registry; routing adds the triggers no code carries (`first_event_error`, `model_retired`).
 */
export type FallbackTrigger = 'rate_limited' | 'overloaded' | 'server_error' | 'timeout' | 'connect_error' | 'credentials';

interface ErrorDefinition {
  readonly status: number;
  readonly type: AnthropicErrorType;
  /** Whether the client may try again (`x-should-retry`). */
  readonly retryable: boolean;
  /** For an upstream failure before the commit point: the trigger that moves on to the next target. */
  readonly fallback?: FallbackTrigger;
  /** Anthropic's `error.details.error_code`, where Anthropic defines one for this case. */
  readonly detailsCode?: string;
  readonly description: string;
}

export const errorRegistry = {
  GW_ROUTE_NOT_FOUND: { status: 404, type: 'not_found_error', retryable: false, description: 'No such route on the gateway.' },
  GW_BODY_TOO_LARGE: { status: 413, type: 'request_too_large', retryable: false, description: "The request body is larger than the limit (32 MB by default), or than an upstream's (its 413, `request_too_large`)." },
  GW_BODY_NOT_JSON_OBJECT: { status: 400, type: 'invalid_request_error', retryable: false, description: 'The body is not a JSON object, or not valid JSON where the gateway must read it.' },
  GW_DUPLICATE_FIELD: { status: 400, type: 'invalid_request_error', retryable: false, description: 'The body names a top-level field twice (escapes decoded: `"mod\\u0065l"` is `model`); parsers disagree on which one counts, so the gateway refuses rather than account for one and forward another.' },
  GW_BODY_TOO_DEEP: { status: 400, type: 'invalid_request_error', retryable: false, description: 'The body nests arrays and objects more than 1,000 levels deep where the gateway must read it (budgets, Bedrock, model rewrites).' },
  GW_MODEL_MISSING: { status: 400, type: 'invalid_request_error', retryable: false, description: 'The body has no string `model`, which the gateway needs to route, or one longer than 256 characters.' },
  GW_ENCODING_UNSUPPORTED: { status: 400, type: 'invalid_request_error', retryable: false, detailsCode: 'request_body_encoding_unsupported', description: 'The request Content-Encoding is not one of gzip, deflate, br, zstd.' },
  GW_ENCODING_INVALID: { status: 400, type: 'invalid_request_error', retryable: false, detailsCode: 'request_body_encoding_invalid', description: 'The compressed request body could not be decoded.' },
  GW_DECODED_BODY_TOO_LARGE: { status: 413, type: 'request_too_large', retryable: false, detailsCode: 'request_body_too_large_after_decoding', description: 'The decoded request body is larger than the limit (decompression bomb guard).' },
  GW_UNSUPPORTED_FEATURE: { status: 400, type: 'invalid_request_error', retryable: false, description: 'The request uses a feature the chosen upstream does not have (for example a server tool on Bedrock); the message names it.' },
  GW_FEATURE_DISABLED: { status: 400, type: 'invalid_request_error', retryable: false, description: 'A request feature the operator turned off (ENABLE_TOOL_USE, ENABLE_EXTENDED_THINKING or ENABLE_DOCUMENT_SUPPORT set to false; `features:`); the message names the feature, the field and the variable.' },
  GW_PTC_CONTAINER_UNKNOWN: { status: 400, type: 'invalid_request_error', retryable: false, description: 'Programmatic Tool Calling: the request names a `container` the gateway does not know, or one that expired (`PTC_SESSION_TIMEOUT`, 270 s after its last use); a paused execution cannot resume, and the gateway never starts it afresh. The message names the container.' },
  GW_PTC_TOOL_RESULTS: { status: 400, type: 'invalid_request_error', retryable: false, description: 'Programmatic Tool Calling: the `tool_result` blocks do not answer the calls the paused code is waiting for (one is missing, sent twice, or answers a call the container does not know), or they answer calls of code without the `container`. The message names the `tool_use_id`.' },
  GW_INVALID_HEADER: { status: 400, type: 'invalid_request_error', retryable: false, description: 'A request header value cannot be forwarded (for example it contains CR or LF).' },
  GW_BAD_REQUEST_TARGET: { status: 400, type: 'invalid_request_error', retryable: false, description: 'The request target is not a path: absolute-form (`POST http://host/v1/messages`), authority-form (CONNECT), asterisk-form (`*`), a path starting with `//`, a path with invalid percent-encoding, or a path that holds, as sent or percent-decoded, a `.` or `..` segment, a backslash or an encoded `/` (a server upstream could read another route in it).' },
  GW_BAD_HTTP: { status: 400, type: 'invalid_request_error', retryable: false, description: "The bytes received are not valid HTTP/1.1 (Node's parser refused them; the message names its reason code). The connection is closed." },
  GW_HEADERS_TOO_LARGE: { status: 431, type: 'invalid_request_error', retryable: false, description: 'The request line and headers are larger than the gateway accepts (Node\'s `--max-http-header-size`, 16 KB by default). The connection is closed.' },
  GW_CLIENT_TIMEOUT: { status: 408, type: 'invalid_request_error', retryable: true, description: 'The request (headers or body) was not received within the server\'s time limit. The connection is closed.' },
  GW_INVALID_USER_ID: { status: 400, type: 'invalid_request_error', retryable: false, description: 'The user id in `/user/{user_id}/…` is empty, too long, has characters outside [A-Za-z0-9._@+-], or is reserved (`admin`, `default`, in any case).' },
  GW_MODEL_NOT_FOUND: { status: 404, type: 'not_found_error', retryable: false, description: 'No configured provider serves the requested model (for example a route to Bedrock for a model the catalog cannot map); the message names it.' },
  GW_URL_FETCH_FAILED: { status: 400, type: 'invalid_request_error', retryable: false, description: 'An image or document URL in the request could not be fetched, or is not allowed (private address, too large, wrong type).' },
  GW_INVALID_QUERY: { status: 400, type: 'invalid_request_error', retryable: false, description: 'A query parameter is invalid (for example `limit` outside 1-1000 on `/v1/models`).' },
  GW_INVALID_FIELD: { status: 400, type: 'invalid_request_error', retryable: false, description: 'A field of an admin API request is missing or invalid; the message names it.' },
  GW_KEY_REQUIRED: { status: 401, type: 'authentication_error', retryable: false, description: 'The gateway requires a gateway API key (`x-api-key`, `Authorization: Bearer`, or the configured key header) and none was sent.' },
  GW_DUPLICATE_CREDENTIAL: { status: 400, type: 'invalid_request_error', retryable: false, description: 'A credential header (`x-api-key`, `Authorization`, the gateway key header) is sent twice, or holds several comma-separated credentials.' },
  GW_SECRET_IN_HEADER: { status: 400, type: 'invalid_request_error', retryable: false, description: 'A header that would be forwarded carries a gateway API key (`sk-gw-…`) or the master key where the gateway does not read one (a raw or Basic `Authorization`, any other header); the request is refused, never forwarded.' },
  GW_SECRET_IN_URL: { status: 400, type: 'invalid_request_error', retryable: false, description: 'The request target (path or query string, as sent or percent-decoded) carries a gateway API key (`sk-gw-…`) or the master key; the request is refused, never forwarded.' },
  GW_CREDENTIAL_REQUIRED: { status: 401, type: 'authentication_error', retryable: false, description: 'A usage route got no credential that tells who is calling: a gateway API key, the master key, or (passthrough mode) the Anthropic credential the requests were made with.' },
  GW_KEY_INVALID: { status: 401, type: 'authentication_error', retryable: false, description: 'The gateway API key is unknown or revoked.' },
  GW_KEY_DISABLED: { status: 403, type: 'permission_error', retryable: false, description: 'The gateway API key is disabled by an administrator.' },
  GW_ADMIN_REQUIRED: { status: 401, type: 'authentication_error', retryable: false, description: 'The route needs the master key (`MASTER_API_KEY`) as `x-api-key` or Bearer.' },
  GW_FORBIDDEN: { status: 403, type: 'permission_error', retryable: false, description: 'The caller is authenticated but may not use this route (an admin route with a user key).' },
  GW_LOGIN_FAILED: { status: 401, type: 'authentication_error', retryable: false, description: 'The admin UI login got neither the master key nor an active gateway API key (the same answer for both, so keys cannot be probed).' },
  GW_ADMIN_AUTH_RATE_LIMITED: { status: 429, type: 'rate_limit_error', retryable: true, description: 'Too many failed admin authentications (a credential that is not the master key) from this address: 10 a minute, then every admin authentication from it is refused until the minute ends; `retry-after` says when.' },
  GW_LOGIN_RATE_LIMITED: { status: 429, type: 'rate_limit_error', retryable: true, description: 'Too many admin UI login attempts from this address (10 a minute); `retry-after` says when to try again.' },
  GW_SESSION_REQUIRED: { status: 401, type: 'authentication_error', retryable: false, description: 'The admin UI session is missing, expired or logged out; log in again.' },
  GW_CSRF: { status: 403, type: 'permission_error', retryable: false, description: 'A change through an admin UI session came without its CSRF token (`x-csrf-token`) or from another origin.' },
  GW_RESOURCE_NOT_FOUND: { status: 404, type: 'not_found_error', retryable: false, description: 'No such resource for this caller (another tenant\'s resources answer the same, so ids cannot be probed).' },
  GW_BUDGET_EXHAUSTED: { status: 402, type: 'billing_error', retryable: false, description: 'The key\'s monthly budget is spent; the key is disabled until the next month (UTC) or until an administrator raises the budget.' },
  GW_MODEL_UNPRICED: { status: 403, type: 'permission_error', retryable: false, description: 'A key with a monthly budget asked for a model that has no price (catalog, `models:` pricing, DynamoDB pricing table) and no default price is configured; the message names the model.' },
  GW_BUDGET_HELD: { status: 429, type: 'rate_limit_error', retryable: true, description: 'The rest of the key\'s monthly budget is held by requests in flight; `retry-after` says when to try again.' },
  GW_KEY_RATE_LIMITED: { status: 429, type: 'rate_limit_error', retryable: true, description: 'The key (in passthrough mode the credential, or the window all calls on the gateway\'s own credentials share) is over its requests-per-minute or tokens-per-minute limit; `retry-after` is in whole seconds.' },
  GW_LIMITS_UNAVAILABLE: { status: 529, type: 'overloaded_error', retryable: true, description: 'The store that enforces rate limits or budgets cannot be reached and the gateway is configured to fail closed.' },
  GW_NO_CREDENTIAL: { status: 401, type: 'authentication_error', retryable: false, description: 'The client sent no credential and the gateway has none configured for this upstream; or, in auth mode `both`, the client sent no Anthropic credential of its own (that mode never uses the gateway\'s).' },
  GW_UPSTREAM_CONNECT: { status: 502, type: 'api_error', retryable: true, fallback: 'connect_error', description: 'The upstream could not be reached (refused, reset, DNS failure, TLS failure).' },
  GW_UPSTREAM_TIMEOUT: { status: 504, type: 'timeout_error', retryable: true, fallback: 'timeout', description: 'The upstream did not answer in time (connect, headers or idle timeout).' },
  GW_UPSTREAM_STREAM_BROKEN: { status: 502, type: 'api_error', retryable: true, fallback: 'connect_error', description: 'The upstream stream broke or ended early: a 502 before the commit point, one SSE error event after it.' },
  GW_UPSTREAM_PROTOCOL: { status: 502, type: 'api_error', retryable: true, fallback: 'server_error', description: 'The upstream sent something the gateway cannot relay (for example an SSE event larger than the limit).' },
  GW_UPSTREAM_RATE_LIMITED: { status: 429, type: 'rate_limit_error', retryable: true, fallback: 'rate_limited', description: 'An upstream throttled the request or its quota is exhausted (429, Bedrock ThrottlingException).' },
  GW_UPSTREAM_OVERLOADED: { status: 529, type: 'overloaded_error', retryable: true, fallback: 'overloaded', description: 'An upstream is overloaded or unavailable, or its model not ready (529, 503).' },
  GW_UPSTREAM_INVALID_REQUEST: { status: 400, type: 'invalid_request_error', retryable: false, description: 'An upstream rejected the request as invalid (400, 422 and other 4xx; its message is kept).' },
  GW_UPSTREAM_AUTHENTICATION: { status: 401, type: 'authentication_error', retryable: false, description: "An upstream rejected the client's own credential (401 from Anthropic in passthrough; relayed as it came)." },
  GW_UPSTREAM_BILLING: { status: 402, type: 'billing_error', retryable: false, description: 'An upstream refused the request for billing reasons (402).' },
  GW_UPSTREAM_CONFLICT: { status: 409, type: 'conflict_error', retryable: false, description: 'An upstream answered 409 (a conflicting request).' },
  GW_UPSTREAM_PERMISSION: { status: 403, type: 'permission_error', retryable: false, description: 'An upstream denied access to the model or operation (403).' },
  GW_UPSTREAM_NOT_FOUND: { status: 404, type: 'not_found_error', retryable: false, description: 'An upstream does not know the model or resource (404).' },
  GW_UPSTREAM_ERROR: { status: 500, type: 'api_error', retryable: true, fallback: 'server_error', description: 'An upstream failed internally (500, 502, 520 and every other 5xx), or a model error it reported.' },
  GW_UPSTREAM_CREDENTIAL_MISSING: { status: 500, type: 'api_error', retryable: false, description: "The client's credential was accepted, but the gateway must call the upstream with its own credential (auth mode `keys`, or the master key) and none is configured (`ANTHROPIC_API_KEY`…); an operator must set one." },
  GW_UPSTREAM_CREDENTIALS: { status: 500, type: 'api_error', retryable: false, fallback: 'credentials', description: "The gateway's own upstream credentials were rejected (not the client's fault; an operator must act)." },
  GW_UPSTREAM_CREDITS_EXHAUSTED: { status: 500, type: 'api_error', retryable: false, fallback: 'credentials', description: "The gateway's own account at an OpenAI-compatible provider has no credits or quota left (its 402, OpenAI's `insufficient_quota` 429): routing moves on and cools the target; not the client's fault, an operator must top the account up." },
  GW_ALL_TARGETS_COOLING: { status: 429, type: 'rate_limit_error', retryable: true, description: 'Every upstream for the model is cooling down after rate limits; `retry-after` is the shortest remaining wait.' },
  GW_OVERLOADED: { status: 529, type: 'overloaded_error', retryable: true, description: 'The gateway holds as many request bodies (`server.max_inflight_body_bytes`) or connections (`server.max_connections`) as it may; retry shortly.' },
  GW_SHUTTING_DOWN: { status: 529, type: 'overloaded_error', retryable: true, description: 'The gateway is draining for shutdown; retry against another instance.' },
  GW_INTERNAL: { status: 500, type: 'api_error', retryable: true, description: 'An unexpected gateway fault. The log line with the same request id has the details.' },
} as const satisfies Record<string, ErrorDefinition>;

export type GatewayErrorCode = keyof typeof errorRegistry;

export interface GatewayErrorOptions {
  /** Seconds or milliseconds until a retry can succeed, when known. */
  readonly retryAfterMs?: number;
  /** Which provider the failure came from, when it came from one. */
  readonly provider?: string;
  readonly upstreamRequestId?: string;
  /** The failure was an `error` event in place of the stream's first event (a fallback trigger). */
  readonly firstEventError?: boolean;
  readonly cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly status: number;
  readonly type: AnthropicErrorType;
  readonly retryable: boolean;
  readonly fallback: FallbackTrigger | undefined;
  readonly detailsCode: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly provider: string | undefined;
  readonly upstreamRequestId: string | undefined;
  readonly firstEventError: boolean;

  constructor(code: GatewayErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const definition: ErrorDefinition = errorRegistry[code];
    this.name = 'GatewayError';
    this.code = code;
    this.status = definition.status;
    this.type = definition.type;
    this.retryable = definition.retryable;
    this.fallback = definition.fallback;
    this.detailsCode = definition.detailsCode;
    this.retryAfterMs = options.retryAfterMs;
    this.provider = options.provider;
    this.upstreamRequestId = options.upstreamRequestId;
    this.firstEventError = options.firstEventError === true;
  }
}

/**
 * Why routing moves on to the next target, as `x-gateway-fallback` names it (docs/routing.md):
 * the registry's routing column, and the two triggers that depend on the moment rather than on
 * the failure (`first_event_error`: an error event in place of the first one; `model_retired`:
 * a 404 for a model Anthropic retired and another target still serves).
 */
export type Trigger = FallbackTrigger | 'first_event_error' | 'model_retired';

/** The trigger for a failure before the commit point, if any. */
export function triggerForError(error: GatewayError): Trigger | undefined {
  // An error event in place of the first event: a rate limit is still a rate limit (cooled per credential).
  if (error.firstEventError) return error.fallback === 'rate_limited' ? 'rate_limited' : error.fallback === undefined ? undefined : 'first_event_error';
  return error.fallback;
}

/** The registry's routing column for `code`: the trigger that moves on to the next target, if any. */
export function fallbackOf(code: GatewayErrorCode): FallbackTrigger | undefined {
  const definition: ErrorDefinition = errorRegistry[code];
  return definition.fallback;
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/**
 * The one table of upstream HTTP statuses, for every provider: what a failed answer of this
 * status is. Other 4xx are invalid requests, other 5xx (501, 520…) server errors, so every
 * provider classifies a status, and routing moves on for it, the same way. A provider may read
 * more from its answer (Bedrock's exception names, its 401 being the gateway's own credential).
 */
const upstreamStatuses: ReadonlyMap<number, GatewayErrorCode> = new Map<number, GatewayErrorCode>([
  [400, 'GW_UPSTREAM_INVALID_REQUEST'],
  [401, 'GW_UPSTREAM_AUTHENTICATION'],
  [402, 'GW_UPSTREAM_BILLING'],
  [403, 'GW_UPSTREAM_PERMISSION'],
  [404, 'GW_UPSTREAM_NOT_FOUND'],
  [408, 'GW_UPSTREAM_TIMEOUT'],
  [409, 'GW_UPSTREAM_CONFLICT'],
  [413, 'GW_BODY_TOO_LARGE'],
  [429, 'GW_UPSTREAM_RATE_LIMITED'],
  [500, 'GW_UPSTREAM_ERROR'],
  [503, 'GW_UPSTREAM_OVERLOADED'],
  [504, 'GW_UPSTREAM_TIMEOUT'],
  [529, 'GW_UPSTREAM_OVERLOADED'],
]);

/** The gateway error code an upstream's failed answer of `status` stands for. */
export function upstreamCodeForStatus(status: number): GatewayErrorCode {
  return upstreamStatuses.get(status) ?? (status >= 500 ? 'GW_UPSTREAM_ERROR' : 'GW_UPSTREAM_INVALID_REQUEST');
}

/**
 * Anthropic's `error.type` -> the code of that type among the status table's codes (an error
 * event has no status of its own). Derived, so the two cannot disagree.
 */
const upstreamTypes: ReadonlyMap<string, GatewayErrorCode> = new Map([...upstreamStatuses.values()].map((code) => [errorRegistry[code].type, code]));

/** The upstream code of an Anthropic error type, when it is one Anthropic defines. */
export function upstreamCodeForType(type: unknown): GatewayErrorCode | undefined {
  return typeof type === 'string' ? upstreamTypes.get(type) : undefined;
}

/**
 * The code of an upstream's failed answer: its status decides (and so whether routing moves
 * on); an Anthropic `error.type` in the body names it more precisely where it moves on, or not,
 * the same way (a 400 `request_too_large` is GW_BODY_TOO_LARGE).
 */
export function upstreamErrorCode(status: number, type?: unknown): GatewayErrorCode {
  const byStatus = upstreamCodeForStatus(status);
  const byType = upstreamCodeForType(type);
  return byType !== undefined && fallbackOf(byType) === fallbackOf(byStatus) ? byType : byStatus;
}

/** Anthropic's error type for an answer of `status` (for relayed answers whose body was not read). */
export function errorTypeForStatus(status: number): AnthropicErrorType {
  return errorRegistry[upstreamCodeForStatus(status)].type;
}
