import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { AppDependencies } from '../app.ts';
import { invalidPathUserId, isUserId } from '../accounting/auth.ts';
import { allFeaturesOn, disabledFeatureIn } from '../request/feature-switches.ts';
import { endpointOf, exchangeOf, type ApiEndpoint } from './exchange.ts';
import { shutdownError } from './inflight.ts';
import { requestBody } from './request-json.ts';
import { requestSize } from './request-size.ts';
import { readMessageRouting } from './routing-fields.ts';

/**
 * The Anthropic API's admission, one hook per step, each writing what it learnt into the
 * request's exchange (exchange.ts). From the headers alone, in `onRequest`, before a byte of the
 * body is read (a refused request is answered without its body being read; the answer closes
 * the connection): draining, the `/user/{id}` in the path, authentication, and the requests- and
 * tokens-per-minute limits. After the body, in `preHandler`: what it asks for (model, stream;
 * the feature switches), the targets that can serve it, and the budget reservation with the
 * usage intent record. A handler then only answers.
 */

export interface ApiHookOptions {
  /**
   * Runs after the body arrived and before it is read: a Chat Completions body is converted to
   * the Messages body every later step reads (routes/openai-api.ts).
   */
  readonly convertBody?: (request: FastifyRequest) => Promise<void>;
}

export function registerApiHooks(api: FastifyInstance, deps: AppDependencies, options: ApiHookOptions = {}): void {
  api.addHook('onRequest', refuseWhileDraining(deps));
  api.addHook('onRequest', checkPathUser);
  api.addHook('onRequest', async (request) => authenticate(request, deps));
  api.addHook('onRequest', async (request) => limitCaller(request, deps));
  const convertBody = options.convertBody;
  if (convertBody !== undefined) api.addHook('preHandler', async (request) => convertBody(request));
  api.addHook('preHandler', async (request) => readRequest(request, deps));
  api.addHook('preHandler', async (request) => admitRequest(request, deps));
}

/** Draining: requests still arriving on kept-alive connections are turned away (retryable). */
function refuseWhileDraining(deps: AppDependencies) {
  return (_request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => done(deps.state.draining ? shutdownError() : undefined);
}

/** The user a `/user/{id}/…` path names (seed 000's per-user base URL); reserved and malformed ids are refused. */
export function checkPathUser(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const userId = (request.params as { userId?: string }).userId;
  if (userId === undefined) return done();
  if (!isUserId(userId)) return done(invalidPathUserId());
  exchangeOf(request).userId = userId;
  done();
}

/** Who calls (a gateway key, the master key, a passthrough credential) and which headers go upstream. */
async function authenticate(request: FastifyRequest, deps: AppDependencies): Promise<void> {
  const exchange = exchangeOf(request);
  const { principal, upstreamHeaders } = await deps.accounting.authenticator.api(request.headers, exchange.userId, request.url);
  exchange.principal = principal;
  exchange.upstreamHeaders = upstreamHeaders;
}

/** The caller's requests- and tokens-per-minute limits (not for the model lists). */
async function limitCaller(request: FastifyRequest, deps: AppDependencies): Promise<void> {
  const endpoint = endpointOf(request);
  const { principal, startedAtEpoch } = exchangeOf(request);
  if (endpoint === undefined || endpoint.name === 'models' || principal === undefined) return;
  await deps.accounting.admitCaller(principal, accountingRoute(endpoint), startedAtEpoch);
}

/** What a Messages-style body asks for, from the scan (no parse); a feature the operator turned off is refused (parsed only then). */
async function readRequest(request: FastifyRequest, deps: AppDependencies): Promise<void> {
  if (endpointOf(request)?.readsBody !== true) return;
  const body = requestBody(request, deps.config.server.body_limit_bytes);
  exchangeOf(request).routing = await readMessageRouting(body);
  if (allFeaturesOn(deps.config.features)) return;
  const refusal = disabledFeatureIn((await body.json()).object, deps.config.features);
  if (refusal !== undefined) throw refusal;
}

/**
 * The targets for the model, and the request's accounting (budget reserved on an upper bound of
 * its cost, usage intent recorded). Before the answer starts: an unknown model, a limit or a
 * spent budget is an ordinary error response.
 */
async function admitRequest(request: FastifyRequest, deps: AppDependencies): Promise<void> {
  const endpoint = endpointOf(request);
  const exchange = exchangeOf(request);
  const { routing, principal, upstreamHeaders } = exchange;
  if (endpoint === undefined || endpoint.name === 'models' || routing === undefined || principal === undefined || upstreamHeaders === undefined) return;
  const targets = deps.resolver.resolve(routing.model);
  exchange.targets = targets;
  exchange.ledger = await deps.accounting.admit({
    requestId: request.id,
    principal,
    route: accountingRoute(endpoint),
    model: routing.model,
    stream: routing.stream,
    targets,
    startedAt: exchange.startedAtEpoch,
    startedAtMonotonic: exchange.startedAt,
    ...requestSize(request, deps, targets, upstreamHeaders),
  });
}

/** Accounting's word for a route: a Chat Completions request is a Messages request (limits, budgets, usage records). */
function accountingRoute(endpoint: ApiEndpoint): 'messages' | 'count_tokens' {
  return endpoint.name === 'count_tokens' ? 'count_tokens' : 'messages';
}
