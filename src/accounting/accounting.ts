import type { GatewayConfig } from '../config/schema.ts';
import type { CatalogEntry, Pricing } from '../config/model-catalog.ts';
import { isServiceTier, type ServiceTier } from '../service-tier.ts';
import type { ModelCatalog } from '../config/models.ts';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import type { GatewayMetrics } from '../metrics/metrics.ts';
import { isBedrockTarget, isOpenAICompatibleTarget, type Target } from '../config/targets.ts';
import { budgetMonth, fromMicros, toMicros, type AccountingStore, type ApiKeyRecord, type ReserveResult } from '../store/accounting.ts';
import type { RateLimiter, RateLimits } from '../store/rate-limits.ts';
import { costUsd } from '../usage/cost.ts';
import type { TokenUsage } from '../usage/usage.ts';
import type { Authenticator, Principal } from './auth.ts';
import { reservedInput, worstCaseMicros, type CountedInput, type RequestSize } from './reservation.ts';
import type { UsageRecorder } from './usage-recorder.ts';
import { capped, RequestLedger, servedWithGatewayCredentials } from './request-ledger.ts';

/**
 * The accounting service (`Accounting`, `deps.accounting`): admission and settlement of each
 * request (issue 5), the request's own bookkeeping being its RequestLedger (request-ledger.ts):
 * - from the headers, before the body is read (`admitCaller`): the key's (or user's)
 *   requests-per-minute and tokens-per-minute limits;
 * - with the body, before the upstream call (`admit`): a reservation of the request's
 *   worst-case cost against the key's monthly budget, then an `in_progress` usage record,
 *   committed while the upstream answers (durable before the answer's first byte);
 * - at the end, before the last bytes reach the client (`complete`): the final record, written
 *   durably; the store settles the reservation to the actual cost in the same write;
 * - after it: the tokens go to the TPM window and a key whose budget is spent is disabled.
 */

export interface AdmitInput {
  readonly requestId: string;
  readonly principal: Principal;
  readonly route: 'messages' | 'count_tokens';
  readonly model: string;
  readonly stream: boolean;
  readonly targets: readonly Target[];
  /** Epoch ms the request arrived. */
  readonly startedAt: number;
  /** Monotonic ms the request arrived (latency and TTFB are measured from it). */
  readonly startedAtMonotonic: number;
  /** Reads `max_tokens` and the input's bound and estimate from the body; only called for keys with a budget. */
  readonly worstCase: () => Promise<RequestSize>;
  /**
   * The exact input tokens, counted upstream for one target's model; undefined when no target
   * can count or counting failed. Asked only when the bound does not fit but an estimate would.
   */
  readonly countInput?: () => Promise<CountedInput | undefined>;
}

export interface AccountingOptions {
  readonly config: GatewayConfig;
  readonly store: AccountingStore;
  readonly limiter: RateLimiter;
  /** Absent when usage tracking is off. */
  readonly recorder: UsageRecorder | undefined;
  readonly authenticator: Authenticator;
  readonly catalog: ModelCatalog;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  readonly monotonic: () => number;
}

export interface Reservation {
  readonly keyId: string;
  readonly month: string;
  readonly micros: number;
  readonly limitMicros: number;
}

function tierOf(value: string | undefined): ServiceTier {
  return isServiceTier(value) ? value : 'default';
}

/** A budgeted request for a model nothing prices: refused before the upstream call (issue 10 A2). */
function unpricedError(key: ApiKeyRecord, requested: string, served: string): GatewayError {
  const model = served === requested ? JSON.stringify(capped(requested)) : `${JSON.stringify(capped(requested))} (served as ${JSON.stringify(capped(served))})`;
  return new GatewayError(
    'GW_MODEL_UNPRICED',
    `The gateway API key ${key.prefix}… has a monthly budget, and the model ${model} has no price on this gateway, so what it costs cannot be counted. ` +
      'Use a priced model, or ask the gateway operator to price it: a `models:` entry with `pricing` in the configuration, an item in the DynamoDB pricing table, or a default price (`pricing.default`, PRICING_DEFAULT).',
  );
}

/** The rate-limit window of every call made with the gateway's own credentials by a caller without a key. */
const GATEWAY_WINDOW = 'gateway';

export class Accounting {
  readonly #options: AccountingOptions;

  constructor(options: AccountingOptions) {
    this.#options = options;
  }

  get authenticator(): Authenticator {
    return this.#options.authenticator;
  }

  get store(): AccountingStore {
    return this.#options.store;
  }

  /**
   * The part of admission the headers decide, run before the body is read: the key's (or
   * user's) requests- and tokens-per-minute limits. Throws the Anthropic-shaped refusal.
   */
  async admitCaller(principal: Principal, route: AdmitInput['route'], now: number): Promise<void> {
    if (route !== 'messages' || principal.kind === 'admin') return;
    await this.#checkRate(principal, principal.kind === 'key' ? principal.key : undefined, now);
  }

