import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, isGatewayError } from '../../errors.ts';
import type { AppDependencies } from '../../app.ts';
import { alertOperator, recordRequest } from '../access-log.ts';
import { registerApiHooks } from '../api-hooks.ts';
import { writeErrorResponse } from '../error-response.ts';
import { dialectOf, exchangeOf, upstreamTarget, type ApiEndpoint, type Exchange, type ExchangeAnswer } from '../exchange.ts';
import { PreCommitFailure, relay, type RelayOutcome } from '../relay.ts';
import { deliveryOutcome } from '../answer-outcome.ts';
import type { MessageRouting } from '../routing-fields.ts';
import { routeMessages, type RouteInput, type RouteResult } from '../route-messages.ts';
import { gatewayListsModels, gatewayModel, listModels, listOpenAIModels, retrieveOpenAIModel } from './models.ts';
import { apiParams } from './schemas.ts';

/**
 * The Anthropic API surface as an encapsulated plugin: `/v1/messages`,
 * `/v1/messages/count_tokens`, `/v1/models` and `/v1/models/{id}`, registered at the root and
 * under `/user/{user_id}` (seed 000's per-user base URL). Admission runs in the plugin's hooks
 * (api-hooks.ts); the handlers only answer: a Messages request through routing (the model picks
 * the chain of targets; Anthropic answers are relayed byte for byte, Bedrock ones translated), a
 * model list from the gateway when Bedrock adds to it, or else relayed from Anthropic. The
 * access-log line and metrics are written once, from the exchange (access-log.ts).
 */

const endpoints: readonly ApiEndpoint[] = [
  { name: 'messages', method: 'POST', route: '/v1/messages', readsBody: true },
  { name: 'count_tokens', method: 'POST', route: '/v1/messages/count_tokens', readsBody: true },
  { name: 'models', method: 'GET', route: '/v1/models', readsBody: false },
  { name: 'models', method: 'GET', route: '/v1/models/:modelId', readsBody: false },
];

export function anthropicApiPlugin(deps: AppDependencies): FastifyPluginAsync {
  return async (api) => {
    registerApiHooks(api, deps);
    for (const prefix of ['', '/user/:userId']) {
      for (const endpoint of endpoints) {
        const params = apiParams(endpoint.route, prefix !== '');
        api.route({
          method: endpoint.method,
          url: `${prefix}${endpoint.route}`,
          exposeHeadRoute: false,
          config: { endpoint },
          // Path parameters only: the body goes upstream as bytes, the query string as it came, and the answer is the upstream's.
          ...(params === undefined ? {} : { schema: { params } }),
          handler: endpoint.readsBody ? (request, reply) => forward(request, reply, endpoint, deps) : (request, reply) => models(request, reply, endpoint, deps),
        });
      }
    }
  };
}

/** A Messages or count_tokens request, admitted: routed along its chain of targets. */
async function forward(request: FastifyRequest, reply: FastifyReply, endpoint: ApiEndpoint, deps: AppDependencies): Promise<void> {
  const { routing, targets, upstreamHeaders, userId, ledger } = exchangeOf(request);
  if (routing === undefined || targets === undefined || upstreamHeaders === undefined) throw new GatewayError('GW_INTERNAL', 'The request reached its handler without admission.');
  const input = { routing, countTokens: endpoint.name === 'count_tokens', upstreamPath: upstreamTarget(request.url, userId), targets, upstreamHeaders, ...(ledger === undefined ? {} : { ledger }) };
  await answerHijacked(request, reply, deps, (response) => routed(request, response, input, deps));
}

/** The model endpoints: answered by the gateway when it adds to them (Bedrock, OpenAI-compatible endpoints) or the caller speaks OpenAI, else relayed from Anthropic. */
async function models(request: FastifyRequest, reply: FastifyReply, endpoint: ApiEndpoint, deps: AppDependencies): Promise<void> {
  const exchange = exchangeOf(request);
  // A caller that does not speak Anthropic's API (no anthropic-version: an OpenAI client) gets OpenAI's shapes.
  if (dialectOf(request) === 'openai') return answerOpenAIModels(request, reply, deps);
  if (gatewayListsModels(deps) && (await answerModels(request, reply, deps))) return;
  // An id with a slash (an OpenAI-compatible provider's) is never forwarded: its encoded slash could move the upstream path.
  const modelId = (request.params as { modelId?: string }).modelId;
  if (modelId?.includes('/') === true) throw new GatewayError('GW_MODEL_NOT_FOUND', `model: ${modelId.slice(0, 256)} is not served by this gateway.`);
  const upstreamHeaders = exchange.upstreamHeaders ?? request.headers;
  await answerHijacked(request, reply, deps, (response) => proxy(request, response, endpoint, upstreamTarget(request.url, exchange.userId), undefined, upstreamHeaders, deps));
}

