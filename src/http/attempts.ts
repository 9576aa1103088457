import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { AppDependencies } from '../app.ts';
import { GatewayError, isGatewayError } from '../errors.ts';
import { fromAnthropicError } from '../providers/anthropic/errors.ts';
import type { BedrockTarget } from '../providers/bedrock/index.ts';
import { withModel } from '../request/rewrite-model.ts';
import { cleanHistoryForBedrock } from '../routing/history.ts';
import { retryAfterMs } from '../routing/retry-after.ts';
import { triggerForError, type Trigger } from '../routing/triggers.ts';
import { readErrorText } from '../upstream/http.ts';
import type { MessageRouting } from './routing-fields.ts';
import { PreCommitFailure, relay, type AnswerEnd, type RelayOutcome } from './relay.ts';
import { parseBody, serveBedrockCountTokens, serveBedrockMessages } from './serve-bedrock.ts';
import { requestJson } from './request-json.ts';

/**
 * One attempt at one target. An attempt either answers the client (success, or a failure that
 * is the client's answer) or, before anything was written, throws an AttemptFailure so routing
 * can wait and retry, or move on. Whether it may is asked through `decide` at the moment of the
 * failure (it spends retry budget), so a failure that is the final answer is relayed as it came.
 */

export type Decision = 'retry' | 'next' | 'answer';

export interface AttemptContext {
  readonly request: FastifyRequest;
  readonly response: ServerResponse;
  readonly routing: MessageRouting;
  readonly countTokens: boolean;
  readonly upstreamPath: { readonly path: string; readonly search: string };
  /** The request headers to forward (gateway keys removed). */
  readonly upstreamHeaders: FastifyRequest['headers'];
  readonly signal: AbortSignal;
  readonly termination: () => GatewayError | undefined;
  /** Headers saying which target serves and why (`x-gateway-*`). */
  readonly headers: Readonly<Record<string, string>>;
  readonly decide: (trigger: Trigger, retryAfter: number | undefined) => Decision;
  /** Another target could still serve: a first event that is an `error` is held back, not relayed. */
  readonly moreTargets: boolean;
  readonly deps: AppDependencies;
  /** Accounting's hook before the end of a complete answer (RelayOptions.beforeEnd). */
  readonly beforeEnd?: (end: AnswerEnd) => Promise<void>;
}

export interface AttemptResult {
  readonly outcome: RelayOutcome;
  readonly failure?: GatewayError;
  readonly upstreamRequestId?: string;
  readonly serviceTier?: string;
  readonly droppedBetas?: readonly string[];
  readonly removed?: readonly string[];
  /** A trigger seen in the answer that was relayed (it still cools the target). */
  readonly trigger?: Trigger;
  readonly retryAfterMs?: number;
}

export class AttemptFailure extends Error {
  readonly error: GatewayError;
  readonly trigger: Trigger;
  readonly retryAfterMs: number | undefined;
  /** `answer`: the failure is the client's answer (it still cools the target). */
  readonly decision: Decision;

  constructor(error: GatewayError, trigger: Trigger, retryAfter: number | undefined, decision: Decision) {
    super(error.message);
    this.error = error;
    this.trigger = trigger;
    this.retryAfterMs = retryAfter;
    this.decision = decision;
  }
}

/** Throws an AttemptFailure when routing may go on after `error`; otherwise rethrows it. */
function escalate(error: unknown, context: AttemptContext): never {
  const failure = error instanceof PreCommitFailure ? error.error : error;
  if (!isGatewayError(failure) || context.signal.aborted) throw error;
  const trigger = triggerForError(failure);
  if (trigger === undefined) throw failure;
  throw new AttemptFailure(failure, trigger, failure.retryAfterMs, context.decide(trigger, failure.retryAfterMs));
}

export async function attemptAnthropic(model: string, context: AttemptContext): Promise<AttemptResult> {
  const { deps } = context;
  if (deps.config.routing.force_rate_limit) {
    escalate(new GatewayError('GW_UPSTREAM_RATE_LIMITED', 'Rate limited (simulated by FORCE_RATE_LIMIT).', { provider: 'anthropic', retryAfterMs: 60_000 }), context);
  }
  // While another target remains, a stream must show its first event in time (a hung upstream
  // would otherwise hold the request until the long headers timeout, and never fall back).
  const watch = context.moreTargets && context.routing.stream ? firstEventWatch(deps.config.routing.first_event_timeout_ms) : undefined;
  const signal = watch === undefined ? context.signal : AbortSignal.any([context.signal, watch.signal]);
  const timedOut = () => new GatewayError('GW_UPSTREAM_TIMEOUT', `Anthropic sent no first event within ${deps.config.routing.first_event_timeout_ms} ms.`, { provider: 'anthropic' });
  try {
    return await anthropicOnce(model, context, signal, watch, timedOut);
  } finally {
    watch?.cancel();
  }
}

