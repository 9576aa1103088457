import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { invalidPathUserId } from './accounting/auth.ts';
import { redactConfig } from './config/load.ts';
import type { GatewayConfig } from './config/schema.ts';
import { GatewayError, isGatewayError } from './errors.ts';
import { errorResponseParts, reasonPhrase } from './http/error-response.ts';
import { badRequestTarget, fromClientError } from './http/raw-error.ts';
import { BodyBudget } from './http/body-budget.ts';
import { notFound, registerRequestIntake } from './http/request-intake.ts';
import { answerOnSocket, createGuardedServer } from './http/server.ts';
import { ConnectionGuard, defaultMaxConnections, OVERFLOW_RESERVE, readProcessLimits } from './http/connections.ts';
import { InflightRequests } from './http/inflight.ts';
import { anthropicApiPlugin } from './http/routes/anthropic-api.ts';
import { registerAccessLog } from './http/access-log.ts';
import { dialectOf, startExchange } from './http/exchange.ts';
import { openaiApiPlugin } from './http/routes/openai-api.ts';
import { servicePlugin } from './http/routes/service.ts';
import { AdminGuard } from './http/admin-guard.ts';
import { adminPlugin } from './http/routes/admin.ts';
import { adminUiPlugin } from './http/routes/admin-ui.ts';
import { AdminSessions } from './http/admin-ui/session.ts';
import { usagePlugin } from './http/routes/usage.ts';
import type { Clock, IdSource } from './ids.ts';
import type { Logger } from './logging/logger.ts';
import type { ModelCatalog } from './config/models.ts';
import type { AnthropicProvider } from './providers/anthropic/index.ts';
import { createAnthropicProvider } from './providers/anthropic/provider.ts';
import type { BedrockProvider } from './providers/bedrock/index.ts';
import { createBedrockProvider } from './providers/bedrock/provider.ts';
import { ProviderRegistry } from './providers/registry.ts';
import type { Provider } from './providers/provider.ts';
import { randomPtcIds } from './ptc/ids.ts';
import { withProgrammaticToolCalling } from './ptc/provider.ts';
import { ptcDependencies, type PtcServices } from './ptc/services.ts';
import { openAIEndpoints } from './config/schema-openai.ts';
import { OpenAICompatibleTransport } from './providers/openai-compatible/index.ts';
import { createOpenAICompatibleProvider } from './providers/openai-compatible/provider.ts';
import { quirksFor } from './providers/openai-compatible/quirks-config.ts';
import type { UrlFetcher } from './request/url-fetch.ts';
import type { Resolver } from './routing/resolve.ts';
import type { RetryBudget } from './routing/retry-budget.ts';
import type { GatewayMetrics } from './metrics/metrics.ts';
import type { CooldownStore } from './store/cooldowns.ts';
import type { Accounting } from './accounting/accounting.ts';
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
  /** The providers routing calls, by name (built from `anthropic` and `bedrock` when not given). */
  readonly providers: ProviderRegistry;
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
  /** Programmatic Tool Calling's sandbox and containers: providers without it natively emulate it (absent: they do not). */
  readonly ptc?: PtcServices | undefined;
}

export type AppOptions = Omit<AppDependencies, 'inflight' | 'state' | 'providers'> & Partial<Pick<AppDependencies, 'inflight' | 'state' | 'providers'>>;

/** Builds the Fastify app without listening, so tests can `inject()` or listen on port 0. */
export function buildApp(options: AppOptions): FastifyInstance {
  const deps: AppDependencies = {
    ...options,
    inflight: options.inflight ?? new InflightRequests(),
    providers: options.providers ?? providerRegistry(options),
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
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => answerOnSocket(socket, fromClientError(error), deps),
  });
  // The access log's hook comes first: it starts the request's exchange, which every later hook fills in.
  registerAccessLog(app, deps);
  registerRequestIntake(app, bodyBudget, deps);

  // Every answer the gateway makes itself carries its request id. (Relayed answers are written
  // after `reply.hijack()`, so this hook never runs on the passthrough path.)
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader('request-id')) reply.header('request-id', request.id);
    done(null, payload);
  });

  app.setNotFoundHandler((request) => {
    throw notFound(request);
  });

  app.setErrorHandler(errorHandler(deps));

  const endpoints = collectEndpoints(app);
  void app.register(anthropicApiPlugin(deps));
  void app.register(openaiApiPlugin(deps));
  void app.register(servicePlugin(deps, { version, redactedConfig: () => redactConfig(deps.config), endpoints: () => endpoints }));
  const sessions = new AdminSessions(deps.config.auth.master_key, () => deps.clock.now());
  void app.register(adminUiPlugin(deps, sessions));
  const guard = new AdminGuard(() => deps.clock.monotonic(), deps.config.auth.admin_failures_per_minute);
  void app.register(adminPlugin(deps, sessions, guard));
  void app.register(usagePlugin(deps, guard));
  return app;
}

const openAILabels: Readonly<Record<string, string>> = { openai: 'OpenAI', groq: 'Groq', cerebras: 'Cerebras', openrouter: 'OpenRouter' };

