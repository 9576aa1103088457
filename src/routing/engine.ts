import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayConfig } from '../config/schema.ts';
import { GatewayError, type Trigger } from '../errors.ts';
import type { Clock } from '../ids.ts';
import type { InboundRequest, Operation, PassthroughAnswer, ProviderAnswer } from '../providers/provider.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { RequestBody } from '../request/request-body.ts';
import type { CooldownStore } from '../store/cooldowns.ts';
import { runAttempt, type AttemptResult, type Sleep } from './attempt.ts';
import { maySameTargetRetry } from './client-retries.ts';
import { identityOf } from './cooldown-keys.ts';
import { cool, coolingState, usableCandidates, type Candidate, type CoolingContext } from './cooling.ts';
import type { Target } from '../config/targets.ts';
import { discardBody } from '../upstream/http.ts';

/**
 * The routing engine (docs/routing.md): tries a request's targets in order, skipping those
 * cooling down, waiting and retrying on a short `retry-after` (unless the client retries by
 * itself), moving on at a trigger, within the retry budget and the deadline, and returns the
 * committed answer (or the failure that is the answer) for the HTTP layer to write. It knows
 * no provider by name and writes nothing: an answer is committed when its first content came
 * (first-content.ts), so two upstreams are never spliced into one response.
 */

export interface RouteRequest {
  readonly requestId: string;
  readonly operation: Operation;
  /** The model the client asked for. */
  readonly model: string;
  readonly stream: boolean;
  readonly body: RequestBody;
  readonly path: { readonly path: string; readonly search: string };
  /** The headers to send upstream (gateway keys removed). */
  readonly headers: IncomingHttpHeaders;
  readonly targets: readonly Target[];
  /** The client retries by itself (client-retries.ts): the same target is not retried for it. */
  readonly clientRetries: boolean;
  /**
   * The client presented a credential the gateway took (a gateway key, the master key): targets
   * whose provider then has no credential are left out while another target can answer.
   */
  readonly credentialTaken: boolean;
  /** Aborted when the client leaves or at shutdown. */
  readonly signal: AbortSignal;
  /** The shutdown error, once the gateway ends requests. */
  readonly termination: () => GatewayError | undefined;
  readonly messageId: () => string;
  /** Awaited before an attempt with the gateway's own credentials (accounting's shared window). */
  readonly beforeGatewayCredentials?: () => Promise<void>;
  /** The client's own request in another wire format (ProviderCall.inbound). */
  readonly inbound?: InboundRequest | undefined;
}

export type RoutingSettings = Pick<
  GatewayConfig['routing'],
  'deadline_ms' | 'retry_threshold_ms' | 'max_retry_wait_ms' | 'cooldown_ms' | 'rate_limit_cooldowns' | 'first_event_timeout_ms'
>;

