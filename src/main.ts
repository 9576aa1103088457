import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { GatewayConfig } from './config/schema.ts';
import { InflightRequests, shutdownError } from './http/inflight.ts';
import { randomIds, systemClock, type Clock, type IdSource } from './ids.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { AnthropicProvider } from './providers/anthropic/index.ts';

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
}

export interface StartOptions {
  readonly clock?: Clock;
  readonly ids?: IdSource;
  /** A logger to use instead of the buffered stdout one (tests). */
  readonly logger?: Logger;
}

export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const clock = options.clock ?? systemClock;
  const created = options.logger === undefined ? createLogger(config.log.level) : undefined;
  const logger = options.logger ?? (created as NonNullable<typeof created>).logger;
  const anthropic = new AnthropicProvider(config.anthropic);
  const inflight = new InflightRequests();
  const state = { draining: false, startedAt: clock.now() };
  const app = buildApp({ config, logger, clock, ids: options.ids ?? randomIds, anthropic, inflight, state });
  await app.listen({ host: config.server.host, port: config.server.port });
  app.server.headersTimeout = Math.max(60_000, config.server.keep_alive_timeout_ms + 1_000);
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
      await anthropic.close();
      logger.info('stopped');
    })();
    return draining;
  };
  return { app, url, logger, drain, flushLogs: () => created?.flush() };
}
