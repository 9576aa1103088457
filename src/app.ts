import type { Duplex } from 'node:stream';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { redactConfig } from './config/load.ts';
import type { GatewayConfig } from './config/schema.ts';
import { GatewayError, isGatewayError } from './errors.ts';
import { errorResponseParts, reasonPhrase, writeErrorResponse } from './http/error-response.ts';
import { badRequestTarget, fromClientError, rawErrorResponse, requestTargetForm } from './http/raw-error.ts';
import { BodyBudget, BodyLease, declaredLength, readBody } from './http/body-budget.ts';
import { ConnectionGuard, defaultMaxConnections, OVERFLOW_RESERVE, readProcessLimits } from './http/connections.ts';
import { InflightRequests } from './http/inflight.ts';
import { registerAnthropicApi } from './http/routes/anthropic-api.ts';
import { registerServiceRoutes } from './http/routes/service.ts';
import { registerAdminRoutes } from './http/routes/admin.ts';
import { registerUsageRoutes } from './http/routes/usage.ts';
import type { Clock, IdSource } from './ids.ts';
import type { Logger } from './logging/logger.ts';
import type { ModelCatalog } from './config/models.ts';
import type { AnthropicProvider } from './providers/anthropic/index.ts';
import type { BedrockProvider } from './providers/bedrock/index.ts';
import type { UrlFetcher } from './request/url-fetch.ts';
import type { Resolver } from './routing/resolve.ts';
import type { RetryBudget } from './routing/retry-budget.ts';
import type { GatewayMetrics } from './metrics/metrics.ts';
import type { CooldownStore } from './store/cooldowns.ts';
import type { Accounting } from './accounting/ledger.ts';
import type { ReadinessState } from './readiness.ts';
import { version } from './version.ts';

/** What the app is built from: everything with I/O or time is passed in. */
export interface AppDependencies {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly anthropic: AnthropicProvider;
  readonly bedrock: BedrockProvider;
  readonly catalog: ModelCatalog;
  readonly resolver: Resolver;
  readonly urlFetcher: UrlFetcher;
  /** Which targets are cooling down (memory, the SQLite file, or Redis). */
  readonly cooldowns: CooldownStore;
  /** Bounds the extra attempts routing makes (retries and fallbacks). */
  readonly retryBudget: RetryBudget;
  readonly metrics: GatewayMetrics;
  /** Keys, limits, budgets and usage records. */
  readonly accounting: Accounting;
  /** Whether Bedrock can be used (enabled, with credentials found); decides what /v1/models lists. */
  readonly bedrockAvailable: () => boolean;
  readonly inflight: InflightRequests;
  /** Set while the gateway drains for shutdown. */
  readonly state: { draining: boolean; startedAt: number };
  /** Whether the stores the gateway needs can be reached (absent: always). */
  readonly readiness?: { readonly state: ReadinessState };
}

export type AppOptions = Omit<AppDependencies, 'inflight' | 'state'> & Partial<Pick<AppDependencies, 'inflight' | 'state'>>;

