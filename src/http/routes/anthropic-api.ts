import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, isGatewayError } from '../../errors.ts';
import type { AppDependencies } from '../../app.ts';
import { writeErrorResponse } from '../error-response.ts';
import { PreCommitFailure, relay, type RelayOutcome } from '../relay.ts';
import { readMessageRouting, type MessageRouting } from '../routing-fields.ts';
import { routeMessages, type RouteInput, type RouteResult } from '../route-messages.ts';
import { bedrockModel, listModels } from './models.ts';
import { fromMicros } from '../../store/accounting.ts';
import { requestBody, requestJson } from '../request-json.ts';
import { admissionOf, admitFromHeaders } from '../admission.ts';
import { allFeaturesOn, disabledFeatureIn } from '../../request/feature-switches.ts';
import { requestSize } from '../request-size.ts';

/**
 * The Anthropic API surface: `/v1/messages`, `/v1/messages/count_tokens`, `/v1/models` and
 * `/v1/models/{id}`, registered at the root and under `/user/{user_id}` (seed 000's per-user
 * base URL). The model picks the target: Anthropic requests are relayed byte for byte; Bedrock
 * ones are translated (serve-bedrock.ts). The routing issue turns the first target into a chain.
 */

interface Endpoint {
  /** The route's name in admission, usage records and metrics. */
  readonly name: 'messages' | 'count_tokens' | 'models';
  readonly method: 'GET' | 'POST';
  /** Fastify route path below the prefix. */
  readonly route: string;
  /** Reads `model` and `stream` from the body before forwarding. */
  readonly readsBody: boolean;
}

const endpoints: readonly Endpoint[] = [
  { name: 'messages', method: 'POST', route: '/v1/messages', readsBody: true },
  { name: 'count_tokens', method: 'POST', route: '/v1/messages/count_tokens', readsBody: true },
  { name: 'models', method: 'GET', route: '/v1/models', readsBody: false },
  { name: 'models', method: 'GET', route: '/v1/models/:modelId', readsBody: false },
];

/** The upstream path and query for a request, with any `/user/{id}` prefix removed. */
function upstreamTarget(url: string, userId: string | undefined): { path: string; search: string } {
  const queryAt = url.indexOf('?');
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
  const search = queryAt === -1 ? '' : url.slice(queryAt);
  const path = userId === undefined ? pathname : pathname.replace(/^\/user\/[^/]+/, '');
  return { path, search };
}

export function registerAnthropicApi(app: FastifyInstance, deps: AppDependencies): void {
  app.decorateRequest('admission', null);
  for (const prefix of ['', '/user/:userId']) {
    for (const endpoint of endpoints) {
      app.route({
        method: endpoint.method,
        url: `${prefix}${endpoint.route}`,
        exposeHeadRoute: false,
        // Authentication and rate limits from the headers, before the body is read.
        onRequest: (request) => admitFromHeaders(request, endpoint.name, deps),
        handler: (request, reply) => forward(request, reply, endpoint, deps),
      });
    }
  }
}

