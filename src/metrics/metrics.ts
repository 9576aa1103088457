import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CooldownStore } from '../store/cooldowns.ts';
import type { TokenUsage } from '../usage/usage.ts';
import { PtcSandboxMetrics } from './ptc-sandbox.ts';

/**
 * Every Prometheus metric, declared once, each label bounded: routes, providers, status
 * classes, error codes from the registry, triggers and attempt results are closed sets; models,
 * users and keys are never labels. A registry per gateway instance (tests build several).
 */

export type RouteName = 'messages' | 'count_tokens' | 'models' | 'chat_completions';

export interface RequestObservation {
  readonly route: RouteName;
  readonly provider: string | undefined;
  readonly status: number;
  readonly stream: boolean;
  readonly errorCode: string | undefined;
  readonly fallback: string | undefined;
  readonly durationMs: number;
  readonly ttfbMs: number | undefined;
  /** How the answer's delivery ended (`completed`, `client_aborted`, `upstream_error`, `interrupted`). */
  readonly outcome: string;
}

export interface ServerLoad {
  readonly connections: number;
  readonly bodyBytes: number;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'provider' | 'status_class'>;
  private readonly outcomes: Counter<'route' | 'outcome'>;
  private readonly errors: Counter<'code'>;
  private readonly fallbacks: Counter<'trigger'>;
  private readonly attempts: Counter<'provider' | 'result'>;
  private readonly duration: Histogram<'route' | 'provider'>;
  private readonly ttfb: Histogram<'route' | 'provider' | 'stream'>;
  private readonly tokens: Counter<'provider' | 'kind'>;
  private readonly cost: Counter<'provider'>;
  private readonly rejections: Counter<'limit'>;
  private readonly usageLag: Histogram;
  private readonly usageWriteFailures: Counter;
  private readonly connectionsShed: Counter<'reason'>;
  /** The PTC sandbox's pool (ptc-sandbox.ts): the sandbox reports to it, `/metrics` reads its load. */
  readonly ptcSandbox = new PtcSandboxMetrics(this.registry);
  /** Reads the usage queue's depth (set once the recorder exists). */
  usageQueueDepth: () => number = () => 0;
  /** Reads the HTTP server's connections and in-flight body bytes (set by the app). */
  serverLoad: () => ServerLoad = () => ({ connections: 0, bodyBytes: 0 });

