import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { GatewayConfig, ModelConfig } from './config/schema.ts';
import { InflightRequests, shutdownError } from './http/inflight.ts';
import { randomIds, systemClock, type Clock, type IdSource } from './ids.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { join } from 'node:path';
import { ConfigError, redactUrl } from './config/load.ts';
import { dataDirectoryFailure, listenFailure, storeFailure } from './startup-error.ts';
import { ReadinessMonitor, type ReadinessState } from './readiness.ts';
import type { StartupNotice } from './config/notices.ts';
import { createCatalog, type ModelCatalog } from './config/models.ts';
import { RetryBudget } from './routing/retry-budget.ts';
import { GatewayMetrics } from './metrics/metrics.ts';
import type { CooldownStore } from './store/cooldowns.ts';
import { MemoryCooldownStore } from './store/memory/cooldowns.ts';
import { withCooldownSnapshot } from './store/cached-cooldowns.ts';
import { AnthropicProvider } from './providers/anthropic/index.ts';
import { BedrockProvider } from './providers/bedrock/index.ts';
import { createUrlFetcher, type UrlFetcher } from './request/url-fetch.ts';
import { Authenticator } from './accounting/auth.ts';
import { Accounting } from './accounting/accounting.ts';
import { UsageRecorder } from './accounting/usage-recorder.ts';
import type { AccountingStore } from './store/accounting.ts';
import type { DynamoConnectionOptions, TableNames } from './store/dynamodb/tables.ts';
import { MemoryRateLimiter } from './store/memory/rate-limits.ts';
import type { RateLimiter } from './store/rate-limits.ts';
import { createResolver, type Resolver } from './routing/resolve.ts';
import type { Sandbox } from './ptc/sandbox/contract.ts';
import { LazySandbox, type PtcServices } from './ptc/services.ts';
import { createSandbox } from './ptc/sandbox/index.ts';
import type { ContainerStore } from './store/containers.ts';

/**
 * Process wiring: configuration -> providers -> app -> listen, and a bounded graceful drain.
 */

export interface RunningGateway {
  readonly app: FastifyInstance;
  /** The base URL clients use, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly logger: Logger;
  /** Stops accepting, lets in-flight requests finish until the drain deadline, then closes. */
  drain(): Promise<void>;
  /** Writes out buffered log lines (before the process exits). */
  flushLogs(): void;
  /** Whether the stores the gateway needs can be reached now. */
  readiness(): ReadinessState;
}

export interface StartOptions {
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /** A logger to use instead of the buffered stdout one (tests). */
  readonly logger?: Logger;
  /** Start-up lines about the environment (seed variables: config/notices.ts), logged first. */
  readonly notices?: readonly StartupNotice[];
}

/** Everything the app needs that holds connections or configuration-derived tables. */
export interface GatewayServices {
  readonly anthropic: AnthropicProvider;
  readonly bedrock: BedrockProvider;
  readonly catalog: ModelCatalog;
  readonly resolver: Resolver;
  readonly urlFetcher: UrlFetcher;
  readonly bedrockAvailable: () => boolean;
  readonly cooldowns: CooldownStore;
  readonly retryBudget: RetryBudget;
  readonly metrics: GatewayMetrics;
  readonly accounting: Accounting;
  readonly accountingStore: AccountingStore;
  readonly usageRecorder: UsageRecorder | undefined;
  /** Whether the stores the gateway needs can be reached (`/health`). */
  readonly readiness: ReadinessMonitor;
  /** Programmatic Tool Calling's sandbox and container store (absent when `ptc.enabled` is false). */
  readonly ptc: PtcServices | undefined;
  close(): Promise<void>;
}

export interface ServiceOptions {
  readonly probeCredentials?: boolean;
  readonly clock?: Clock;
  /** The sandbox that runs the model's code (tests pass a scripted one). */
  readonly sandbox?: Sandbox;
}