async function forward(request: FastifyRequest, reply: FastifyReply, endpoint: Endpoint, deps: AppDependencies): Promise<void> {
  const { principal, upstreamHeaders, userId, startedAt, startedAtEpoch } = admissionOf(request);
  const routing: MessageRouting | undefined = endpoint.readsBody
    ? await readMessageRouting(requestBody(request, deps.config.server.body_limit_bytes))
    : undefined;
  if (routing !== undefined && !allFeaturesOn(deps.config.features)) await refuseDisabledFeatures(request, deps);
  const target = upstreamTarget(request.url, userId);
  if (endpoint.method === 'GET' && deps.bedrockAvailable() && (await answerModels(request, reply, deps))) {
    const durationMs = deps.clock.monotonic() - startedAt;
    request.log.info({ request_id: request.id, user_id: userId, method: 'GET', path: target.path, status: reply.statusCode, end: 'complete', provider: 'gateway', duration_ms: Math.round(durationMs * 10) / 10 }, 'request');
    deps.metrics.observeRequest({ route: 'models', provider: 'gateway', status: reply.statusCode, stream: false, errorCode: undefined, fallback: undefined, durationMs, ttfbMs: undefined });
    return;
  }
  // Resolved before the hijack: an unknown model, a limit or a spent budget is an ordinary error response.
  const targets = routing === undefined ? undefined : deps.resolver.resolve(routing.model);
  const countTokens = endpoint.name === 'count_tokens';
  const ledger =
    routing === undefined || targets === undefined
      ? undefined
      : await deps.accounting.admit({
          requestId: request.id,
          principal,
          route: countTokens ? 'count_tokens' : 'messages',
          model: routing.model,
          stream: routing.stream,
          targets,
          startedAt: startedAtEpoch,
          startedAtMonotonic: startedAt,
          ...requestSize(request, deps, targets, upstreamHeaders),
        });

  reply.hijack();
  const result =
    routing !== undefined && targets !== undefined
      ? await routed(request, reply.raw, { routing, countTokens, upstreamPath: target, targets, upstreamHeaders, ...(ledger === undefined ? {} : { ledger }) }, deps)
      : await proxy(request, reply.raw, endpoint, target, routing, upstreamHeaders, deps);
  const { outcome, failure } = result;
  const route: Partial<RouteResult> = result;
  const served = route.served;
  if (failure?.code === 'GW_INTERNAL') request.log.error({ request_id: request.id, err: failure.cause }, 'unhandled error');
  // The gateway's own upstream credentials failed: an operator must act, whatever the client saw.
  if (failure?.code === 'GW_UPSTREAM_CREDENTIALS' || failure?.code === 'GW_UPSTREAM_CREDENTIAL_MISSING') request.log.error({ request_id: request.id, provider: failure.provider, err: failure.cause }, 'upstream credentials rejected or missing');
  const round = (ms: number) => Math.round(ms * 10) / 10;
  const micros = outcome?.usage === undefined ? undefined : deps.accounting.costMicros(outcome.usage, served?.model, routing?.model, result.serviceTier);
  const cost = micros === undefined ? undefined : fromMicros(micros);
  if (ledger !== undefined && !ledger.completed) {
    // Failures, aborts and answers without a complete end: recorded now (the client has its answer).
    await ledger.complete({
      status: outcome?.status ?? failure?.status ?? 499,
      ...(outcome?.usage === undefined ? {} : { usage: outcome.usage }),
      ...(outcome?.firstByteAt === undefined ? {} : { firstByteAt: outcome.firstByteAt }),
      ...(served === undefined ? {} : { served }),
      ...(result.serviceTier === undefined ? {} : { serviceTier: result.serviceTier }),
      ...(route.fallback === undefined ? {} : { fallback: route.fallback }),
      ...((failure ?? outcome?.error) === undefined ? {} : { errorType: (failure ?? outcome?.error)?.type }),
    });
  }
  request.log.info(
    {
      request_id: request.id,
      user_id: principal.userId,
      key_id: principal.kind === 'key' ? principal.key.id : undefined,
      method: endpoint.method,
      path: target.path,
      model: routing?.model,
      stream: routing?.stream,
      status: outcome?.status ?? failure?.status ?? 499,
      end: outcome?.end ?? (failure === undefined ? 'client_abort' : 'gateway_error'),
      error_code: failure?.code,
      provider: served?.provider,
      upstream_model: served?.model,
      fallback: route.fallback,
      attempts: route.attempts,
      service_tier: result.serviceTier,
      dropped_betas: result.droppedBetas !== undefined && result.droppedBetas.length > 0 ? result.droppedBetas : undefined,
      removed_fields: result.removed !== undefined && result.removed.length > 0 ? result.removed : undefined,
      upstream_request_id: result.upstreamRequestId,
      duration_ms: round(deps.clock.monotonic() - startedAt),
      ttfb_ms: outcome?.firstByteAt === undefined ? undefined : round(outcome.firstByteAt - startedAt),
      tokens: outcome?.usage,
      cost_usd: cost,
    },
    'request',
  );
  if (outcome?.usage !== undefined) deps.metrics.observeUsage(served?.provider ?? 'anthropic', outcome.usage, cost);
  deps.metrics.observeRequest({
    route: endpoint.name,
    provider: served?.provider ?? (routing === undefined && outcome !== undefined ? 'anthropic' : undefined),
    status: outcome?.status ?? failure?.status ?? 499,
    stream: routing?.stream ?? false,
    errorCode: failure?.code,
    fallback: route.fallback,
    durationMs: deps.clock.monotonic() - startedAt,
    ttfbMs: outcome?.firstByteAt === undefined ? undefined : outcome.firstByteAt - startedAt,
  });
}

/** Refuses a request that uses a feature the operator turned off (ENABLE_TOOL_USE=false, …); parsed only when one is off. */
async function refuseDisabledFeatures(request: FastifyRequest, deps: AppDependencies): Promise<void> {
  const { object } = await requestJson(request, deps.config.server.body_limit_bytes);
  const refusal = disabledFeatureIn(object, deps.config.features);
  if (refusal !== undefined) throw refusal;
}

/** Answers the model endpoints when Bedrock adds to them; false to relay the request to Anthropic. */
async function answerModels(request: FastifyRequest, reply: FastifyReply, deps: AppDependencies): Promise<boolean> {
  const modelId = (request.params as { modelId?: string }).modelId;
  const headers = { 'x-gateway-request-id': request.id };
  if (modelId !== undefined) {
    const model = bedrockModel(modelId, deps);
    if (model === undefined) return false;
    await reply.headers(headers).send(model);
    return true;
  }
  const controller = new AbortController();
  const onClose = () => controller.abort();
  reply.raw.on('close', onClose);
  try {
    await reply.headers(headers).send(await listModels(request, deps, controller.signal));
  } finally {
    reply.raw.off('close', onClose);
  }
  return true;
}

