import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AccountingStore } from '../../src/store/accounting.ts';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig, type Environment } from '../../src/config/load.ts';
import type { GatewayConfig } from '../../src/config/schema.ts';
import { InflightRequests } from '../../src/http/inflight.ts';
import { randomIds, systemClock } from '../../src/ids.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { createServices, type ServiceOptions } from '../../src/main.ts';
import type { CooldownStore } from '../../src/store/cooldowns.ts';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { FakeBedrock, type FakeBedrockOptions } from '../fakes/bedrock.ts';

/** A gateway app listening on an ephemeral port, its log lines captured for assertions. */
export interface TestGateway {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly config: GatewayConfig;
  readonly logs: string[];
  readonly inflight: InflightRequests;
  readonly state: { draining: boolean; startedAt: number };
  readonly cooldowns: CooldownStore;
  /** Keys, budgets and usage records (the gateway's own SQLite file in a temporary directory, unless configured). */
  readonly accounting: AccountingStore;
  /** Writes out queued usage records. */
  flushUsage(): Promise<void>;
  /** Forgets every cooldown (between tests: a 429 in one test must not shape the next). */
  resetCooldowns(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestGateway(env: Environment, overrides: Record<string, unknown> = {}, options: Pick<ServiceOptions, 'sandbox'> = {}): Promise<TestGateway> {
  // Each gateway gets its own data directory: test files run in parallel and must not share state.
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
  const config = loadConfig({ env: { LOG_LEVEL: 'trace', GATEWAY_DATA_DIR: dataDir, ...env }, overrides: { 'store.cooldowns': 'memory', ...overrides } });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  const { logger } = createLogger(config.log.level, sink);
  const services = await createServices(config, logger, { probeCredentials: false, ...options });
  const inflight = new InflightRequests();
  const state = { draining: false, startedAt: Date.now() };
  const app = buildApp({ config, logger, clock: systemClock, ids: randomIds, ...services, inflight, state });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    config,
    logs,
    inflight,
    state,
    cooldowns: services.cooldowns,
    accounting: services.accountingStore,
    flushUsage: async () => services.usageRecorder?.flush(),
    async resetCooldowns() {
      for (const entry of await services.cooldowns.list(Date.now())) await services.cooldowns.delete(entry.key);
    },
    async close() {
      app.server.closeAllConnections();
      await app.close();
      await services.close();
      if (config.store.data_dir === dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls every `intervalMs` until `check` returns true or the time runs out (for effects on another socket or process). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, intervalMs = 5): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface GatewayWithFake {
  readonly fake: FakeAnthropic;
  readonly gateway: TestGateway;
}

/**
 * For a test file: a fake Anthropic and a gateway in front of it, started once, the fake reset
 * before each test. The returned object is filled in by `beforeAll`.
 */
export function useGatewayWithFake(env: Environment = {}, overrides: Record<string, unknown> = {}): GatewayWithFake {
  const context = {} as { fake: FakeAnthropic; gateway: TestGateway };
  beforeAll(async () => {
    context.fake = await FakeAnthropic.start();
    context.gateway = await startTestGateway({ ANTHROPIC_API_BASE: context.fake.url, ...env }, overrides);
  });
  afterAll(async () => {
    await context.gateway.close();
    await context.fake.close();
  });
  beforeEach(async () => {
    context.fake.reset();
    await context.gateway.resetCooldowns();
  });
  return context;
}

export interface GatewayWithBedrock extends GatewayWithFake {
  readonly bedrock: FakeBedrock;
}

/** The AWS keys the fake Bedrock verifies signatures with, as a gateway would read them. */
export function awsEnvironment(bedrock: FakeBedrock): Environment {
  return {
    BEDROCK_ENDPOINT: bedrock.url,
    AWS_REGION: bedrock.region,
    AWS_ACCESS_KEY_ID: bedrock.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: bedrock.credentials.secretAccessKey,
    ...(bedrock.credentials.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: bedrock.credentials.sessionToken }),
  };
}

/**
 * For a test file: fake Anthropic, fake Bedrock (verifying SigV4 with the keys the gateway is
 * given), and a gateway in front of both; the fakes are reset before each test.
 */
export function useGatewayWithBedrock(env: Environment = {}, overrides: Record<string, unknown> = {}, options: FakeBedrockOptions = {}): GatewayWithBedrock {
  const context = {} as { fake: FakeAnthropic; bedrock: FakeBedrock; gateway: TestGateway };
  beforeAll(async () => {
    context.fake = await FakeAnthropic.start();
    context.bedrock = await FakeBedrock.start(options);
    context.gateway = await startTestGateway({ ANTHROPIC_API_BASE: context.fake.url, ...awsEnvironment(context.bedrock), ...env }, overrides);
  });
  afterAll(async () => {
    await context.gateway.close();
    await context.bedrock.close();
    await context.fake.close();
  });
  beforeEach(async () => {
    context.fake.reset();
    context.bedrock.reset();
    await context.gateway.resetCooldowns();
  });
  return context;
}
