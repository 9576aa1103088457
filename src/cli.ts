#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { environmentVariables, configFileVariable } from './config/env.ts';
import { ConfigError, loadConfig, processEnvironment } from './config/load.ts';
import { startGateway } from './main.ts';
import { version } from './version.ts';

/** The `claude-gateway` command: parses flags, loads configuration, starts, drains on signals. */

function helpText(): string {
  const variables = environmentVariables
    .map((variable) => `  ${variable.name.padEnd(26)} ${variable.description}${variable.seeds === undefined ? '' : ` [seed ${variable.seeds}]`}`)
    .join('\n');
  return `claude-gateway ${version}: an Anthropic API gateway.

Usage:
  claude-gateway [--config FILE] [--host HOST] [--port PORT]
  claude-gateway --help | --version

Starts with zero configuration: listens on 127.0.0.1:8080 and forwards /v1/messages,
/v1/messages/count_tokens and /v1/models to the Anthropic API byte for byte, with the
client's own credential (x-api-key or Authorization: Bearer; OAuth tokens get their beta).

Point Claude Code at it:
  ANTHROPIC_BASE_URL=http://127.0.0.1:8080 claude
  ANTHROPIC_BASE_URL=http://127.0.0.1:8080/user/alice claude     (names the user)

Options:
  --config FILE   YAML configuration file (also ${configFileVariable}). Keys as in
                  docs/configuration.md, e.g.
                    server: { host: 0.0.0.0, port: 8080 }
                    anthropic: { base_url: https://api.anthropic.com }
  --host HOST     Listen address (overrides HOST).
  --port PORT     Listen port (overrides PORT).
  --help          This text.
  --version       The version.

Environment variables (they override the file; flags override them):
${variables}

Sources, lowest precedence first: defaults, file, environment, flags. Every invalid value
is reported with its path and source. GET /debug shows the effective configuration with
secrets redacted. SIGTERM drains: new requests are refused, in-flight ones may finish until
the drain deadline, then the rest end with an overloaded_error.`;
}

async function main(): Promise<void> {
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
  const config = loadConfig({ env: processEnvironment(), configFile: values.config, overrides });
  const gateway = await startGateway(config);
  console.log(`claude-gateway ${version} listening on ${gateway.url}. Point Claude Code at it: ANTHROPIC_BASE_URL=${gateway.url} claude`);
  const stop = (signal: string) => {
    gateway.logger.info({ signal }, 'signal received');
    gateway.drain().then(
      () => process.exit(0),
      (error: unknown) => {
        gateway.logger.error({ err: error }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(error instanceof ConfigError ? 2 : 1);
});