/** The providers routing can call: Anthropic (passthrough), Bedrock and the OpenAI-compatible ones (translated). */
function providerRegistry(options: AppOptions): ProviderRegistry {
  const { routing } = options.config;
  const ptc = options.ptc === undefined ? undefined : ptcDependencies(options.config.ptc, options.ptc, () => options.clock.now(), randomPtcIds);
  const providers: Provider[] = [
    createAnthropicProvider(options.anthropic, {
      forceRateLimit: routing.force_rate_limit,
      isRetired: (model) => routing.fallback_on_retired_model && options.catalog.find(model)?.status === 'retired',
      now: () => options.clock.now(),
    }),
    createBedrockProvider(options.bedrock, {
      maxBodyBytes: options.config.bedrock.max_body_bytes,
      urlFetcher: options.config.url_fetch.enabled ? options.urlFetcher : undefined,
      warn: (fields, message) => options.logger.warn(fields, message),
    }),
    ...openAIEndpoints(options.config.openai_compatible).map((endpoint) =>
      createOpenAICompatibleProvider(new OpenAICompatibleTransport(endpoint), {
        quirks: quirksFor(endpoint),
        capabilities: (model) => options.catalog.openai.capabilities(endpoint.name, model),
        ...(openAILabels[endpoint.name] === undefined ? {} : { label: openAILabels[endpoint.name] }),
        now: () => options.clock.now(),
        warn: (fields, message) => options.logger.warn(fields, message),
      }),
    ),
  ];
  // Programmatic Tool Calling: emulated where the upstream lacks it (Anthropic keeps it native).
  return new ProviderRegistry(ptc === undefined ? providers : providers.map((provider) => withProgrammaticToolCalling(provider, ptc)));
}

/** Every error a route or hook throws, answered in Anthropic's envelope (and recorded by the access log). */
function errorHandler(deps: AppDependencies) {
  return (error: FastifyError | GatewayError, request: FastifyRequest, reply: FastifyReply) => {
    const gatewayError = toGatewayError(error);
    if (gatewayError.code === 'GW_INTERNAL') request.log.error({ request_id: request.id, err: error }, 'unhandled error');
    (request.exchange ??= startExchange(deps.clock)).failure = gatewayError;
    // The caller's format: OpenAI's on /v1/chat/completions (and /v1/models for OpenAI clients), Anthropic's everywhere else.
    const parts = errorResponseParts(gatewayError, request.id, dialectOf(request));
    // A request refused before its body was read (authentication, limits, the body budget): the
    // answer closes the connection, so the rest of the body is never read.
    if (!request.raw.complete) parts.headers.connection = 'close';
    reply.raw.statusMessage = reasonPhrase(parts.status);
    return reply.code(parts.status).headers(parts.headers).send(parts.body);
  };
}

/** The router's refusals: a path with invalid percent-encoding, a path parameter over the length limit. */
function fromFrameworkError(error: FastifyError, url: string): GatewayError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return badRequestTarget('a path with invalid percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return url.startsWith('/user/') ? invalidPathUserId() : new GatewayError('GW_ROUTE_NOT_FOUND', 'Not found: a path segment is longer than 256 characters.');
    default:
      return new GatewayError('GW_INTERNAL', 'The gateway failed to route the request.', { cause: error });
  }
}

/** What the router and Node's parser refuse is answered in Anthropic's envelope too. */
function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const gatewayError = fromFrameworkError(error, request.raw.url ?? '');
  const parts = errorResponseParts(gatewayError, request.id);
  request.log.info({ request_id: request.id, method: request.method, status: parts.status, error_code: gatewayError.code }, 'request');
  void reply.code(parts.status).headers(parts.headers).send(parts.body);
}

/** Every route, `METHOD /path/{param}`, as `GET /` lists them (so the list cannot drift from what is served). */
function collectEndpoints(app: FastifyInstance): readonly string[] {
  const endpoints: string[] = [];
  app.addHook('onRoute', (route) => {
    const url = route.url.replaceAll(/:([A-Za-z]+)/g, (_match, name: string) => `{${name.replaceAll(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}}`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') endpoints.push(`${method} ${url}`);
  });
  return endpoints;
}

function toGatewayError(error: FastifyError | GatewayError): GatewayError {
  if (isGatewayError(error)) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('GW_BODY_TOO_LARGE', 'The request body is too large.');
    case 'FST_ERR_VALIDATION':
      return fromValidationError(error);
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

/**
 * A path or query that does not fit its route's schema (routes/schemas.ts). Query parameters are
 * typed as strings and their values checked by the handlers, so a type failure is a parameter
 * given more than once.
 */
function fromValidationError(error: FastifyError): GatewayError {
  const first = error.validation?.[0];
  const name = first?.instancePath.slice(1).replaceAll('~1', '/').replaceAll('~0', '~');
  if (error.validationContext === 'querystring' && first?.keyword === 'type' && name !== undefined && name !== '') {
    return new GatewayError('GW_INVALID_QUERY', `The query parameter ${name} is given more than once.`);
  }
  return new GatewayError('GW_INVALID_QUERY', `The ${error.validationContext ?? 'request'} is invalid: ${error.message}`);
}
