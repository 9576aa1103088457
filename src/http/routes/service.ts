import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app.ts';

/**
 * The gateway's own routes: liveness and readiness, Claude Code's connectivity probe, a short
 * description at `/`, and `/debug` with the effective configuration (secrets redacted) and the
 * cooldowns in force.
 */

export interface ServiceInfo {
  readonly version: string;
  readonly redactedConfig: () => unknown;
  /** Every route the gateway serves, `METHOD /path/{param}`. */
  readonly endpoints: () => readonly string[];
}

/** Readiness (503 while draining or not ready) and liveness routes. */
const readinessPaths = ['/health', '/health/ready', '/ready'];
const livenessPaths = ['/health/live', '/liveness'];

/** Every health route: these still answer on the overflow connections past the connection cap (server.ts). */
export const healthPaths: readonly string[] = [...readinessPaths, ...livenessPaths];

/** The service routes as an encapsulated plugin. */
export function servicePlugin(deps: AppDependencies, info: ServiceInfo): FastifyPluginAsync {
  return async (app) => registerServiceRoutes(app, deps, info);
}

function registerServiceRoutes(app: FastifyInstance, deps: AppDependencies, info: ServiceInfo): void {
  // Claude Code's connectivity check.
  app.route({ method: ['HEAD', 'GET'], url: '/api/hello', handler: async (_request, reply) => reply.code(200).send() });

  const health = async () => ({ status: 'ok' as const });
  const readiness = async (_request: unknown, reply: { code(status: number): unknown }) => {
    if (deps.state.draining) {
      reply.code(503);
      return { status: 'draining' as const };
    }
    const readiness = deps.readiness?.state;
    if (readiness !== undefined && !readiness.ready) {
      reply.code(503);
      return { status: 'not_ready' as const, reason: readiness.reason };
    }
    return { status: 'ok' as const };
  };
  for (const path of readinessPaths) app.get(path, readiness);
  for (const path of livenessPaths) app.get(path, health);

  // Programmatic Tool Calling (docs/ptc.md): the sandbox pool and where containers live.
  app.get('/health/ptc', async () => {
    const ptc = deps.ptc;
    if (ptc === undefined) return { status: 'disabled' as const };
    const settings = deps.config.ptc;
    return {
      status: 'ok' as const,
      sandbox: ptc.sandbox.stats(),
      containers: { store: ptc.store.kind, session_timeout_s: settings.session_timeout_ms / 1000 },
      limits: { execution_timeout_s: settings.sandbox.execution_timeout_ms / 1000, memory_limit_bytes: settings.sandbox.memory_limit_bytes, max_rounds: settings.max_rounds },
    };
  });

  app.get('/', async () => ({
    name: 'claude-gateway',
    version: info.version,
    description: 'Anthropic API gateway: byte-faithful passthrough to the Anthropic API.',
    usage: 'Point Claude Code or an Anthropic SDK at this URL: ANTHROPIC_BASE_URL=<this url> (or <this url>/user/<name> to name the user).',
    endpoints: info.endpoints().filter((endpoint) => !endpoint.includes(' /user/{user_id}/')),
    user_prefix: 'Every /v1/… endpoint also answers under /user/{user_id}/v1/…, which names the user.',
  }));

  // Prometheus scrape target: bounded labels only, nothing about users, keys or prompts.
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await deps.metrics.text();
    return reply.header('content-type', contentType).send(body);
  });

  // The configuration (redacted) and cooldowns: an administrator's view once there is a master key.
  const debugAccess = {
    onRequest: async (request: FastifyRequest) => {
      if (deps.config.auth.master_key !== undefined) deps.accounting.authenticator.requireAdmin(request.headers);
    },
  };
  app.get('/debug', debugAccess, async () => ({
    version: info.version,
    uptime_s: Math.round((deps.clock.now() - deps.state.startedAt) / 1000),
    draining: deps.state.draining,
    in_flight: deps.inflight.size,
    cooldowns: await cooldownReport(deps),
    config: info.redactedConfig(),
  }));
}

/** The targets cooling down now (keys hold a digest of credentials, never one). */
async function cooldownReport(deps: AppDependencies): Promise<unknown> {
  const now = deps.clock.now();
  try {
    const entries = await deps.cooldowns.list(now);
    return { store: deps.cooldowns.kind, active: entries.map((entry) => ({ key: entry.key, reason: entry.reason, until: new Date(entry.until).toISOString(), remaining_s: Math.ceil((entry.until - now) / 1000) })) };
  } catch (error) {
    return { store: deps.cooldowns.kind, error: (error as Error).message };
  }
}