interface ProxyResult {
  readonly outcome?: RelayOutcome;
  readonly failure?: GatewayError;
  readonly upstreamRequestId?: string;
  readonly serviceTier?: string;
  readonly droppedBetas?: readonly string[];
  readonly removed?: readonly string[];
}

/** Runs the fallback loop for a Messages or count_tokens request; every failure is answered here. */
async function routed(request: FastifyRequest, response: ServerResponse, input: Omit<RouteInput, 'request' | 'response' | 'inflight'>, deps: AppDependencies): Promise<ProxyResult & Partial<RouteResult>> {
  const inflight = deps.inflight.track();
  const onClose = () => {
    if (!response.writableFinished) inflight.abort();
  };
  response.on('close', onClose);
  try {
    return await routeMessages({ ...input, request, response, inflight }, deps);
  } catch (error) {
    const failure = explainMissingCredential(toFailure(error, inflight.termination()), request, deps);
    if (failure !== undefined) writeErrorResponse(response, failure, request.id);
    else response.destroy();
    const context = error as { attempts?: number; served?: RouteResult['served'] };
    return {
      ...(failure === undefined ? {} : { failure }),
      ...(failure?.upstreamRequestId === undefined ? {} : { upstreamRequestId: failure.upstreamRequestId }),
      ...(context.attempts === undefined ? {} : { attempts: context.attempts }),
      ...(context.served === undefined ? {} : { served: context.served }),
    };
  } finally {
    response.off('close', onClose);
    inflight.done();
  }
}

/** Sends the request upstream and relays the answer; every failure is answered here too. */
async function proxy(
  request: FastifyRequest,
  response: ServerResponse,
  endpoint: Endpoint,
  target: { path: string; search: string },
  routing: MessageRouting | undefined,
  headers: FastifyRequest['headers'],
  deps: AppDependencies,
): Promise<ProxyResult> {
  const inflight = deps.inflight.track();
  const onClose = () => {
    if (!response.writableFinished) inflight.abort();
  };
  response.on('close', onClose);
  let upstreamRequestId: string | undefined;
  try {
    const upstream = await deps.anthropic.send({
      method: endpoint.method,
      path: target.path,
      search: target.search,
      headers,
      body: endpoint.readsBody ? (request.body as Buffer) : undefined,
      // Only GET routes come here (every Messages request is routed); what they answer is relayed as it is.
      uncompressed: routing !== undefined,
      signal: inflight.signal,
    });
    const requestIdHeader = upstream.headers['request-id'];
    upstreamRequestId = typeof requestIdHeader === 'string' ? requestIdHeader : undefined;
    const outcome = await relay({
      upstream,
      response,
      requestId: request.id,
      provider: deps.anthropic.name,
      maxEventBytes: deps.config.server.max_sse_event_bytes,
      now: () => deps.clock.monotonic(),
      signal: inflight.signal,
      termination: () => inflight.termination(),
    });
    return { outcome, failure: outcome.error, upstreamRequestId };
  } catch (error) {
    const failure = explainMissingCredential(toFailure(error, inflight.termination()), request, deps);
    if (failure !== undefined) writeErrorResponse(response, failure, request.id);
    else response.destroy();
    return { failure, upstreamRequestId };
  } finally {
    response.off('close', onClose);
    inflight.done();
  }
}

/**
 * No credential went to Anthropic although the client presented one: the gateway took it (a
 * gateway key in keys mode, the master key) and was to use its own, which is not configured.
 * That is for the operator to fix, not the client: say so, rather than "send x-api-key".
 */
function explainMissingCredential(failure: GatewayError | undefined, request: FastifyRequest, deps: AppDependencies): GatewayError | undefined {
  if (failure?.code !== 'GW_NO_CREDENTIAL') return failure;
  if (!deps.accounting.authenticator.presentsCredential(request.headers)) return failure;
  return new GatewayError(
    'GW_UPSTREAM_CREDENTIAL_MISSING',
    `The gateway has no Anthropic credential configured: with auth mode ${deps.config.auth.mode} it calls Anthropic with its own (ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN or CLAUDE_CODE_OAUTH_TOKEN), and none is set. Your credential was accepted; the gateway's operator must set one.`,
    { provider: failure.provider ?? 'anthropic', cause: failure },
  );
}

/** The error to answer with, or undefined when the client is gone and nobody is listening. */
function toFailure(error: unknown, termination: GatewayError | undefined): GatewayError | undefined {
  if (termination !== undefined) return termination;
  if (error instanceof PreCommitFailure) return error.error;
  if (isGatewayError(error)) return error;
  if ((error as { name?: string }).name === 'AbortError' || (error as { code?: string }).code === 'UND_ERR_ABORTED') return undefined;
  return new GatewayError('GW_INTERNAL', 'The gateway failed to handle the request.', { cause: error });
}