export async function createServices(config: GatewayConfig, logger: Logger, options: ServiceOptions = {}): Promise<GatewayServices> {
  const clock = options.clock ?? systemClock;
  const cooldowns = withCooldownSnapshot(await openCooldownStore(config), config.store.cooldowns_refresh_ms, clock, (error) =>
    logger.warn({ err: error }, 'cooldown store unavailable; routing uses the cooldowns it last read'),
  );
  const accountingStore = await openAccountingStore(config);
  const limiter = await openRateLimiter(config);
  const retryBudget = new RetryBudget({ ratio: config.routing.retry_budget_ratio, minimum: config.routing.retry_budget_minimum, windowSeconds: 10 }, clock);
  const anthropic = new AnthropicProvider(config.anthropic);
  const bedrock = new BedrockProvider(config.bedrock);
  const mapped = Object.entries(config.model_mapping).map(([id, bedrockId]) => ({ id, bedrock: { id: bedrockId } }));
  const stored = config.store.kind === 'dynamodb' ? await dynamoCatalogOverrides(config, logger) : [];
  const catalog = createCatalog(undefined, [...config.models, ...mapped, ...stored], config.openai_compatible);
  let available = false;
  const resolver = createResolver(config, catalog, { bedrockAvailable: () => available });
  const urlFetcher = createUrlFetcher(config.url_fetch);
  // Bedrock shows in /v1/models once its credentials resolve; the check runs in the background
  // (the credential chain may probe instance metadata) and never blocks start-up.
  const explicit = config.bedrock.api_key !== undefined || config.bedrock.access_key_id !== undefined;
  available = config.bedrock.enabled && explicit;
  if (config.bedrock.enabled && !explicit && options.probeCredentials !== false) {
    void bedrock.transport.checkCredentials().then((found) => {
      available = found;
      logger.info({ bedrock: found ? 'available' : 'no AWS credentials found', region: config.bedrock.region, auth: bedrock.transport.authentication }, 'bedrock');
    });
  }
  const metrics = new GatewayMetrics(cooldowns, () => clock.now());
  const usageRecorder = config.usage.enabled
    ? new UsageRecorder(accountingStore, logger, {
        flushIntervalMs: config.usage.flush_interval_ms,
        batchSize: config.usage.batch_size,
        maxQueue: config.usage.max_queue,
        now: () => clock.monotonic(),
        observeLag: (seconds) => metrics.observeUsageLag(seconds),
        onWriteError: () => metrics.observeUsageWriteFailure(),
      })
    : undefined;
  if (usageRecorder !== undefined) metrics.usageQueueDepth = () => usageRecorder.depth;
  const authenticator = new Authenticator(config.auth, accountingStore, () => clock.now());
  const accounting = new Accounting({ config, store: accountingStore, limiter, recorder: usageRecorder, authenticator, catalog, metrics, logger, now: () => clock.now(), monotonic: () => clock.monotonic() });
  const maintenance = startMaintenance(accountingStore, config, logger, clock);
  const readiness = new ReadinessMonitor(async () => accountingStore.check?.(), logger);
  await readiness.start();
  const ptc = config.ptc.enabled ? await openPtc(config, options.sandbox, metrics) : undefined;
  return {
    anthropic,
    bedrock,
    catalog,
    resolver,
    urlFetcher,
    bedrockAvailable: () => available,
    cooldowns,
    retryBudget,
    metrics,
    accounting,
    accountingStore,
    usageRecorder,
    readiness,
    ptc,
    async close() {
      maintenance.stop();
      readiness.stop();
      await usageRecorder?.close();
      await Promise.all([anthropic.close(), bedrock.close(), urlFetcher.close(), cooldowns.close(), limiter.close(), accountingStore.close(), ptc?.close()]);
    },
  };
}