  /**
   * The part that needs the body, after `admitCaller`: the budget reservation, and the
   * `in_progress` record started (durable before the answer's first byte: `intentDurable`).
   * Throws the Anthropic-shaped refusal.
   */
  async admit(input: AdmitInput): Promise<RequestLedger> {
    const { principal } = input;
    const key = principal.kind === 'key' ? principal.key : undefined;
    // A passthrough credential sent to a Bedrock target is checked by nobody (Bedrock is called
    // with the gateway's AWS credentials): such a request also counts in the gateway's window.
    if (input.route === 'messages' && servedWithGatewayCredentials(input)) await this.admitSharedWindow(principal, input.startedAt);
    const reservation = input.route === 'messages' && key?.monthlyBudgetMicros !== undefined ? await this.#reserve(key, input) : undefined;
    const ledger = new RequestLedger(this, input, reservation);
    ledger.start();
    return ledger;
  }

  /**
   * The gateway's shared window, for a passthrough request with a credential of its own that is
   * about to be served with the gateway's credentials (Bedrock) although its first target was
   * not Bedrock: a fallback, or a first target cooling down. Nobody checks its credential there,
   * so an invented one must not give a new window. Throws the 429 when the window is full.
   */
  async admitSharedWindow(principal: Principal, now: number): Promise<void> {
    await this.#checkRate(principal, undefined, now, true);
  }

  /**
   * The limiter window and limits of a principal, if any apply. A window is keyed on what the
   * client cannot choose freely: its verified gateway key; in passthrough mode the credential
   * it sends upstream (renaming the `/user/{id}`, a claim, gives no new window); and for calls
   * made with the gateway's own credentials (no client credential, or `sharedGateway`), one
   * window shared by all of them.
   */
  limitsOf(principal: Principal, sharedGateway = false): { readonly id: string; readonly limits: RateLimits } | undefined {
    const { limits } = this.#options.config;
    if (!limits.enabled) return undefined; // RATE_LIMIT_ENABLED=false (seeds 002/004): no rate limits at all
    const key = principal.kind === 'key' ? principal.key : undefined;
    const rpm = key?.rpmLimit ?? limits.default_rpm;
    const tpm = key?.tpmLimit ?? limits.default_tpm;
    if (rpm === undefined && tpm === undefined) return undefined;
    const id = key !== undefined ? `key:${key.id}` : principal.kind === 'anonymous' && principal.credentialId !== undefined && !sharedGateway ? `cred:${principal.credentialId}` : GATEWAY_WINDOW;
    return { id, limits: { ...(rpm === undefined ? {} : { rpm }), ...(tpm === undefined ? {} : { tpm }) } };
  }