  constructor(cooldowns: CooldownStore, now: () => number) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'gateway_requests_total', help: 'Requests answered, by route, serving provider and status class.', labelNames: ['route', 'provider', 'status_class'], registers });
    this.outcomes = new Counter({ name: 'gateway_answer_outcomes_total', help: 'Requests by how the delivery of their answer ended: completed, client_aborted, upstream_error (after the first byte), interrupted (shutdown).', labelNames: ['route', 'outcome'], registers });
    this.errors = new Counter({ name: 'gateway_errors_total', help: 'Requests that ended in a gateway error, by error code (docs/errors.md).', labelNames: ['code'], registers });
    this.fallbacks = new Counter({ name: 'gateway_fallbacks_total', help: 'Requests served by a later target, by the trigger that moved them on.', labelNames: ['trigger'], registers });
    this.attempts = new Counter({ name: 'gateway_attempts_total', help: 'Upstream attempts, by provider and result (answered, retry_same_target, next_target).', labelNames: ['provider', 'result'], registers });
    this.duration = new Histogram({ name: 'gateway_request_duration_seconds', help: 'Time from request to the end of the answer.', labelNames: ['route', 'provider'], buckets: latencyBuckets, registers });
    this.ttfb = new Histogram({ name: 'gateway_time_to_first_byte_seconds', help: 'Time from request to the first byte written to the client.', labelNames: ['route', 'provider', 'stream'], buckets: latencyBuckets, registers });
    this.tokens = new Counter({ name: 'gateway_tokens_total', help: 'Tokens of answers as clients received them, by provider and kind (input, output, cache_read, cache_write_5m, cache_write_1h).', labelNames: ['provider', 'kind'], registers });
    this.cost = new Counter({ name: 'gateway_cost_usd_total', help: 'Price of answers in USD from the model catalog, by provider.', labelNames: ['provider'], registers });
    this.rejections = new Counter({ name: 'gateway_rate_limit_rejections_total', help: 'Requests refused by a gateway limit: rpm, tpm or budget.', labelNames: ['limit'], registers });
    this.usageLag = new Histogram({ name: 'gateway_usage_write_lag_seconds', help: 'Time from a usage record being queued to it being durable in the store.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
    this.usageWriteFailures = new Counter({ name: 'gateway_usage_write_failures_total', help: 'Failed usage batch writes (each is retried; records are not dropped).', registers });
    const depth = () => this.usageQueueDepth();
    new Gauge({
      name: 'gateway_usage_queue_depth',
      help: 'Usage records waiting to be written.',
      registers,
      collect() {
        this.set(depth());
      },
    });
    const load = () => this.serverLoad();
    new Gauge({
      name: 'gateway_client_connections',
      help: 'Client connections open now (capped by server.max_connections).',
      registers,
      collect() {
        this.set(load().connections);
      },
    });
    new Gauge({
      name: 'gateway_request_body_bytes_in_flight',
      help: 'Bytes of request bodies being read or held now (capped by server.max_inflight_body_bytes).',
      registers,
      collect() {
        this.set(load().bodyBytes);
      },
    });
    this.connectionsShed = new Counter({ name: 'gateway_client_connections_shed_total', help: 'Client connections closed at the connection cap: an idle one closed for a new one (evicted), a new one closed at once (refused).', labelNames: ['reason'], registers });
    new Gauge({
      name: 'gateway_cooldowns_active',
      help: 'Targets (or target and identity pairs) cooling down now.',
      registers,
      async collect() {
        try {
          this.set((await cooldowns.list(now())).length);
        } catch {
          this.set(Number.NaN);
        }
      },
    });
  }

  observeRequest(observation: RequestObservation): void {
    const provider = observation.provider ?? 'none';
    this.requests.inc({ route: observation.route, provider, status_class: `${Math.floor(observation.status / 100)}xx` });
    this.outcomes.inc({ route: observation.route, outcome: observation.outcome });
    if (observation.errorCode !== undefined) this.errors.inc({ code: observation.errorCode });
    if (observation.fallback !== undefined) this.fallbacks.inc({ trigger: observation.fallback });
    this.duration.observe({ route: observation.route, provider }, observation.durationMs / 1000);
    if (observation.ttfbMs !== undefined) this.ttfb.observe({ route: observation.route, provider, stream: String(observation.stream) }, observation.ttfbMs / 1000);
  }

  observeUsage(provider: string, usage: TokenUsage, costUsd: number | undefined): void {
    this.tokens.inc({ provider, kind: 'input' }, usage.input);
    this.tokens.inc({ provider, kind: 'output' }, usage.output);
    this.tokens.inc({ provider, kind: 'cache_read' }, usage.cacheRead);
    this.tokens.inc({ provider, kind: 'cache_write_5m' }, usage.cacheWrite5m);
    this.tokens.inc({ provider, kind: 'cache_write_1h' }, usage.cacheWrite1h);
    if (costUsd !== undefined) this.cost.inc({ provider }, costUsd);
  }

  observeRejection(limit: 'rpm' | 'tpm' | 'budget'): void {
    this.rejections.inc({ limit });
  }

  observeUsageLag(seconds: number): void {
    this.usageLag.observe(seconds);
  }

  observeUsageWriteFailure(): void {
    this.usageWriteFailures.inc();
  }

  observeConnectionShed(reason: 'evicted' | 'refused'): void {
    this.connectionsShed.inc({ reason });
  }

  observeAttempt(provider: string, result: string): void {
    this.attempts.inc({ provider, result });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