/** Builds the Fastify app without listening, so tests can `inject()` or listen on port 0. */
export function buildApp(options: AppOptions): FastifyInstance {
  const deps: AppDependencies = {
    ...options,
    inflight: options.inflight ?? new InflightRequests(),
    state: options.state ?? { draining: false, startedAt: options.clock.now() },
  };
  const { server } = deps.config;
  const bodyBudget = new BodyBudget(server.max_inflight_body_bytes);
  const connections = new ConnectionGuard({ maxConnections: server.max_connections ?? defaultMaxConnections(readProcessLimits()), reserve: OVERFLOW_RESERVE, onShed: (reason) => deps.metrics.observeConnectionShed(reason) });
  deps.metrics.serverLoad = () => ({ connections: connections.open, bodyBytes: bodyBudget.used });
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: server.body_limit_bytes,
    serverFactory: (handler) => createGuardedServer(handler, connections, deps),
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    genReqId: () => deps.ids.requestId(),
    // One logger for every request: a per-request child costs more than the request's own work
    // on the passthrough path. Log lines carry `request_id` explicitly instead.
    childLoggerFactory: (logger) => logger,
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    // What the router and Node's parser refuse is answered in Anthropic's envelope too.
    frameworkErrors: (error, request, reply) => {
      const gatewayError = fromFrameworkError(error, request.raw.url ?? '');
      const parts = errorResponseParts(gatewayError, request.id);
      request.log.info({ request_id: request.id, method: request.method, status: parts.status, error_code: gatewayError.code }, 'request');
      const raw = reply as unknown as FastifyReply;
      void raw.code(parts.status).headers(parts.headers).send(parts.body);
    },
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => answerOnSocket(socket, fromClientError(error), deps),
  });
  // CONNECT (authority-form) never reaches a route: Node hands the socket over as it is.
  app.server.on('connect', (_request: unknown, socket: Duplex) => answerOnSocket(socket, badRequestTarget('the authority-form (CONNECT host:port)'), deps));
  // Only origin-form targets (`/path?query`): an absolute-form `POST http://elsewhere/v1/messages`
  // is routed by its path but must never be forwarded as it was written. First hook of all.
  // Node keeps only the first of two Authorization headers (and joins two x-api-key): a
  // credential header sent twice is refused here, from the headers as they arrived.
  const credentialHeaders = ['x-api-key', 'authorization', deps.config.auth.key_header];
  app.addHook('onRequest', async (request) => {
    const form = requestTargetForm(request.raw.url);
    if (form !== undefined) throw badRequestTarget(form);
    const distinct = request.raw.headersDistinct;
    const repeated = credentialHeaders.find((name) => (distinct[name]?.length ?? 0) > 1);
    if (repeated !== undefined) throw new GatewayError('GW_DUPLICATE_CREDENTIAL', `The ${repeated} header is sent more than once; send exactly one credential.`);
  });
  // Bodies stay raw bytes: the passthrough forwards them unchanged and reads only a copy. They
  // are read after the route's onRequest hooks (authentication, rate limits), within the body
  // limit and the budget of bytes all bodies may hold at once.
  app.decorateRequest('bodyLease', null);
  app.decorateRequest('sendContinue', null);
  app.addHook('preParsing', (request, reply, payload, done) => {
    const lease = new BodyLease(bodyBudget);
    request.bodyLease = lease;
    reply.raw.once('close', () => lease.release());
    // `Expect: 100-continue`: the client waits for the go-ahead before it sends the body, which
    // comes only now, after authentication and limits, right before the body is read.
    if (request.headers.expect?.toLowerCase() === '100-continue') request.sendContinue = () => reply.raw.writeContinue();
    done(null, payload);
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    // An unknown route is answered without its body.
    if (request.is404 || request.bodyLease === null) return done(notFound(request), undefined);
    let length: number | undefined;
    try {
      length = declaredLength(request.headers['content-length']);
    } catch (error) {
      return done(error as Error, undefined);
    }
    request.sendContinue?.();
    readBody(payload, { limit: server.body_limit_bytes, length, lease: request.bodyLease }).then(
      (body) => done(null, body),
      (error: Error) => done(error, undefined),
    );
  });

  // Every answer the gateway makes itself carries its request id. (Relayed answers are written
  // after `reply.hijack()`, so this hook never runs on the passthrough path.)
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader('request-id')) reply.header('request-id', request.id);
    done(null, payload);
  });

  app.setNotFoundHandler((request) => {
    throw notFound(request);
  });

  app.setErrorHandler((error: FastifyError | GatewayError, request, reply) => {
    const gatewayError = toGatewayError(error);
    if (gatewayError.code === 'GW_INTERNAL') request.log.error({ request_id: request.id, err: error }, 'unhandled error');
    const parts = errorResponseParts(gatewayError, request.id);
    // A request refused before its body was read (authentication, limits, the body budget): the
    // answer closes the connection, so the rest of the body is never read.
    if (!request.raw.complete) parts.headers.connection = 'close';
    reply.raw.statusMessage = reasonPhrase(parts.status);
    const path = request.url.split('?')[0] ?? '';
    request.log.info({ request_id: request.id, method: request.method, path, status: parts.status, error_code: gatewayError.code }, 'request');
    const route = path.endsWith('/v1/messages') ? 'messages' : path.endsWith('/v1/messages/count_tokens') ? 'count_tokens' : path.includes('/v1/models') ? 'models' : undefined;
    if (route !== undefined) {
      deps.metrics.observeRequest({ route, provider: undefined, status: parts.status, stream: false, errorCode: gatewayError.code, fallback: undefined, durationMs: 0, ttfbMs: undefined });
    }
    return reply.code(parts.status).headers(parts.headers).send(parts.body);
  });

  // Every route, as `GET /` lists them (so the list cannot drift from what is served).
  const endpoints: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') endpoints.push(`${method} ${route.url.replaceAll(/:([A-Za-z]+)/g, (_match, name: string) => `{${name.replaceAll(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}}`)}`);
  });
  registerAnthropicApi(app, deps);
  registerServiceRoutes(app, deps, { version, redactedConfig: () => redactConfig(deps.config), endpoints: () => endpoints });
  registerAdminRoutes(app, deps);
  registerUsageRoutes(app, deps);
  return app;
}

