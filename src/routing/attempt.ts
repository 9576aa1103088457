import { GatewayError, isGatewayError, triggerForError, type Trigger } from '../errors.ts';
import { UpstreamFailure, type PassthroughAnswer, type Provider, type ProviderAnswer, type ProviderCall } from '../providers/provider.ts';
import { awaitFirstContent } from './first-content.ts';
import type { Target } from '../config/targets.ts';
import { discardBody } from '../upstream/http.ts';

/**
 * One attempt at one target, to its commit point: the provider's call, then the first content
 * (first-content.ts), all within the attempt's time: the first-event timeout while another
 * target remains (for a stream), and always the time left before the request's deadline. The
 * result is an answer to write, or a classified failure; nothing is written here.
 */

/** Sleeps `ms` (resolving early, without error, when `signal` aborts). Injected: tests use a fake clock. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface AttemptOptions {
  readonly provider: Provider;
  /** The call, without its signal and time left (set here). */
  readonly call: Omit<ProviderCall<Target>, 'signal' | 'timeLeftMs'>;
  /** The request's signal (client gone, shutdown). */
  readonly signal: AbortSignal;
  readonly timeLeftMs: number;
  /** The first event must come within this (a stream while another target remains). */
  readonly firstEventTimeoutMs: number | undefined;
  /** Hold the events before the first content (another target remains). */
  readonly hold: boolean;
  readonly maxEventBytes: number;
  readonly sleep: Sleep;
}

export type AttemptResult =
  | { readonly kind: 'answer'; readonly answer: ProviderAnswer }
  | {
      readonly kind: 'failure';
      readonly error: GatewayError;
      /** Undefined: a failure routing does not act on (the client's own, or a gateway fault). */
      readonly trigger: Trigger | undefined;
      readonly retryAfterMs: number | undefined;
      /** The upstream's own answer, relayed when the failure is final. */
      readonly relayable?: PassthroughAnswer;
    }
  /** The request's signal aborted (client gone, shutdown). */
  | { readonly kind: 'aborted'; readonly error: unknown };

/** Why an attempt's timer stops: it settled (a constant, not an error built per request). */
const ATTEMPT_SETTLED = 'attempt settled';

export async function runAttempt(options: AttemptOptions): Promise<AttemptResult> {
  const { provider, call } = options;
  const limit = Math.max(0, Math.min(options.firstEventTimeoutMs ?? Infinity, options.timeLeftMs));
  // The attempt's signal follows the request's (a client leaving, shutdown), before and after the
  // commit point, and fires alone when the attempt's time is up. (A listener: cheaper per request
  // than AbortSignal.any.)
  const attempt = new AbortController();
  if (options.signal.aborted) attempt.abort();
  else options.signal.addEventListener('abort', () => attempt.abort(), { once: true });
  const signal = attempt.signal;
  const stopTimer = new AbortController();
  let timedOut = false;
  const timer = options.sleep(limit, stopTimer.signal).then(() => {
    if (stopTimer.signal.aborted || options.signal.aborted) return;
    timedOut = true;
    attempt.abort();
  });
  const work = (async () => {
    const answer = await answerOf(provider, { ...call, signal, timeLeftMs: limit });
    return awaitFirstContent(answer, { provider: provider.name, maxEventBytes: options.maxEventBytes, hold: options.hold });
  })();
  const settled = work.then(
    (answer) => ({ answer }),
    (error: unknown) => ({ error }),
  );
  try {
    // When the request aborts, the work (aborted too) settles first.
    const first = await Promise.race([settled, timer.then(() => undefined)]);
    const result = first ?? (timedOut ? undefined : await settled);
    if (result === undefined) {
      // A late answer is released (the abort stops the upstream; its body is not read).
      work.then(release, () => undefined);
      return fromError(timeoutError(provider, options, limit), options.signal);
    }
    if ('answer' in result) return { kind: 'answer', answer: result.answer };
    return fromError(timedOut ? timeoutError(provider, options, limit) : result.error, options.signal);
  } finally {
    // A reason given: abort() without one builds a DOMException with a stack, per request.
    stopTimer.abort(ATTEMPT_SETTLED);
  }
}

/** count_tokens goes to a provider's counter when it does not speak the Anthropic wire. */
async function answerOf(provider: Provider, call: ProviderCall<Target>): Promise<ProviderAnswer> {
  if (call.operation !== 'count_tokens' || provider.anthropicWire) return provider.call(call);
  if (provider.countTokens === undefined) throw new GatewayError('GW_UNSUPPORTED_FEATURE', `${provider.name} cannot count tokens.`, { provider: provider.name });
  const count = await provider.countTokens(call);
  return {
    kind: 'json',
    body: JSON.stringify({ input_tokens: count.inputTokens }),
    info: { headers: count.estimated ? { 'x-gateway-token-count': 'estimate' } : {} },
  };
}

function timeoutError(provider: Provider, options: AttemptOptions, limit: number): GatewayError {
  const firstEvent = options.firstEventTimeoutMs !== undefined && options.firstEventTimeoutMs <= options.timeLeftMs;
  const name = provider.label ?? provider.name;
  const message = firstEvent ? `${name} sent no first event within ${limit} ms.` : `${name} did not answer within the request's deadline (${limit} ms were left).`;
  return new GatewayError('GW_UPSTREAM_TIMEOUT', message, { provider: provider.name });
}

function fromError(error: unknown, signal: AbortSignal): AttemptResult {
  if (signal.aborted) return { kind: 'aborted', error };
  if (error instanceof UpstreamFailure) {
    return { kind: 'failure', error: error.error, trigger: error.trigger, retryAfterMs: error.error.retryAfterMs, ...(error.answer === undefined ? {} : { relayable: error.answer }) };
  }
  if (!isGatewayError(error)) {
    return { kind: 'failure', error: new GatewayError('GW_INTERNAL', 'The gateway failed to handle the request.', { cause: error }), trigger: undefined, retryAfterMs: undefined };
  }
  return { kind: 'failure', error, trigger: triggerForError(error), retryAfterMs: error.retryAfterMs };
}

/** Frees what an answer holds when nobody will write it. */
export function release(answer: ProviderAnswer): void {
  if (answer.kind === 'passthrough') discardBody(answer.upstream.body);
  else if (answer.kind === 'events') void answer.events[Symbol.asyncIterator]().return?.();
  else if (answer.kind === 'forwarded') answer.release();
}

/** The real clock's sleep: resolves after `ms`, or at once when `signal` aborts. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
