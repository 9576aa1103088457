import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, processEnvironment } from '../config/load.ts';
import { startGateway } from '../main.ts';
import { environmentNotices } from '../config/notices.ts';
import { version } from '../version.ts';
import { helpText } from './help.ts';
import { isGatewayError } from '../errors.ts';
import { StartupError } from '../startup-error.ts';

/** The `claude-gateway` command: parses flags, loads configuration, starts, drains on signals. */

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command === 'claude' || command === 'proxy-claude') {
    const { runClaude } = await import('./claude.ts');
    process.exitCode = await runClaude(process.argv.slice(3));
    return;
  }
  if (command === 'service') {
    const { runServiceCommand } = await import('./service/command.ts');
    process.exitCode = await runServiceCommand(process.argv.slice(3));
    return;
  }
  if (command === 'keys' || command === 'setup-tables') {
    const { runAdminCommand } = await import('./admin.ts');
    process.exitCode = await runAdminCommand(process.argv.slice(2));
    return;
  }
  const { values } = parseArgs({
    options: {
      config: { type: 'string', short: 'c' },
      host: { type: 'string' },
      port: { type: 'string', short: 'p' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(helpText());
    return;
  }
  if (values.version === true) {
    console.log(version);
    return;
  }
  const overrides: Record<string, unknown> = {};
  if (values.host !== undefined) overrides['server.host'] = values.host;
  if (values.port !== undefined) overrides['server.port'] = values.port;
  const env = processEnvironment();
  const config = loadConfig({ env, configFile: values.config, overrides });
  const gateway = await startGateway(config, { notices: environmentNotices(env, config) });
  console.log(`claude-gateway ${version} listening on ${gateway.url}. Point Claude Code at it: ANTHROPIC_BASE_URL=${gateway.url} claude`);
  const readiness = gateway.readiness();
  if (!readiness.ready) console.error(`claude-gateway: not ready: ${readiness.reason ?? 'unknown'}. /health answers 503 until it is resolved (checked every second).`);
  const stop = (signal: string) => {
    gateway.logger.info({ signal }, 'signal received');
    gateway.drain().then(
      () => {
        gateway.flushLogs();
        process.exit(0);
      },
      (error: unknown) => {
        gateway.logger.error({ err: error }, 'drain failed');
        gateway.flushLogs();
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  // What stops the start (a port in use, an unusable data directory, Redis unreachable) is one
  // line and exit 1.
  if (error instanceof StartupError) {
    console.error(`claude-gateway: ${error.message}`);
    process.exit(1);
  }
  // Configuration and usage mistakes, and refusals with a message (an unknown key id, an invalid
  // field), are told plainly; anything else is a fault with its stack.
  const usage = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
  const plain = error instanceof ConfigError || (error instanceof Error && (error.name === 'UsageError' || error.constructor.name === 'UsageError' || isGatewayError(error) || usage));
  const message = plain ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(usage ? `claude-gateway: ${message}. See claude-gateway --help.` : message);
  process.exit(error instanceof ConfigError || plain ? 2 : 1);
});