  async #checkRate(principal: Principal, key: ApiKeyRecord | undefined, now: number, sharedGateway = false): Promise<void> {
    const applied = this.limitsOf(principal, sharedGateway);
    if (applied === undefined) return;
    let decision;
    try {
      decision = await this.#options.limiter.admit(applied.id, applied.limits, now);
    } catch (error) {
      this.#storeFailed('rate limit', error);
      return;
    }
    if (decision.allowed) return;
    this.#options.metrics.observeRejection(decision.limit);
    const what = decision.limit === 'rpm' ? `${applied.limits.rpm} requests per minute` : `${applied.limits.tpm} tokens per minute`;
    const who = key !== undefined ? `key ${key.prefix}…` : applied.id === GATEWAY_WINDOW ? "the gateway's own credentials (one window for every caller without a gateway key or credential of its own)" : 'this credential';
    throw new GatewayError('GW_KEY_RATE_LIMITED', `Rate limit of ${what} reached for ${who}; retry in ${decision.retryAfterSeconds} s.`, { retryAfterMs: decision.retryAfterSeconds * 1000 });
  }

  /**
   * The most the request can cost on any of its targets, reserved atomically (reservation.ts):
   * on the bound of its input; when that does not fit but an estimate would, on the exact count
   * the upstream gives (issue 10 A3).
   */
  async #reserve(key: ApiKeyRecord, input: AdmitInput): Promise<Reservation | undefined> {
    const limitMicros = key.monthlyBudgetMicros as number;
    const month = budgetMonth(input.startedAt);
    const unpriced = input.targets.find((target) => this.#priceServed(target, input.model) === undefined);
    if (unpriced !== undefined) throw unpricedError(key, input.model, unpriced.model);
    const size = await input.worstCase();
    const tier = tierOf(key.serviceTier);
    let micros = this.#worstMicros(input, size, tier, () => undefined);
    let result = await this.#tryReserve(key.id, month, micros, limitMicros);
    if (result === undefined) return undefined;
    let counted: CountedInput | undefined;
    if (!result.ok && result.spentMicros < limitMicros && input.countInput !== undefined) {
      const estimate = this.#worstMicros(input, { ...size, inputBound: size.inputEstimate }, tier, () => undefined);
      if (estimate < micros && result.spentMicros + estimate <= limitMicros) {
        counted = await input.countInput().catch(() => undefined);
        if (counted !== undefined) {
          const exact = counted;
          micros = this.#worstMicros(input, size, tier, (model) => (this.#sameModel(model, exact.model) ? exact.tokens : undefined));
          result = await this.#tryReserve(key.id, month, micros, limitMicros);
          if (result === undefined) return undefined;
        }
      }
    }
    if (result.ok) return { keyId: key.id, month, micros, limitMicros };
    this.#options.metrics.observeRejection('budget');
    if (result.spentMicros >= limitMicros) {
      await this.disableForBudget(key, month);
      throw new GatewayError('GW_BUDGET_EXHAUSTED', `The monthly budget of the gateway API key ${key.prefix}… ($${fromMicros(limitMicros)}) is spent; it is disabled until the next month (UTC).`);
    }
    if (result.spentMicros + micros > limitMicros) {
      const inputText = counted === undefined ? `input up to ${size.inputBound} tokens` : `${counted.tokens} input tokens`;
      throw new GatewayError(
        'GW_BUDGET_EXHAUSTED',
        `This request could cost up to $${fromMicros(micros)} (${inputText}, max_tokens ${size.maxTokens}), more than the $${fromMicros(limitMicros - result.spentMicros)} left of the monthly budget of ${key.prefix}…; lower max_tokens or shorten the prompt.`,
      );
    }
    throw new GatewayError('GW_BUDGET_HELD', `The rest of the monthly budget of ${key.prefix}… is held by requests in flight; retry shortly.`, { retryAfterMs: 1_000 });
  }

  /** The store's answer, or undefined when it failed and limits fail open. */
  async #tryReserve(keyId: string, month: string, micros: number, limitMicros: number): Promise<ReserveResult | undefined> {
    try {
      return await this.#options.store.reserveBudget(keyId, month, micros, limitMicros);
    } catch (error) {
      this.#storeFailed('budget', error);
      return undefined;
    }
  }

  /** The dearest cost among the targets, each priced on its counted input (when it was counted for its model) or the bound. */
  #worstMicros(input: AdmitInput, size: RequestSize, keyTier: ServiceTier, countedFor: (model: string) => number | undefined): number {
    const targets = input.targets.flatMap((target) => {
      const pricing = this.#priceServed(target, input.model);
      if (pricing === undefined) return [];
      return [{ pricing, tier: isBedrockTarget(target) ? target.options.serviceTier : undefined, inputTokens: reservedInput(size, countedFor(target.model)) }];
    });
    return worstCaseMicros(targets, size, keyTier);
  }

  /** Whether two model ids name the same catalog model (so one count serves both). */
  #sameModel(left: string, right: string): boolean {
    const entry = this.#entry(left);
    return entry === undefined ? left === right : entry === this.#entry(right);
  }

  /**
   * What an answer served by `served` for a request naming `requested` is priced at (costMicros'
   * rule). An OpenAI-compatible target is priced at its own model's price (that provider's catalog
   * entry, else a `models:` entry for its id), never at the requested model's: a Claude model
   * routed to Groq costs what Groq bills.
   */
  #priceServed(served: Target | undefined, requested: string | undefined): Pricing | undefined {
    const { catalog, config } = this.#options;
    if (served !== undefined && isOpenAICompatibleTarget(served)) return catalog.openai.find(served.provider, served.model)?.pricing ?? this.priceOf(served.model) ?? config.pricing.default;
    return this.priceOf(served?.model ?? requested) ?? this.priceOf(requested) ?? config.pricing.default;
  }

  /**
   * The price of an answer in micro-dollars: the served model's catalog prices (else, on
   * Anthropic and Bedrock, the requested model's; else the configured default price), with the multiplier of the service
   * tier used; undefined when none applies (only keys without a budget get there: see #reserve).
   * The one pricing rule for records, budgets, the log line and metrics.
   */
  costMicros(usage: TokenUsage, served: Target | undefined, requestedModel: string | undefined, tier: string | undefined): number | undefined {
    const pricing = this.#priceServed(served, requestedModel);
    return pricing === undefined ? undefined : toMicros(costUsd(usage, pricing, tierOf(tier)));
  }

  priceOf(model: string | undefined): Pricing | undefined {
    return model === undefined ? undefined : this.#entry(model)?.pricing;
  }

  #entry(model: string): CatalogEntry | undefined {
    const { catalog } = this.#options;
    return catalog.find(model) ?? catalog.fromBedrockId(model);
  }

  #storeFailed(what: string, error: unknown): void {
    this.#options.logger.error({ err: error, on_store_error: this.#options.config.limits.on_store_error }, `${what} store failed`);
    if (this.#options.config.limits.on_store_error === 'closed') {
      throw new GatewayError('GW_LIMITS_UNAVAILABLE', `The ${what} store cannot be reached; the gateway refuses requests until it can (limits.on_store_error: closed).`, { retryAfterMs: 1_000 });
    }
  }

  async disableForBudget(key: ApiKeyRecord, month: string): Promise<void> {
    if (key.status === 'disabled') return;
    await this.#options.store.updateKey(key.id, { status: 'disabled', disabledReason: 'budget_exceeded', disabledMonth: month }, this.#options.now());
    this.#options.authenticator.invalidate(key.id);
    this.#options.logger.warn({ key_id: key.id, user_id: key.userId, month }, 'monthly budget spent: key disabled until next month');
  }

  /** Internal to RequestLedger. */
  get options(): AccountingOptions {
    return this.#options;
  }
}