/** Keys, budgets and usage: the SQLite file in the data directory, or DynamoDB. */
export async function openAccountingStore(config: GatewayConfig): Promise<AccountingStore> {
  if (config.store.kind === 'dynamodb') {
    const { DynamoAccountingStore } = await import('./store/dynamodb/accounting.ts');
    return new DynamoAccountingStore(dynamoConnection(config));
  }
  const { SqliteAccountingStore } = await import('./store/sqlite/accounting.ts');
  return inDataDirectory(config, () => SqliteAccountingStore.open(join(config.store.data_dir, 'gateway.db')));
}

/** Where the DynamoDB tables are; AWS keys from the configuration when given, else the AWS SDK's credential chain. */
export function dynamoConnection(config: GatewayConfig): DynamoConnectionOptions & { tablePrefix: string } {
  const { dynamodb } = config.store;
  const { access_key_id: accessKeyId, secret_access_key: secretAccessKey, session_token: sessionToken } = config.bedrock;
  return {
    region: dynamodb.region ?? config.bedrock.region,
    ...(dynamodb.endpoint === undefined ? {} : { endpoint: dynamodb.endpoint }),
    tablePrefix: dynamodb.table_prefix,
    tableNames: tableNamesOf(dynamodb.table_names),
    ...(accessKeyId !== undefined && secretAccessKey !== undefined ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) } } : {}),
  };
}

/** `store.dynamodb.table_names` (snake_case, as configured) by table id. */
function tableNamesOf(names: GatewayConfig['store']['dynamodb']['table_names']): TableNames {
  const { rate_limits: rateLimits, model_mapping: modelMapping, ...same } = names;
  return { ...same, ...(rateLimits === undefined ? {} : { rateLimits }), ...(modelMapping === undefined ? {} : { modelMapping }) };
}

/** Prices and model mappings from the DynamoDB tables (seeds 002/004 keep them there); they win over the configuration's. */
async function dynamoCatalogOverrides(config: GatewayConfig, logger: Logger): Promise<ModelConfig[]> {
  try {
    const { loadDynamoCatalog } = await import('./store/dynamodb/catalog.ts');
    const { overrides, skipped } = await loadDynamoCatalog(dynamoConnection(config));
    if (overrides.length > 0 || skipped > 0) logger.info({ overrides: overrides.length, skipped }, 'model prices and mappings read from DynamoDB');
    return overrides;
  } catch (error) {
    logger.warn({ err: error }, 'could not read model prices and mappings from DynamoDB; using the catalog and configuration');
    return [];
  }
}

/** Rate-limit windows: Redis when configured (every instance shares them), else DynamoDB or the SQLite file. */
async function openRateLimiter(config: GatewayConfig): Promise<RateLimiter> {
  const { store } = config;
  const kind = store.rate_limits === 'auto' ? (store.redis_url !== undefined ? 'redis' : store.kind === 'dynamodb' ? 'dynamodb' : 'sqlite') : store.rate_limits;
  switch (kind) {
    case 'memory':
      return new MemoryRateLimiter();
    case 'redis': {
      if (store.redis_url === undefined) throw new ConfigError(['store.rate_limits: redis needs store.redis_url (REDIS_URL)']);
      const { RedisRateLimiter } = await import('./store/redis/rate-limits.ts');
      return withRedis(store.redis_url, () => RedisRateLimiter.connect(store.redis_url as string));
    }
    case 'dynamodb': {
      const { DynamoRateLimiter } = await import('./store/dynamodb/rate-limits.ts');
      const { createDynamoClient, tableName } = await import('./store/dynamodb/tables.ts');
      const connection = dynamoConnection(config);
      return new DynamoRateLimiter(createDynamoClient(connection), { tableName: tableName(connection.tablePrefix, 'rateLimits', connection.tableNames), ownsClient: true });
    }
    case 'sqlite': {
      const { SqliteRateLimiter } = await import('./store/sqlite/rate-limits.ts');
      return inDataDirectory(config, () => SqliteRateLimiter.open(join(store.data_dir, 'gateway.db')));
    }
  }
}

/**
 * Background upkeep of the accounting store: at start and every 5 minutes, usage records left
 * `in_progress` by a crashed process (older than `STALE_AFTER_MS`) become `interrupted` and are
 * charged their reservation; once a day (SQLite) expired records are deleted.
 */
