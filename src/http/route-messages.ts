import type { FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { AppDependencies } from '../app.ts';
import { GatewayError, isGatewayError } from '../errors.ts';
import { clientRetriesItself, maySameTargetRetry } from '../routing/client-retries.ts';
import { identityOf, keysToCheck, keyToCool } from '../routing/cooldown-keys.ts';
import type { Target } from '../routing/resolve.ts';
import type { Trigger } from '../routing/triggers.ts';
import type { CooldownEntry } from '../store/cooldowns.ts';
import { AttemptFailure, attemptAnthropic, attemptBedrock, type AttemptResult, type Decision } from './attempts.ts';
import { writeErrorResponse } from './error-response.ts';
import { headerText } from './header-value.ts';
import type { InflightRequest } from './inflight.ts';
import type { MessageRouting } from './routing-fields.ts';
import type { AnswerEnd } from './relay.ts';
import type { RequestLedger } from '../accounting/request-ledger.ts';

/**
 * The fallback loop (issue 4): tries the targets in order, skipping those cooling down, waiting
 * and retrying on a short `retry-after` (unless the client retries by itself: client-retries.ts),
 * moving on at a trigger, within the retry budget and the
 * deadline. Nothing is written to the client until one attempt answers (the first-byte commit
 * rule lives in the relays), so two upstreams are never spliced into one response.
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
}

export interface RouteResult extends Partial<AttemptResult> {
  readonly served?: Target;
  readonly fallback?: Trigger;
  readonly attempts: number;
}

interface Candidate {
  readonly target: Target;
  readonly cooling: CooldownEntry | undefined;
}

export async function routeMessages(input: RouteInput, deps: AppDependencies): Promise<RouteResult> {
  const { request } = input;
  const startedAt = deps.clock.monotonic();
  deps.retryBudget.request();
  const upstreamHeaders = input.upstreamHeaders ?? request.headers;
  const credential = deps.anthropic.credentialFor(upstreamHeaders);
  const identity = identityOf(credential?.value);
  // No credential goes upstream although the client presented one: the gateway took it (a gateway
  // key in keys mode, the master key) and was to call Anthropic with its own.
  const targets = credential === undefined && deps.accounting.authenticator.presentsCredential(request.headers) ? reachableWithoutAnthropic(input.targets) : input.targets;
  const candidates = await coolingState(targets, identity, deps, request);
  let usable = candidates.filter((candidate) => candidate.cooling === undefined);
  if (usable.length === 0) {
    // Everything cools. Targets cooling for other reasons than a rate limit are tried anyway (a
    // lone upstream that failed once must not be shut for minutes); rate-limited ones are not,
    // and when only they remain the answer is the shortest wait.
    usable = candidates.filter((candidate) => candidate.cooling?.reason !== 'rate_limited');
    if (usable.length === 0) {
      const soonest = Math.min(...candidates.map((candidate) => candidate.cooling?.until ?? Infinity));
      const wait = Math.max(1, soonest - deps.clock.now());
      const error = new GatewayError('GW_ALL_TARGETS_COOLING', `Every upstream for ${input.routing.model} is rate limited; retry in ${Math.ceil(wait / 1000)} s.`, { retryAfterMs: wait });
      writeErrorResponse(input.response, error, request.id);
      return { failure: error, attempts: 0 };
    }
  }

  let attempts = 0;
  let lastTrigger: Trigger | undefined;
  let previous: AttemptFailure | undefined;
  let retried = false;
  // A client that retries by itself (the SDKs, Claude Code) does its own waiting: the gateway
  // does not retry the same target for it, so the two retry loops never multiply.
  const clientRetries = clientRetriesItself(request.headers);
  for (let index = 0; index < usable.length; ) {
    const target = (usable[index] as Candidate).target;
    const moreTargets = index < usable.length - 1;
    attempts++;
    const attemptStarted = deps.clock.monotonic();
    const decide = (trigger: Trigger, retryAfter: number | undefined): Decision => {
      const pastDeadline = deps.clock.monotonic() - startedAt >= deps.config.routing.deadline_ms;
      if (pastDeadline || input.inflight.signal.aborted) return 'answer';
      const sameTarget = maySameTargetRetry({ trigger, retryAfterMs: retryAfter, thresholdMs: deps.config.routing.retry_threshold_ms, retried, clientRetries });
      if (sameTarget && deps.retryBudget.tryExtra()) return 'retry';
      if (moreTargets && deps.retryBudget.tryExtra()) return 'next';
      return 'answer';
    };
    const headers = gatewayHeaders(target, lastTrigger);
    const fallback = lastTrigger;
    const ledger = input.ledger;
    const context = {
      request,
      response: input.response,
      routing: input.routing,
      countTokens: input.countTokens,
      upstreamPath: input.upstreamPath,
      upstreamHeaders,
      signal: input.inflight.signal,
      termination: () => input.inflight.termination(),
      headers,
      decide,
      moreTargets,
      deps,
      ...(ledger === undefined ? {} : { beforeEnd: (end: AnswerEnd) => ledger.complete({ ...end, served: target, ...(fallback === undefined ? {} : { fallback }) }) }),
    };
    try {
      // Bedrock is called with the gateway's credentials: a passthrough credential nobody checks
      // there counts in the gateway's window, whichever target the request started with.
      if (target.provider === 'bedrock') await ledger?.beforeGatewayCredentials();
      const result = target.provider === 'anthropic' ? await attemptAnthropic(target.model, context) : await attemptBedrock(target, context);
      logAttempt(request, deps, { attempts, target, result: 'answered', status: result.outcome.status, trigger: result.trigger, started: attemptStarted });
      if (result.trigger !== undefined) await cool(target, result.trigger, result.retryAfterMs, identity, deps, request);
      return { ...result, served: target, ...(lastTrigger === undefined ? {} : { fallback: lastTrigger }), attempts };
    } catch (error) {
      if (!(error instanceof AttemptFailure)) {
        // A later target failing for its own reasons (its size limit, a feature it lacks) must
        // not replace the retryable failure that sent the request there.
        const answer = previous !== undefined && isGatewayError(error) && !input.inflight.signal.aborted ? previous.error : error;
        if (answer !== error) request.log.info({ request_id: request.id, provider: target.provider, error_code: (error as GatewayError).code }, 'fallback target refused the request; answering with the earlier failure');
        throw Object.assign(toError(answer), { attempts, served: target, lastTrigger });
      }
      logAttempt(request, deps, { attempts, target, result: error.decision, status: error.error.status, trigger: error.trigger, retryAfter: error.retryAfterMs, started: attemptStarted });
      lastTrigger = error.trigger;
      if (error.decision === 'retry') {
        retried = true;
        const remaining = deps.config.routing.deadline_ms - (deps.clock.monotonic() - startedAt);
        await sleep(Math.min(error.retryAfterMs ?? 0, deps.config.routing.max_retry_wait_ms, Math.max(0, remaining)), input.inflight.signal);
        const termination = input.inflight.termination();
        if (termination !== undefined) throw Object.assign(termination, { attempts });
        if (input.inflight.signal.aborted) return { attempts };
        continue;
      }
      await cool(target, error.trigger, error.retryAfterMs, identity, deps, request);
      if (error.decision === 'answer') throw Object.assign(error.error, { attempts, served: target, lastTrigger });
      previous = error;
      retried = false;
      index++;
    }
  }
  // `decide` answers on the last target, so the loop always returns from inside.
  throw new GatewayError('GW_INTERNAL', 'The routing loop ended without an answer.');
}

/**
 * The gateway was to call Anthropic with its own credential and has none (seeds 002/004 ran on
 * Bedrock alone): Anthropic targets are left out while another target can answer, so such a
 * gateway serves Claude from Bedrock instead of failing. When nothing else remains, the
 * Anthropic target stays and its failure names the missing setting (GW_UPSTREAM_CREDENTIAL_MISSING).
 */
function reachableWithoutAnthropic(targets: readonly Target[]): readonly Target[] {
  const others = targets.filter((target) => target.provider !== 'anthropic');
  return others.length > 0 ? others : targets;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Which targets cool for this request (a failing store counts as "not cooling", logged). */
async function coolingState(targets: readonly Target[], identity: string, deps: AppDependencies, request: FastifyRequest): Promise<Candidate[]> {
  const now = deps.clock.now();
  return Promise.all(
    targets.map(async (target) => {
      try {
        const entries = await Promise.all(keysToCheck(target, identity).map((key) => deps.cooldowns.get(key, now)));
        const cooling = entries.filter((entry): entry is CooldownEntry => entry !== undefined).sort((left, right) => right.until - left.until)[0];
        return { target, cooling };
      } catch (error) {
        request.log.warn({ request_id: request.id, err: (error as Error).message }, 'cooldown store unavailable; trying the target');
        return { target, cooling: undefined };
      }
    }),
  );
}

async function cool(target: Target, trigger: Trigger, retryAfter: number | undefined, identity: string, deps: AppDependencies, request: FastifyRequest): Promise<void> {
  // RATE_LIMIT_TRACKING_ENABLED=false (seed 000): a 429 is not remembered.
  if (trigger === 'rate_limited' && !deps.config.routing.rate_limit_cooldowns) return;
  const duration = retryAfter ?? deps.config.routing.cooldown_ms;
  if (duration <= 0) return;
  const now = deps.clock.now();
  const entry = { key: keyToCool(target, trigger, identity), until: now + duration, reason: trigger };
  try {
    await deps.cooldowns.set(entry, now);
  } catch (error) {
    request.log.warn({ request_id: request.id, err: (error as Error).message }, 'cooldown store unavailable; cooldown not recorded');
  }
}

function gatewayHeaders(target: Target, trigger: Trigger | undefined): Record<string, string> {
  // The model may be the client's own string: encoded and bounded, so writing it cannot fail.
  return { 'x-gateway-provider': target.provider, 'x-gateway-model': headerText(target.model), ...(trigger === undefined ? {} : { 'x-gateway-fallback': trigger }) };
}

interface AttemptLog {
  readonly attempts: number;
  readonly target: Target;
  readonly result: Decision | 'answered';
  readonly status: number;
  readonly trigger?: Trigger | undefined;
  readonly retryAfter?: number | undefined;
  readonly started: number;
}

function logAttempt(request: FastifyRequest, deps: AppDependencies, log: AttemptLog): void {
  deps.metrics.observeAttempt(log.target.provider, log.result === 'answered' ? 'answered' : log.result === 'retry' ? 'retry_same_target' : 'next_target');
  // A first attempt that simply answered says nothing the request's own line does not: debug only.
  const routine = log.attempts === 1 && log.result === 'answered' && log.trigger === undefined;
  if (routine && !deps.logger.isLevelEnabled('debug')) return;
  request.log[routine ? 'debug' : 'info'](
    {
      request_id: request.id,
      attempt: log.attempts,
      provider: log.target.provider,
      upstream_model: log.target.model,
      result: log.result === 'answered' ? 'answered' : log.result === 'retry' ? 'retry_same_target' : 'next_target',
      status: log.status,
      trigger: log.trigger,
      retry_after_ms: log.retryAfter,
      duration_ms: Math.round((deps.clock.monotonic() - log.started) * 10) / 10,
    },
    'attempt',
  );
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

