import type { FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { AppDependencies } from '../app.ts';
import { GatewayError, isGatewayError, type Trigger } from '../errors.ts';
import type { RequestLedger } from '../accounting/request-ledger.ts';
import type { InboundRequest, Operation, ProviderAnswer } from '../providers/provider.ts';
import { realSleep } from '../routing/attempt.ts';
import { clientRetriesItself } from '../routing/client-retries.ts';
import { routeRequest, type EngineDeps, type RouteOutcome } from '../routing/engine.ts';
import type { Target } from '../config/targets.ts';
import type { InflightRequest } from './inflight.ts';
import { PreCommitFailure, type AnswerEnd, type RelayOutcome } from './answer-outcome.ts';
import { requestBody } from './request-json.ts';
import type { MessageRouting } from './routing-fields.ts';
import { writeAnswer, type AnswerWriteOptions } from './answer-writer.ts';
import { headerText } from './header-value.ts';

/**
 * A Messages or count_tokens request, routed: the HTTP side of the routing engine
 * (src/routing/engine.ts). Builds the engine's request from Fastify's, runs it, and writes the
 * committed answer. A failure that is the answer is returned unwritten (the caller writes it,
 * naming a missing gateway credential where that is the cause).
 */

export interface RouteInput {
  readonly request: FastifyRequest;
  readonly response: ServerResponse;
  readonly routing: MessageRouting;
  readonly countTokens: boolean;
  readonly upstreamPath: { readonly path: string; readonly search: string };
  readonly targets: readonly Target[];
  readonly inflight: InflightRequest;
  /** The request's accounting: its usage record is made durable before a complete answer ends. */
  readonly ledger?: RequestLedger;
  /** The headers to send upstream (gateway keys removed; in keys mode the client's credential too). */
  readonly upstreamHeaders?: FastifyRequest['headers'];
  /** Writes the committed answer (writeAnswer, Anthropic's format, unless given: the Chat Completions writer). */
  readonly write?: (answer: ProviderAnswer, options: AnswerWriteOptions) => Promise<RelayOutcome>;
  /** The client's own request in another wire format (a Chat Completions body), for providers that forward it. */
  readonly inbound?: InboundRequest;
}

export interface RouteResult {
  /** What was written, when an answer was. */
  readonly outcome?: RelayOutcome;
  /** The failure that is the answer (unwritten when `outcome` is undefined), or how a written one failed. */
  readonly failure?: GatewayError;
  readonly upstreamRequestId?: string;
  readonly serviceTier?: string;
  readonly droppedBetas?: readonly string[];
  readonly removed?: readonly string[];
  readonly served?: Target;
  readonly fallback?: Trigger;
  readonly attempts: number;
  /** A trigger seen in the answer that was relayed (it cooled the target). */
  readonly trigger?: Trigger;
}

export async function routeMessages(input: RouteInput, deps: AppDependencies): Promise<RouteResult> {
  const { request, inflight } = input;
  const operation: Operation = input.countTokens ? 'count_tokens' : 'messages';
  const ledger = input.ledger;
  const routed = await routeRequest(
    {
      requestId: request.id,
      operation,
      model: input.routing.model,
      stream: input.routing.stream,
      body: requestBody(request, deps.config.server.body_limit_bytes),
      path: input.upstreamPath,
      headers: input.upstreamHeaders ?? request.headers,
      targets: input.targets,
      clientRetries: clientRetriesItself(request.headers),
      credentialTaken: deps.accounting.authenticator.presentsCredential(request.headers),
      signal: inflight.signal,
      termination: () => inflight.termination(),
      messageId: () => deps.ids.messageId(),
      inbound: input.inbound,
      ...(ledger === undefined ? {} : { beforeGatewayCredentials: () => ledger.beforeGatewayCredentials() }),
    },
    engineDeps(request, deps),
  );
  if (routed.kind !== 'answered') return unanswered(routed);
  const { answer, served, fallback } = routed;
  const route = { served, attempts: routed.attempts, ...(fallback === undefined ? {} : { fallback }), ...(routed.trigger === undefined ? {} : { trigger: routed.trigger }) };
  const info = answer.info;
  const known = {
    ...(info.upstreamRequestId === undefined ? {} : { upstreamRequestId: info.upstreamRequestId }),
    ...(info.serviceTier === undefined ? {} : { serviceTier: info.serviceTier }),
    ...(info.droppedBetas === undefined ? {} : { droppedBetas: info.droppedBetas }),
    ...(info.removed === undefined ? {} : { removed: info.removed }),
  };
  try {
    // The intent record, committed while the upstream answered, is durable before the first byte.
    if (ledger !== undefined) await ledger.intentDurable();
    const outcome = await (input.write ?? writeAnswer)(answer, {
      response: input.response,
      requestId: request.id,
      headers: gatewayHeaders(served, fallback),
      stream: input.routing.stream,
      provider: served.provider,
      maxEventBytes: deps.config.server.max_sse_event_bytes,
      pingIntervalMs: deps.config.bedrock.ping_interval_ms,
      now: () => deps.clock.monotonic(),
      signal: inflight.signal,
      termination: () => inflight.termination(),
      ...(ledger === undefined ? {} : { beforeEnd: (end: AnswerEnd) => ledger.complete({ ...end, served, ...(fallback === undefined ? {} : { fallback }) }) }),
    });
    return { outcome, ...(outcome.error === undefined ? {} : { failure: outcome.error }), ...known, ...route };
  } catch (error) {
    // Nothing was written (the relays throw only before their first byte).
    const failure = writeFailure(error, inflight.termination());
    return { ...(failure === undefined ? {} : { failure }), ...known, ...route };
  }
}

/** `x-gateway-provider`, `x-gateway-model`, `x-gateway-fallback`: which target serves and why. */
function gatewayHeaders(target: Target, trigger: Trigger | undefined): Record<string, string> {
  // The model may be the client's own string: encoded and bounded, so writing it cannot fail.
  return { 'x-gateway-provider': target.provider, 'x-gateway-model': headerText(target.model), ...(trigger === undefined ? {} : { 'x-gateway-fallback': trigger }) };
}

function unanswered(routed: Exclude<RouteOutcome, { kind: 'answered' }>): RouteResult {
  const route = { attempts: routed.attempts, ...(routed.served === undefined ? {} : { served: routed.served }) };
  if (routed.kind === 'aborted') return route;
  const failure = routed.error;
  return { failure, ...(failure.upstreamRequestId === undefined ? {} : { upstreamRequestId: failure.upstreamRequestId }), ...route };
}

/** The error to answer with when writing failed before its first byte; undefined when the client is gone. */
function writeFailure(error: unknown, termination: GatewayError | undefined): GatewayError | undefined {
  if (termination !== undefined) return termination;
  if (error instanceof PreCommitFailure) return error.error;
  if (isGatewayError(error)) return error;
  if ((error as { name?: string }).name === 'AbortError' || (error as { code?: string }).code === 'UND_ERR_ABORTED') return undefined;
  return new GatewayError('GW_INTERNAL', 'The gateway failed to handle the request.', { cause: error });
}

function engineDeps(request: FastifyRequest, deps: AppDependencies): EngineDeps {
  return {
    providers: deps.providers,
    settings: deps.config.routing,
    maxEventBytes: deps.config.server.max_sse_event_bytes,
    clock: deps.clock,
    sleep: realSleep,
    cooldowns: deps.cooldowns,
    retryBudget: deps.retryBudget,
    log: {
      isLevelEnabled: (level) => deps.logger.isLevelEnabled(level),
      info: (fields, message) => request.log.info(fields, message),
      debug: (fields, message) => request.log.debug(fields, message),
      warn: (fields, message) => request.log.warn(fields, message),
    },
    observeAttempt: (provider, result) => deps.metrics.observeAttempt(provider, result),
  };
}