/** Writes a whole error response on a socket no request object owns, then closes it. */
function answerOnSocket(socket: Duplex, error: GatewayError, deps: AppDependencies): void {
  // A reset connection, or one whose answer already started: nothing can be written.
  const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.destroyed || !socket.writable || current?.headersSent === true) {
    socket.destroy();
    return;
  }
  const requestId = deps.ids.requestId();
  deps.logger.info({ request_id: requestId, status: error.status, error_code: error.code }, 'request');
  socket.end(rawErrorResponse(error, requestId));
  // A peer that never reads must not hold the socket.
  setTimeout(() => socket.destroy(), 5_000).unref();
}

/** The router's refusals: a path with invalid percent-encoding, a path parameter over the length limit. */
function fromFrameworkError(error: FastifyError, url: string): GatewayError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return badRequestTarget('a path with invalid percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return url.startsWith('/user/')
        ? new GatewayError('GW_INVALID_USER_ID', 'The user id in /user/{user_id}/ must be 1-128 characters of A-Z a-z 0-9 . _ @ + -.')
        : new GatewayError('GW_ROUTE_NOT_FOUND', 'Not found: a path segment is longer than 256 characters.');
    default:
      return new GatewayError('GW_INTERNAL', 'The gateway failed to route the request.', { cause: error });
  }
}

function notFound(request: FastifyRequest): GatewayError {
  return new GatewayError('GW_ROUTE_NOT_FOUND', `Not found: ${request.method} ${request.url.split('?')[0]}`);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What this request holds of the in-flight body budget (set before its body is read). */
    bodyLease: BodyLease | null;
    /** Sends `100 Continue` to a client that asked for it (set before its body is read). */
    sendContinue: (() => void) | null;
  }
}

/**
 * The HTTP server: timeouts for receiving requests (headers, whole request; answers are not
 * bounded here, streams may run for many minutes), idle keep-alive, and the connection cap with
 * its overflow connections that only reach the health routes.
 */
function createGuardedServer(handler: (request: IncomingMessage, response: ServerResponse) => void, connections: ConnectionGuard, deps: AppDependencies): Server {
  const { server: config } = deps.config;
  const created = createServer(
    {
      headersTimeout: config.headers_timeout_ms,
      requestTimeout: config.request_timeout_ms,
      keepAliveTimeout: config.keep_alive_timeout_ms,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(Math.min(config.headers_timeout_ms, config.request_timeout_ms) / 4))),
    },
    (request, response) => {
      connections.requestStarted(request, response);
      if (connections.isOverflow(request.socket)) {
        response.setHeader('connection', 'close');
        if (!isHealthPath(request.url)) {
          const error = new GatewayError('GW_OVERLOADED', 'The gateway has as many connections open as it may; retry shortly.', { retryAfterMs: 1_000 });
          writeErrorResponse(response, error, deps.ids.requestId());
          return;
        }
      }
      handler(request, response);
    },
  );
  // Node answers `Expect: 100-continue` itself unless someone listens: the app answers it once
  // the request is admitted (see the preParsing hook), so a refused client never uploads.
  created.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => created.emit('request', request, response));
  connections.attach(created);
  return created;
}

const healthPaths = new Set(['/health', '/health/ready', '/ready', '/health/live', '/liveness']);

function isHealthPath(url: string | undefined): boolean {
  const path = url?.split('?')[0] ?? '';
  return healthPaths.has(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);
}

function toGatewayError(error: FastifyError | GatewayError): GatewayError {
  if (isGatewayError(error)) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('GW_BODY_TOO_LARGE', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('GW_BODY_NOT_JSON_OBJECT', error.message);
    default:
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return new GatewayError('GW_BODY_NOT_JSON_OBJECT', error.message);
      }
      return new GatewayError('GW_INTERNAL', 'The gateway failed to handle the request.', { cause: error });
  }
}
