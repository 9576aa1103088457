import { errorTypeForStatus } from '../errors.ts';
import { isBedrockTarget, type Target } from '../config/targets.ts';
import type { UsageOutcome, UsageRecord } from '../store/accounting.ts';
import type { TokenUsage } from '../usage/usage.ts';
import type { Accounting, AdmitInput, Reservation } from './accounting.ts';

/**
 * One request's accounting after admission (issue 5): the `in_progress` record, committed while
 * the upstream answers and durable before the answer's first byte, the final record made durable before the answer's last bytes (settling the
 * budget reservation in the same write), then the token window and the budget check.
 */

/** How a request ended, as the relays and the routing loop know it. */
export interface LedgerEnd {
  readonly status: number;
  readonly usage?: TokenUsage;
  /** Monotonic ms of the first byte to the client. */
  readonly firstByteAt?: number;
  readonly served?: Target;
  readonly serviceTier?: string;
  readonly fallback?: string;
  readonly errorType?: string;
  /** How the delivery ended; when not said, `upstream_error` for a 2xx stream that ended with an error event, else `completed`. */
  readonly outcome?: UsageOutcome;
}

/** Longest the end of an answer waits for its usage record to be durable. */
const COMMIT_WAIT_MS = 2_000;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`usage record not durable within ${ms} ms; still queued`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const DURABLE: Promise<void> = Promise.resolve();

/** Client-chosen strings are bounded in records (a 32 MB `model` must not make an unwritable row). */
const MAX_RECORDED_CHARS = 256;

export function capped(text: string): string {
  return text.length <= MAX_RECORDED_CHARS ? text : text.slice(0, MAX_RECORDED_CHARS);
}

/** An anonymous (passthrough) request whose credential no upstream checks: its first target is Bedrock. */
export function servedWithGatewayCredentials(input: Pick<AdmitInput, 'principal' | 'targets'>): boolean {
  return input.principal.kind === 'anonymous' && input.principal.credentialId !== undefined && input.targets[0]?.provider === 'bedrock';
}

export class RequestLedger {
  readonly #accounting: Accounting;
  readonly #input: AdmitInput;
  readonly #reservation: Reservation | undefined;
  #completed: Promise<void> | undefined;
  #intent: Promise<void> | undefined;
  /** Whether the request counts in the gateway's shared window too (served with the gateway's credentials, nobody checking the client's). */
  #sharedWindow: boolean;

  constructor(accounting: Accounting, input: AdmitInput, reservation: Reservation | undefined) {
    this.#accounting = accounting;
    this.#input = input;
    this.#reservation = reservation;
    this.#sharedWindow = input.route === 'messages' && servedWithGatewayCredentials(input);
  }

  /**
   * Called before an attempt on a target served with the gateway's own credentials (Bedrock):
   * a passthrough request whose credential nobody will check counts in the gateway's shared
   * window, once, whichever target it started with. Throws the 429 when that window is full.
   */
  async beforeGatewayCredentials(): Promise<void> {
    const { principal, route } = this.#input;
    if (this.#sharedWindow || route !== 'messages' || principal.kind !== 'anonymous' || principal.credentialId === undefined) return;
    await this.#accounting.admitSharedWindow(principal, this.#accounting.options.now());
    this.#sharedWindow = true;
  }

  get completed(): boolean {
    return this.#completed !== undefined;
  }

  /**
   * Starts making the `in_progress` record durable, alongside the upstream call (issue 14: the
   * call does not wait for the commit). The HTTP layer awaits `intentDurable()` before the first
   * byte of the answer, so a crash once the client has seen anything leaves a record the next
   * start marks `interrupted` (D1); a crash before that loses a request whose client got nothing.
   * Group-committed with the other requests of the same event-loop turn; the first byte never
   * waits longer than COMMIT_WAIT_MS for it.
   */
  start(): void {
    const { options } = this.#accounting;
    if (options.recorder === undefined || this.#intent !== undefined) return;
    const record = this.#record('in_progress', { status: 0 });
    this.#intent = withTimeout(options.recorder.write(record), COMMIT_WAIT_MS).catch((error: unknown) => {
      options.logger.error({ err: error, request_id: record.requestId }, 'usage intent record not written');
    });
  }

  /** Resolves once the `in_progress` record is durable (or given up on); at once without one. */
  intentDurable(): Promise<void> {
    return this.#intent ?? DURABLE;
  }

  /**
   * Writes the final record and resolves once it is durable; the relays await it before the
   * last bytes go to the client. Later calls return the first one's promise.
   */
  complete(end: LedgerEnd): Promise<void> {
    this.#completed ??= this.#finish(end);
    return this.#completed;
  }

