import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../app.ts';
import { fromMicros } from '../store/accounting.ts';
import { deliveryOutcome } from './answer-outcome.ts';
import { endpointOf, startExchange, upstreamTarget, type Exchange } from './exchange.ts';

/**
 * The one place a request's access-log line (`"msg":"request"`) and its request metrics are
 * written, from what the pipeline put in its exchange (exchange.ts): once per request, when it
 * is over. An answer Fastify sends (every error the error handler answers, the gateway's own
 * model list) is recorded by the `onResponse` hook; a hijacked answer (a relay, a stream) by
 * its handler once the answer ended and its usage record settled, because Fastify's
 * `onResponse` never runs for a client that left before the end, and runs before the usage
 * record of a failed answer is written.
 *
 * API routes get a line and metrics for every request; other routes a line for each error.
 */

export function registerAccessLog(app: FastifyInstance, deps: AppDependencies): void {
  app.decorateRequest('exchange', null);
  // First hook of all: every later refusal is measured and recorded from here.
  app.addHook('onRequest', (request, _reply, done) => {
    request.exchange = startExchange(deps.clock);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.exchange?.hijacked !== true) recordRequest(request, deps, reply.statusCode);
    done();
  });
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Writes the request's line and metrics. `status`: what Fastify sent (unset for a hijacked answer). */
export function recordRequest(request: FastifyRequest, deps: AppDependencies, status?: number): void {
  const endpoint = endpointOf(request);
  const exchange: Exchange = request.exchange ?? startExchange(deps.clock);
  if (endpoint === undefined && exchange.failure === undefined) return;
  const { answer, principal, routing } = exchange;
  const outcome = answer?.outcome;
  const failure = answer?.failure ?? exchange.failure;
  const served = answer?.served;
  const finalStatus = status ?? outcome?.status ?? failure?.status ?? 499;
  // A relayed answer without routing is Anthropic's (the model endpoints' passthrough).
  const provider = served?.provider ?? exchange.answeredBy ?? (routing === undefined && outcome !== undefined ? 'anthropic' : undefined);
  const micros = outcome?.usage === undefined ? undefined : deps.accounting.costMicros(outcome.usage, served, routing?.model, answer?.serviceTier);
  const cost = micros === undefined ? undefined : fromMicros(micros);
  const durationMs = deps.clock.monotonic() - exchange.startedAt;
  const ttfbMs = outcome?.firstByteAt === undefined ? undefined : outcome.firstByteAt - exchange.startedAt;
  request.log.info(
    {
      request_id: request.id,
      user_id: principal?.userId ?? exchange.userId,
      key_id: principal?.kind === 'key' ? principal.key.id : undefined,
      method: request.method,
      path: upstreamTarget(request.url, exchange.userId).path,
      model: routing?.model,
      stream: routing?.stream,
      status: finalStatus,
      end: outcome?.end ?? (failure !== undefined ? 'gateway_error' : exchange.hijacked ? 'client_abort' : 'complete'),
      error_code: failure?.code,
      provider,
      upstream_model: served?.model,
      fallback: answer?.fallback,
      attempts: answer?.attempts,
      service_tier: answer?.serviceTier,
      dropped_betas: answer?.droppedBetas !== undefined && answer.droppedBetas.length > 0 ? answer.droppedBetas : undefined,
      removed_fields: answer?.removed !== undefined && answer.removed.length > 0 ? answer.removed : undefined,
      upstream_request_id: answer?.upstreamRequestId ?? failure?.upstreamRequestId,
      duration_ms: round(durationMs),
      ttfb_ms: ttfbMs === undefined ? undefined : round(ttfbMs),
      tokens: outcome?.usage,
      cost_usd: cost,
    },
    'request',
  );
  if (endpoint === undefined) return;
  if (outcome?.usage !== undefined) deps.metrics.observeUsage(provider ?? 'anthropic', outcome.usage, cost);
  const delivered = deliveryOutcome(outcome, failure === undefined && status === undefined && exchange.hijacked === true);
  deps.metrics.observeRequest({ route: endpoint.name, provider, status: finalStatus, stream: routing?.stream ?? false, errorCode: failure?.code, fallback: answer?.fallback, durationMs, ttfbMs, outcome: delivered });
}

/** The gateway's own upstream credentials failed, or the gateway itself did: an operator must act, whatever the client saw. */
export function alertOperator(request: FastifyRequest, exchange: Exchange): void {
  const failure = exchange.answer?.failure;
  if (failure?.code === 'GW_INTERNAL') request.log.error({ request_id: request.id, err: failure.cause }, 'unhandled error');
  if (failure?.code === 'GW_UPSTREAM_CREDENTIALS' || failure?.code === 'GW_UPSTREAM_CREDENTIAL_MISSING') request.log.error({ request_id: request.id, provider: failure.provider, err: failure.cause }, 'upstream credentials rejected or missing');
}