function startMaintenance(store: AccountingStore, config: GatewayConfig, logger: Logger, clock: Clock): { stop(): void } {
  const run = async () => {
    try {
      const interrupted = await store.interruptStale(clock.now() - config.usage.stale_after_ms);
      if (interrupted.length > 0) logger.warn({ records: interrupted.length }, 'usage records of requests that never finished marked interrupted');
      if (store.kind === 'sqlite') await store.deleteExpired(clock.now());
    } catch (error) {
      logger.error({ err: error }, 'accounting maintenance failed');
    }
  };
  void run();
  const timer = setInterval(() => void run(), MAINTENANCE_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

const MAINTENANCE_INTERVAL_MS = 5 * 60_000;

/** Cooldowns live in Redis when REDIS_URL is set (every instance shares them), else in DynamoDB (STORE=dynamodb) or the SQLite file. */
async function openCooldownStore(config: GatewayConfig): Promise<CooldownStore> {
  const { store } = config;
  const kind = store.cooldowns === 'auto' ? (store.redis_url !== undefined ? 'redis' : store.kind === 'dynamodb' ? 'dynamodb' : 'sqlite') : store.cooldowns;
  switch (kind) {
    case 'memory':
      return new MemoryCooldownStore();
    case 'redis': {
      if (store.redis_url === undefined) throw new ConfigError(['store.cooldowns: redis needs store.redis_url (REDIS_URL)']);
      const { RedisCooldownStore } = await import('./store/redis/cooldowns.ts');
      return withRedis(store.redis_url, () => RedisCooldownStore.connect(store.redis_url as string));
    }
    case 'dynamodb': {
      const { DynamoCooldownStore } = await import('./store/dynamodb/cooldowns.ts');
      const { createDynamoClient, tableName } = await import('./store/dynamodb/tables.ts');
      const connection = dynamoConnection(config);
      return new DynamoCooldownStore(createDynamoClient(connection), { tableName: tableName(connection.tablePrefix, 'cooldowns', connection.tableNames), ownsClient: true });
    }
    case 'sqlite': {
      const { SqliteCooldownStore } = await import('./store/sqlite/cooldowns.ts');
      return inDataDirectory(config, () => SqliteCooldownStore.open(join(store.data_dir, 'gateway.db')));
    }
  }
}

/**
 * Programmatic Tool Calling: the sandbox and the container store. The pool of Python interpreters
 * (src/ptc/sandbox) starts on the first run of code, so a gateway that never sees PTC never loads
 * Python; that first run waits for the first interpreter (seconds), later ones find them warm.
 */
async function openPtc(config: GatewayConfig, given: Sandbox | undefined, metrics: GatewayMetrics): Promise<PtcServices> {
  const store = await openContainerStore(config);
  const sandbox = given ?? new LazySandbox(() => createSandbox(config.ptc.sandbox, metrics.ptcSandbox));
  return {
    sandbox,
    store,
    async close() {
      await Promise.all([sandbox.close(), store.close()]);
    },
  };
}

/** Containers live where cooldowns do: Redis when REDIS_URL is set, else DynamoDB (STORE=dynamodb) or the SQLite file. */
async function openContainerStore(config: GatewayConfig): Promise<ContainerStore> {
  const { store } = config;
  const setting = config.ptc.store;
  const kind = setting === 'auto' ? (store.redis_url !== undefined ? 'redis' : store.kind === 'dynamodb' ? 'dynamodb' : 'sqlite') : setting;
  switch (kind) {
    case 'memory': {
      const { MemoryContainerStore } = await import('./store/memory/containers.ts');
      return new MemoryContainerStore();
    }
    case 'redis': {
      if (store.redis_url === undefined) throw new ConfigError(['ptc.store: redis needs store.redis_url (REDIS_URL)']);
      const { RedisContainerStore } = await import('./store/redis/containers.ts');
      return withRedis(store.redis_url, () => RedisContainerStore.connect(store.redis_url as string));
    }
    case 'dynamodb': {
      const { DynamoContainerStore } = await import('./store/dynamodb/containers.ts');
      const { createDynamoClient, tableName } = await import('./store/dynamodb/tables.ts');
      const connection = dynamoConnection(config);
      return new DynamoContainerStore(createDynamoClient(connection), { tableName: tableName(connection.tablePrefix, 'ptcContainers', connection.tableNames), ownsClient: true });
    }
    case 'sqlite': {
      const { SqliteContainerStore } = await import('./store/sqlite/containers.ts');
      return inDataDirectory(config, () => SqliteContainerStore.open(join(store.data_dir, 'gateway.db')));
    }
  }
}

/** Opens the SQLite file in the data directory; a failure is one line naming the directory. */
async function inDataDirectory<T>(config: GatewayConfig, open: () => T | Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    throw dataDirectoryFailure(config.store.data_dir, error);
  }
}

/** Connects to Redis; a failure is one line naming it (password redacted). */
async function withRedis<T>(url: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    throw storeFailure(`Redis at ${redactUrl(url)}`, error);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const clock = options.clock ?? systemClock;
  const created = options.logger === undefined ? createLogger(config.log.level) : undefined;
  const logger = options.logger ?? (created as NonNullable<typeof created>).logger;
  for (const notice of options.notices ?? []) logger[notice.level]({ variable: notice.variable }, notice.message);
  const services = await createServices(config, logger, { probeCredentials: true, clock });
  const inflight = new InflightRequests();
  const state = { draining: false, startedAt: clock.now() };
  const app = buildApp({ config, logger, clock, ids: options.ids ?? randomIds, ...services, inflight, state });
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await app.close().catch(() => undefined);
    await services.close().catch(() => undefined);
    throw listenFailure(config.server.host, config.server.port, error);
  }
  const { anthropic } = config;
  if (config.auth.mode === 'keys' && anthropic.api_key === undefined && anthropic.auth_token === undefined && anthropic.oauth_token === undefined) {
    // Keys mode never forwards the client's credential: without the gateway's own, Anthropic is
    // left out of every chain with another target (Bedrock), and a request only Anthropic could
    // serve fails with GW_UPSTREAM_CREDENTIAL_MISSING, naming this cause.
    logger.warn({ auth_mode: 'keys' }, 'AUTH_MODE=keys and no Anthropic credential is configured: Claude is served from Bedrock where it can be, and requests only Anthropic can serve fail until ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN or CLAUDE_CODE_OAUTH_TOKEN is set (clients’ own credentials are not forwarded in keys mode).');
  }
  if (config.bedrock.enabled && !isLoopback(config.server.host)) {
    // Bedrock runs on the gateway's AWS credentials: with no gateway keys yet, anyone who can
    // reach this address can spend them.
    logger.warn({ host: config.server.host }, 'Bedrock is enabled and the gateway listens beyond loopback: every client that reaches it can use the gateway’s AWS credentials. Restrict access (network, gateway keys) or set BEDROCK_ENABLED=false.');
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;

  let draining: Promise<void> | undefined;
  const drain = () => {
    draining ??= (async () => {
      state.draining = true;
      logger.info({ in_flight: inflight.size, deadline_ms: config.server.drain_timeout_ms }, 'draining');
      const closed = app.close();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), config.server.drain_timeout_ms);
      });
      const first = await Promise.race([inflight.idle().then(() => 'idle' as const), deadline]);
      clearTimeout(timer);
      if (first === 'deadline') {
        logger.warn({ in_flight: inflight.size }, 'drain deadline reached: ending the remaining requests');
        inflight.terminateAll(shutdownError());
        await inflight.idle();
      }
      app.server.closeAllConnections();
      await closed;
      await services.close();
      logger.info('stopped');
    })();
    return draining;
  };
  return { app, url, logger, drain, flushLogs: () => created?.flush(), readiness: () => services.readiness.state };
}