/** The part of a pino logger routing uses. */
export interface RoutingLog {
  isLevelEnabled(level: 'debug'): boolean;
  info(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface EngineDeps {
  readonly providers: ProviderRegistry;
  readonly settings: RoutingSettings;
  /** `server.max_sse_event_bytes`: the largest event read while holding. */
  readonly maxEventBytes: number;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly cooldowns: CooldownStore;
  readonly retryBudget: { request(): void; tryExtra(): boolean };
  readonly log: RoutingLog;
  readonly observeAttempt: (provider: string, result: 'answered' | 'retry_same_target' | 'next_target') => void;
}

interface Routed {
  readonly attempts: number;
  readonly served?: Target;
}

export type RouteOutcome =
  | (Routed & {
      readonly kind: 'answered';
      readonly answer: ProviderAnswer;
      readonly served: Target;
      /** Why the request left an earlier target. */
      readonly fallback?: Trigger;
      /** A trigger seen in the answer relayed (an upstream failure that is the final answer). */
      readonly trigger?: Trigger;
    })
  | (Routed & { readonly kind: 'failed'; readonly error: GatewayError })
  | (Routed & { readonly kind: 'aborted' });

type Decision = 'retry' | 'next' | 'answer';

export async function routeRequest(request: RouteRequest, deps: EngineDeps): Promise<RouteOutcome> {
  deps.retryBudget.request();
  const chain = startChain(request, deps);
  const targets = request.credentialTaken ? reachable(request.targets, request, deps.providers) : request.targets;
  const candidates = await coolingState(targets, chain.cooling);
  const usable = usableCandidates(candidates);
  if (usable.length === 0) return allCooling(candidates, request, deps);
  for (let index = 0; index < usable.length; ) {
    const step = await tryTarget(chain, (usable[index] as Candidate).target, index < usable.length - 1);
    if (step === 'next') {
      chain.retried = false;
      index++;
    } else if (step !== 'retry') {
      return step;
    }
  }
  // `decide` answers on the last target, so the loop always returns from inside.
  return { kind: 'failed', error: new GatewayError('GW_INTERNAL', 'The routing loop ended without an answer.'), attempts: chain.attempts };
}

/** One request's way through its chain. */
interface Chain {
  readonly request: RouteRequest;
  readonly deps: EngineDeps;
  readonly cooling: CoolingContext;
  readonly startedAt: number;
  attempts: number;
  /** Why the request left the last target it left. */
  lastTrigger: Trigger | undefined;
  /** The failure that moved the request on, answered if a later target refuses for its own reasons. */
  previous: GatewayError | undefined;
  /** The current target was already retried once. */
  retried: boolean;
}

function startChain(request: RouteRequest, deps: EngineDeps): Chain {
  const cooling: CoolingContext = {
    cooldowns: deps.cooldowns,
    clock: deps.clock,
    cooldownMs: deps.settings.cooldown_ms,
    rateLimitCooldowns: deps.settings.rate_limit_cooldowns,
    identity: identityOf(deps.providers.credentialFor(request.headers)),
    perCredential: (target) => deps.providers.get(target.provider).credentialFor !== undefined,
    warn: (message, error) => deps.log.warn({ request_id: request.requestId, err: (error as Error).message }, message),
  };
  return { request, deps, cooling, startedAt: deps.clock.monotonic(), attempts: 0, lastTrigger: undefined, previous: undefined, retried: false };
}

function elapsed(chain: Chain): number {
  return chain.deps.clock.monotonic() - chain.startedAt;
}

/** What to do after one attempt: the outcome, or try again here, or move on. */
type Step = RouteOutcome | 'retry' | 'next';

async function tryTarget(chain: Chain, target: Target, moreTargets: boolean): Promise<Step> {
  const { request, deps } = chain;
  const provider = deps.providers.get(target.provider);
  if (provider.credentialFor === undefined) {
    // The gateway's shared window refuses (a 429): the answer, not an exception past the engine.
    const refusal = await refusedBeforeGatewayCredentials(request);
    if (refusal !== undefined) return { kind: 'failed', error: refusal, attempts: chain.attempts };
  }
  chain.attempts++;
  const started = deps.clock.monotonic();
  const result = await runAttempt({
    provider,
    call: { target, operation: request.operation, requestedModel: request.model, body: request.body, path: request.path, headers: request.headers, stream: request.stream, requestId: request.requestId, messageId: request.messageId(), inbound: request.inbound },
    signal: request.signal,
    timeLeftMs: Math.max(0, deps.settings.deadline_ms - elapsed(chain)),
    // While another target remains, a stream must show its first event in time.
    firstEventTimeoutMs: moreTargets && request.stream ? deps.settings.first_event_timeout_ms : undefined,
    hold: moreTargets,
    maxEventBytes: deps.maxEventBytes,
    sleep: deps.sleep,
  });
  if (result.kind === 'answer') {
    logAttempt(chain, { target, result: 'answered', status: statusOf(result.answer), started });
    return answered(chain, target, result.answer);
  }
  if (result.kind === 'aborted') return aborted(request, result.error, chain.attempts, target);
  return afterFailure(chain, target, result, moreTargets, started);
}

function answered(chain: Chain, target: Target, answer: ProviderAnswer, trigger?: Trigger): RouteOutcome {
  const fallback = chain.lastTrigger;
  return { kind: 'answered', answer, served: target, attempts: chain.attempts, ...(fallback === undefined ? {} : { fallback }), ...(trigger === undefined ? {} : { trigger }) };
}

type Failure = Extract<AttemptResult, { kind: 'failure' }>;

async function afterFailure(chain: Chain, target: Target, failure: Failure, moreTargets: boolean, started: number): Promise<Step> {
  const { request, deps } = chain;
  const { error, trigger, retryAfterMs, relayable } = failure;
  const failed: RouteOutcome = { kind: 'failed', error, attempts: chain.attempts, served: target };
  if (trigger === undefined) {
    // A later target failing for its own reasons (its size limit, a feature it lacks) must
    // not replace the retryable failure that sent the request there.
    const answer = chain.previous !== undefined && error.code !== 'GW_INTERNAL' ? chain.previous : error;
    if (answer !== error) deps.log.info({ request_id: request.requestId, provider: target.provider, error_code: error.code }, 'fallback target refused the request; answering with the earlier failure');
    return { ...failed, error: answer };
  }
  const state = { pastDeadline: elapsed(chain) >= deps.settings.deadline_ms, aborted: request.signal.aborted, retried: chain.retried, moreTargets, clientRetries: request.clientRetries };
  const decision = decide(trigger, retryAfterMs, state, deps);
  if (decision === 'answer' && relayable !== undefined) {
    // The upstream's own failure is the answer: relayed as it came; the target still cools.
    logAttempt(chain, { target, result: 'answered', status: relayable.upstream.status, trigger, started });
    await cool(target, trigger, retryAfterMs, chain.cooling);
    return answered(chain, target, relayable, trigger);
  }
  logAttempt(chain, { target, result: decision, status: error.status, trigger, retryAfter: retryAfterMs, started });
  chain.lastTrigger = trigger;
  if (decision === 'retry') return waitToRetry(chain, target, failure, trigger);
  if (relayable !== undefined) discardBody(relayable.upstream.body);
  await cool(target, trigger, retryAfterMs, chain.cooling);
  if (decision === 'answer') return failed;
  chain.previous = error;
  return 'next';
}

/** Waits what the upstream asked (within the deadline) before trying the same target again. */
async function waitToRetry(chain: Chain, target: Target, failure: Failure, trigger: Trigger): Promise<Step> {
  const { request, deps } = chain;
  const { error, retryAfterMs, relayable } = failure;
  chain.retried = true;
  const remaining = Math.max(0, deps.settings.deadline_ms - elapsed(chain));
  const wait = Math.min(retryAfterMs ?? 0, deps.settings.max_retry_wait_ms, remaining);
  await deps.sleep(wait, request.signal);
  // Decided before the wait, not by reading the clock after it (a timer may fire a hair early).
  const reachedDeadline = wait >= remaining;
  if (request.signal.aborted || !reachedDeadline) {
    if (relayable !== undefined) discardBody(relayable.upstream.body);
    return request.signal.aborted ? aborted(request, undefined, chain.attempts, undefined) : 'retry';
  }
  // The wait ran to the deadline: no attempt starts past it, the failure is the answer.
  await cool(target, trigger, retryAfterMs, chain.cooling);
  if (relayable !== undefined) return answered(chain, target, relayable, trigger);
  return { kind: 'failed', error, attempts: chain.attempts, served: target };
}

interface DecisionState {
  readonly pastDeadline: boolean;
  readonly aborted: boolean;
  readonly retried: boolean;
  readonly moreTargets: boolean;
  readonly clientRetries: boolean;
}

/** Wait and retry, move on, or answer with the failure; an extra attempt spends retry budget. */
function decide(trigger: Trigger, retryAfter: number | undefined, state: DecisionState, deps: EngineDeps): Decision {
  if (state.pastDeadline || state.aborted) return 'answer';
  const sameTarget = maySameTargetRetry({ trigger, retryAfterMs: retryAfter, thresholdMs: deps.settings.retry_threshold_ms, retried: state.retried, clientRetries: state.clientRetries });
  if (sameTarget && deps.retryBudget.tryExtra()) return 'retry';
  if (state.moreTargets && deps.retryBudget.tryExtra()) return 'next';
  return 'answer';
}

/** The client left, or the gateway ends the request (shutdown): its error, if anyone listens. */
async function refusedBeforeGatewayCredentials(request: RouteRequest): Promise<GatewayError | undefined> {
  try {
    await request.beforeGatewayCredentials?.();
    return undefined;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
}

function aborted(request: RouteRequest, error: unknown, attempts: number, served: Target | undefined): RouteOutcome {
  const termination = request.termination();
  const routed = { attempts, ...(served === undefined ? {} : { served }) };
  if (termination !== undefined) return { kind: 'failed', error: termination, ...routed };
  if (error instanceof GatewayError) return { kind: 'failed', error, ...routed };
  return { kind: 'aborted', ...routed };
}

/** Every target cools after rate limits: the shortest wait is the answer. */
function allCooling(candidates: readonly Candidate[], request: RouteRequest, deps: EngineDeps): RouteOutcome {
  const soonest = Math.min(...candidates.map((candidate) => candidate.cooling?.until ?? Infinity));
  const wait = Math.max(1, soonest - deps.clock.now());
  const error = new GatewayError('GW_ALL_TARGETS_COOLING', `Every upstream for ${request.model} is rate limited; retry in ${Math.ceil(wait / 1000)} s.`, { retryAfterMs: wait });
  return { kind: 'failed', error, attempts: 0 };
}

/**
 * The gateway was to call with its own credential and a provider has none (seeds 002/004 ran on
 * Bedrock alone): its targets are left out while another target can answer. When nothing else
 * remains they stay, and the failure names the missing setting.
 */
function reachable(targets: readonly Target[], request: RouteRequest, providers: ProviderRegistry): readonly Target[] {
  const others = targets.filter((target) => {
    const provider = providers.get(target.provider);
    return provider.credentialFor === undefined || provider.credentialFor(request.headers) !== undefined;
  });
  return others.length > 0 ? others : targets;
}

function statusOf(answer: ProviderAnswer | PassthroughAnswer): number {
  return answer.kind === 'passthrough' ? answer.upstream.status : 200;
}

interface AttemptLog {
  readonly target: Target;
  readonly result: Decision | 'answered';
  readonly status: number;
  readonly trigger?: Trigger | undefined;
  readonly retryAfter?: number | undefined;
  readonly started: number;
}

function logAttempt(chain: Chain, log: AttemptLog): void {
  const { request, deps, attempts } = chain;
  const result = log.result === 'answered' ? 'answered' : log.result === 'retry' ? 'retry_same_target' : 'next_target';
  deps.observeAttempt(log.target.provider, result);
  // A first attempt that simply answered says nothing the request's own line does not: debug only.
  const routine = attempts === 1 && log.result === 'answered' && log.trigger === undefined;
  if (routine && !deps.log.isLevelEnabled('debug')) return;
  const fields = {
    request_id: request.requestId,
    attempt: attempts,
    provider: log.target.provider,
    upstream_model: log.target.model,
    result,
    status: log.status,
    trigger: log.trigger,
    retry_after_ms: log.retryAfter,
    duration_ms: Math.round((deps.clock.monotonic() - log.started) * 10) / 10,
  };
  if (routine) deps.log.debug(fields, 'attempt');
  else deps.log.info(fields, 'attempt');
}