  async #finish(end: LedgerEnd): Promise<void> {
    const { options } = this.#accounting;
    const record = this.#record('complete', end);
    try {
      // A store that is down must not hold the answer forever: the record stays queued and is
      // written when the store is back; only the end of the answer stops waiting for it.
      if (options.recorder !== undefined) await withTimeout(options.recorder.write(record), COMMIT_WAIT_MS);
      else if (this.#reservation !== undefined) await options.store.settleBudget(this.#reservation.keyId, this.#reservation.month, this.#reservation.micros, record.costMicros);
    } catch (error) {
      options.logger.error({ err: error, request_id: record.requestId }, 'usage record not written');
    }
    void this.#after(record);
  }

  /** Off the client's path: the token window, and disabling a key whose budget is now spent. */
  async #after(record: UsageRecord): Promise<void> {
    const { options } = this.#accounting;
    const principal = this.#input.principal;
    const key = principal.kind === 'key' ? principal.key : undefined;
    try {
      const tokens = record.inputTokens + record.outputTokens + record.cacheReadTokens + record.cacheWrite5mTokens + record.cacheWrite1hTokens;
      const windows = [this.#accounting.limitsOf(principal), this.#sharedWindow ? this.#accounting.limitsOf(principal, true) : undefined];
      for (const applied of windows) {
        if (applied?.limits.tpm !== undefined && tokens > 0 && principal.kind !== 'admin') await options.limiter.recordTokens(applied.id, tokens, options.now());
      }
      if (key !== undefined && this.#reservation !== undefined) {
        const state = await options.store.getBudget(key.id, this.#reservation.month);
        if (state.spentMicros >= this.#reservation.limitMicros) await this.#accounting.disableForBudget(key, this.#reservation.month);
      }
    } catch (error) {
      options.logger.warn({ err: error, request_id: record.requestId }, 'after-request accounting failed');
    }
  }

  #record(state: UsageRecord['state'], end: LedgerEnd): UsageRecord {
    const { options } = this.#accounting;
    const input = this.#input;
    const principal = input.principal;
    const usage = end.usage;
    const served = end.served;
    const tier = end.serviceTier;
    // An answer that reached the client (2xx, bytes written) but whose usage could not be read
    // (an encoding the gateway cannot decode, a copy past its bound, a body the client left
    // before its end) is charged its reservation, the most it could cost, never 0.
    const unreadable = state === 'complete' && usage === undefined && end.status >= 200 && end.status < 300 && end.firstByteAt !== undefined;
    const costMicros = usage !== undefined ? (this.#accounting.costMicros(usage, served, input.model, tier) ?? 0) : unreadable ? (this.#reservation?.micros ?? 0) : 0;
    const now = options.monotonic();
    // A relayed upstream error carries no gateway error: its status names the type.
    const errorType = end.errorType ?? (state !== 'in_progress' && end.status >= 400 ? errorTypeForStatus(end.status) : undefined);
    const expiresAt = Math.floor(input.startedAt / 1000) + options.config.usage.retention_days * 86_400;
    return {
      requestId: input.requestId,
      startedAt: input.startedAt,
      state,
      userId: principal.userId,
      ...(principal.kind === 'key' ? { keyId: principal.key.id } : {}),
      ...(principal.kind === 'anonymous' && principal.credentialId !== undefined ? { credentialId: principal.credentialId } : {}),
      route: input.route,
      modelRequested: capped(input.model),
      ...(served === undefined ? {} : { modelServed: capped(served.model), provider: served.provider, ...(isBedrockTarget(served) ? { region: served.options.region } : {}) }),
      ...(tier === undefined ? {} : { serviceTier: tier }),
      stream: input.stream,
      ...(state === 'in_progress' ? {} : { status: end.status }),
      ...(errorType === undefined ? {} : { errorType }),
      ...(end.fallback === undefined ? {} : { fallback: end.fallback }),
      ...(state === 'in_progress' ? {} : { outcome: end.outcome ?? (end.errorType !== undefined && end.status < 400 ? 'upstream_error' : 'completed') }),
      inputTokens: usage?.input ?? 0,
      outputTokens: usage?.output ?? 0,
      cacheReadTokens: usage?.cacheRead ?? 0,
      cacheWrite5mTokens: usage?.cacheWrite5m ?? 0,
      cacheWrite1hTokens: usage?.cacheWrite1h ?? 0,
      costMicros,
      reservedMicros: this.#reservation?.micros ?? 0,
      ...(this.#reservation === undefined ? {} : { budgetMonth: this.#reservation.month }),
      ...(state === 'in_progress' ? {} : { latencyMs: Math.round((now - input.startedAtMonotonic) * 10) / 10 }),
      ...(end.firstByteAt === undefined ? {} : { ttfbMs: Math.round((end.firstByteAt - input.startedAtMonotonic) * 10) / 10 }),
      expiresAt,
    };
  }
}