async function anthropicOnce(model: string, context: AttemptContext, signal: AbortSignal, watch: FirstEventWatch | undefined, timedOut: () => GatewayError): Promise<AttemptResult> {
  const { request, deps } = context;
  const renamed = model === context.routing.model ? undefined : withModel((await requestJson(request, deps.config.server.body_limit_bytes)).object, model);
  const headers = renamed === undefined ? context.upstreamHeaders : withoutEncoding(context.upstreamHeaders);
  let upstream;
  try {
    upstream = await deps.anthropic.send({ method: 'POST', ...context.upstreamPath, headers, body: renamed ?? (request.body as Buffer), uncompressed: true, signal });
  } catch (error) {
    escalate(watch?.fired === true ? timedOut() : error, context);
  }
  const upstreamRequestId = typeof upstream.headers['request-id'] === 'string' ? upstream.headers['request-id'] : undefined;
  // The status decides (the body is read only when the answer is not relayed).
  const failure = upstream.status >= 400 ? fromAnthropicError(upstream.status, upstream.headers) : undefined;
  const trigger = (failure === undefined ? undefined : triggerForError(failure)) ?? (upstream.status === 404 && isRetiredHere(model, deps) ? 'model_retired' : undefined);
  const retryAfter = trigger === undefined ? undefined : retryAfterMs(upstream.headers, deps.clock.now(), trigger === 'rate_limited');
  if (trigger !== undefined) {
    const decision = context.decide(trigger, retryAfter);
    if (decision !== 'answer') {
      const text = await readErrorText(upstream);
      throw new AttemptFailure(fromAnthropicError(upstream.status, upstream.headers, text, { retryAfterMs: retryAfter }), trigger, retryAfter, decision);
    }
  }
  try {
    const outcome = await relay({
      upstream,
      response: context.response,
      requestId: request.id,
      provider: 'anthropic',
      maxEventBytes: deps.config.server.max_sse_event_bytes,
      now: () => deps.clock.monotonic(),
      signal,
      termination: context.termination,
      extraHeaders: context.headers,
      holdFirstError: context.moreTargets,
      onCommit: () => watch?.cancel(),
      ...(context.beforeEnd === undefined ? {} : { beforeEnd: context.beforeEnd }),
    });
    if (watch?.fired === true && !context.response.headersSent) escalate(timedOut(), context);
    return { outcome, ...(outcome.error === undefined ? {} : { failure: outcome.error }), ...(upstreamRequestId === undefined ? {} : { upstreamRequestId }), ...(trigger === undefined ? {} : { trigger }), ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }) };
  } catch (error) {
    escalate(watch?.fired === true && !context.response.headersSent ? timedOut() : error, context);
  }
}

interface FirstEventWatch {
  readonly signal: AbortSignal;
  readonly fired: boolean;
  cancel(): void;
}

function firstEventWatch(timeoutMs: number): FirstEventWatch {
  const controller = new AbortController();
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    controller.abort();
  }, timeoutMs);
  timer.unref();
  return {
    signal: controller.signal,
    get fired() {
      return fired;
    },
    cancel: () => clearTimeout(timer),
  };
}

export async function attemptBedrock(target: BedrockTarget, context: AttemptContext): Promise<AttemptResult> {
  const { deps, request } = context;
  const body = cleanHistoryForBedrock(await parseBody(request, deps), target.capabilities.family === 'claude');
  const common = {
    request,
    response: context.response,
    body,
    target,
    requestedModel: context.routing.model,
    signal: context.signal,
    termination: context.termination,
    headers: context.headers,
    ...(context.beforeEnd === undefined ? {} : { beforeEnd: context.beforeEnd }),
  };
  try {
    const served = context.countTokens ? await serveBedrockCountTokens(common, deps) : await serveBedrockMessages({ ...common, stream: context.routing.stream }, deps);
    const result = served.result;
    return {
      outcome: served.outcome,
      ...(served.outcome.error === undefined ? {} : { failure: served.outcome.error }),
      ...(result?.upstreamRequestId === undefined ? {} : { upstreamRequestId: result.upstreamRequestId }),
      ...(result === undefined ? {} : { serviceTier: result.serviceTier, droppedBetas: result.droppedBetas, removed: result.removed }),
    };
  } catch (error) {
    escalate(error, context);
  }
}

function withoutEncoding(headers: FastifyRequest['headers']): FastifyRequest['headers'] {
  const { 'content-encoding': _encoding, ...rest } = headers;
  return rest;
}

/** A model Anthropic retired but Bedrock may still serve (protocols.md §5): its 404 moves on. */
function isRetiredHere(model: string, deps: AppDependencies): boolean {
  return deps.config.routing.fallback_on_retired_model && deps.catalog.find(model)?.status === 'retired';
}