/**
 * Takes the socket over (`reply.hijack()`) for an answer written as it comes (a relay, a
 * stream), then settles the request's usage record and writes its access-log line: Fastify's
 * `onResponse` does not run for a client that left before the end.
 */
export async function answerHijacked(request: FastifyRequest, reply: FastifyReply, deps: AppDependencies, answer: (response: ServerResponse) => Promise<ExchangeAnswer>): Promise<void> {
  const exchange = exchangeOf(request);
  reply.hijack();
  exchange.hijacked = true;
  try {
    exchange.answer = await answer(reply.raw);
    alertOperator(request, exchange);
    await settleLedger(exchange);
  } finally {
    recordRequest(request, deps);
  }
}

/** Failures, aborts and answers without a complete end: their usage record is written now (the client has its answer). */
async function settleLedger(exchange: Exchange): Promise<void> {
  const { ledger, answer } = exchange;
  if (ledger === undefined || ledger.completed) return;
  const outcome = answer?.outcome;
  const failure = answer?.failure;
  await ledger.complete({
    status: outcome?.status ?? failure?.status ?? 499,
    outcome: deliveryOutcome(outcome, failure === undefined),
    ...(outcome?.usage === undefined ? {} : { usage: outcome.usage }),
    ...(outcome?.firstByteAt === undefined ? {} : { firstByteAt: outcome.firstByteAt }),
    ...(answer?.served === undefined ? {} : { served: answer.served }),
    ...(answer?.serviceTier === undefined ? {} : { serviceTier: answer.serviceTier }),
    ...(answer?.fallback === undefined ? {} : { fallback: answer.fallback }),
    ...((failure ?? outcome?.error) === undefined ? {} : { errorType: (failure ?? outcome?.error)?.type }),
  });
}

/** Answers the model endpoints when the gateway adds to them; false to relay the request to Anthropic. */
async function answerModels(request: FastifyRequest, reply: FastifyReply, deps: AppDependencies): Promise<boolean> {
  const modelId = (request.params as { modelId?: string }).modelId;
  const headers = { 'x-gateway-request-id': request.id };
  if (modelId !== undefined) {
    const model = gatewayModel(modelId, deps);
    if (model === undefined) return false;
    exchangeOf(request).answeredBy = 'gateway';
    await reply.headers(headers).send(model);
    return true;
  }
  const controller = new AbortController();
  const onClose = () => controller.abort();
  reply.raw.on('close', onClose);
  try {
    const page = await listModels(request, deps, controller.signal);
    exchangeOf(request).answeredBy = 'gateway';
    await reply.headers(headers).send(page);
  } finally {
    reply.raw.off('close', onClose);
  }
  return true;
}

/** The model list, or one model, in OpenAI's shape, answered by the gateway (an unknown model is its 404, in OpenAI's shape). */
async function answerOpenAIModels(request: FastifyRequest, reply: FastifyReply, deps: AppDependencies): Promise<void> {
  const controller = new AbortController();
  const onClose = () => controller.abort();
  reply.raw.on('close', onClose);
  try {
    const exchange = exchangeOf(request);
    const modelId = (request.params as { modelId?: string }).modelId;
    const headers = exchange.upstreamHeaders ?? request.headers;
    const list = modelId === undefined ? await listOpenAIModels(request, deps, controller.signal, headers) : await retrieveOpenAIModel(modelId, request, deps, controller.signal, headers);
    exchange.answeredBy = 'gateway';
    await reply.headers({ 'x-gateway-request-id': request.id }).send(list);
  } finally {
    reply.raw.off('close', onClose);
  }
}

interface ProxyResult {
  readonly outcome?: RelayOutcome;
  readonly failure?: GatewayError;
  readonly upstreamRequestId?: string;
  readonly serviceTier?: string;
  readonly droppedBetas?: readonly string[];
  readonly removed?: readonly string[];
}

/** Runs the routing engine for a Messages or count_tokens request; a failure that is the answer is written here. */
export async function routed(request: FastifyRequest, response: ServerResponse, input: Omit<RouteInput, 'request' | 'response' | 'inflight'>, deps: AppDependencies): Promise<RouteResult> {
  const inflight = deps.inflight.track();
  const onClose = () => {
    if (!response.writableFinished) inflight.abort();
  };
  response.on('close', onClose);
  try {
    const result = await routeMessages({ ...input, request, response, inflight }, deps);
    if (result.outcome !== undefined) return result;
    const failure = explainMissingCredential(result.failure, request, deps);
    if (failure !== undefined) writeErrorResponse(response, failure, request.id, dialectOf(request));
    else response.destroy();
    const { failure: _unexplained, ...rest } = result;
    return { ...rest, ...(failure === undefined ? {} : { failure }) };
  } finally {
    response.off('close', onClose);
    inflight.done();
  }
}

/** Sends the request upstream and relays the answer; every failure is answered here too. */
async function proxy(
  request: FastifyRequest,
  response: ServerResponse,
  endpoint: ApiEndpoint,
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
