import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, processEnvironment, type Environment } from '../../config/load.ts';
import { carriedVariables, serviceDefinition, tokenVariables, type ServiceDefinition, type ServicePlatform } from './definition.ts';
import { parseEnvFile, serializeEnvFile } from './env-file.ts';
import { renderServiceFile } from './render.ts';

/**
 * `claude-gateway service install|uninstall|start|stop|restart|status|logs|error-logs|update-token|print`:
 * the gateway as a per-user service, systemd on Linux and launchd on macOS, with seed 003's
 * `make` targets as subcommands. The service manager is reached through `io.run`, so tests fake it.
 */

export const serviceUsage = `Usage:
  claude-gateway service install [--port PORT]   write the unit (Linux) or LaunchAgent (macOS) and the
                                                 environment file from this shell's variables, then start it
  claude-gateway service start | stop | restart | status
  claude-gateway service logs | error-logs       follow the gateway's log (error-logs: warnings and errors)
  claude-gateway service update-token            copy the credentials set in this shell (CLAUDE_CODE_OAUTH_TOKEN,
                                                 ANTHROPIC_API_KEY, AWS_…) into the environment file, then restart
  claude-gateway service uninstall [--purge]     stop and remove the service (--purge: the environment file too)
  claude-gateway service print                   print the unit or plist that install would write

Options: --platform linux|darwin (default: this system), --port PORT (default: PORT, PROXY_PORT or 8080).
The environment file (mode 600) holds the credentials; the unit and the plist never do.`;

export interface ServiceIo {
  readonly env: Environment;
  readonly out: (line: string) => void;
  /** Runs a command of the service manager, its output shown to the user; resolves with its exit status. */
  readonly run: (command: string, args: readonly string[]) => number;
  readonly home: string;
  readonly uid: number;
  readonly platform: string;
  readonly nodePath: string;
  readonly scriptPath: string;
}

const defaultIo: ServiceIo = {
  env: processEnvironment(),
  out: (line) => console.log(line),
  run: (command, args) => spawnSync(command, args, { stdio: 'inherit' }).status ?? 1,
  home: homedir(),
  uid: process.getuid?.() ?? 0,
  platform: process.platform,
  nodePath: process.execPath,
  scriptPath: join(import.meta.dirname, '../../../bin/claude-gateway.js'),
};

class ServiceUsageError extends Error {
  override readonly name = 'UsageError';
}

interface Context {
  readonly io: ServiceIo;
  readonly definition: ServiceDefinition;
  readonly port: number;
  readonly purge: boolean;
}

export async function runServiceCommand(args: readonly string[], io: ServiceIo = defaultIo): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: { platform: { type: 'string' }, port: { type: 'string' }, purge: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  const [action] = positionals;
  if (values.help === true || action === undefined) {
    io.out(serviceUsage);
    return action === undefined && values.help !== true ? 2 : 0;
  }
  const platform = values.platform ?? io.platform;
  if (platform !== 'linux' && platform !== 'darwin') throw new ServiceUsageError(`service: ${platform} has no supported service manager (linux: systemd, darwin: launchd); use --platform to generate the files anyway.`);
  const config = loadConfig({ env: io.env, overrides: values.port === undefined ? {} : { 'server.port': values.port } });
  const definition = serviceDefinition({ platform: platform as ServicePlatform, home: io.home, nodePath: io.nodePath, scriptPath: io.scriptPath, drainSeconds: config.server.drain_timeout_ms / 1000, configHome: io.env['XDG_CONFIG_HOME'], dataHome: io.env['XDG_DATA_HOME'] });
  const handler = actions[action];
  if (handler === undefined) throw new ServiceUsageError(`service: unknown command ${action}.\n\n${serviceUsage}`);
  return handler({ io, definition, port: config.server.port, purge: values.purge === true });
}

const systemctl = (context: Context, ...args: string[]) => context.io.run('systemctl', ['--user', ...args]);
const launchTarget = (context: Context) => `gui/${context.io.uid}`;
const launchService = (context: Context) => `${launchTarget(context)}/${context.definition.label}`;
const mac = (context: Context) => context.definition.platform === 'darwin';

/** Writes the environment file (mode 600): the carried variables of this shell over what the file had. */
function writeEnvironment(context: Context, names: readonly string[]): string[] {
  const { definition, io } = context;
  const values = existsSync(definition.envFile) ? parseEnvFile(readFileSync(definition.envFile, 'utf8')) : new Map<string, string>();
  const written: string[] = [];
  for (const name of names) {
    const value = io.env[name];
    if (value !== undefined && value !== '') {
      values.set(name, value);
      written.push(name);
    }
  }
  values.set('PORT', String(context.port));
  values.delete('PROXY_PORT');
  if (!values.has('GATEWAY_DATA_DIR')) values.set('GATEWAY_DATA_DIR', definition.dataDirectory);
  mkdirSync(dirname(definition.envFile), { recursive: true, mode: 0o700 });
  writeFileSync(definition.envFile, serializeEnvFile(values, 'claude-gateway service environment (claude-gateway service install / update-token).\nLoaded by Node at start: KEY="value" lines. Keep it readable by you only.'), { mode: 0o600 });
  chmodSync(definition.envFile, 0o600);
  return written;
}

function install(context: Context): number {
  const { definition, io } = context;
  const carried = writeEnvironment(context, carriedVariables);
  for (const folder of [definition.dataDirectory, dirname(definition.logFile), dirname(definition.serviceFile)]) mkdirSync(folder, { recursive: true, mode: 0o700 });
  writeFileSync(definition.serviceFile, renderServiceFile(definition), { mode: 0o644 });
  io.out(`wrote ${definition.serviceFile}`);
  io.out(`wrote ${definition.envFile} (mode 600): ${carried.length === 0 ? 'no credential from this shell (clients bring their own)' : carried.join(', ')}`);
  let status: number;
  if (mac(context)) {
    io.run('launchctl', ['bootout', launchService(context)]); // a previous version, if loaded
    status = io.run('launchctl', ['bootstrap', launchTarget(context), definition.serviceFile]);
  } else {
    status = systemctl(context, 'daemon-reload');
    if (status === 0) status = systemctl(context, 'enable', '--now', definition.unitName);
  }
  if (status === 0) io.out(`claude-gateway runs as a service on http://127.0.0.1:${context.port}. Point Claude Code at it: ANTHROPIC_BASE_URL=http://127.0.0.1:${context.port} claude (or: claude-gateway claude)`);
  return status;
}

function uninstall(context: Context): number {
  const { definition, io } = context;
  if (mac(context)) io.run('launchctl', ['bootout', launchService(context)]);
  else systemctl(context, 'disable', '--now', definition.unitName);
  rmSync(definition.serviceFile, { force: true });
  if (!mac(context)) systemctl(context, 'daemon-reload');
  if (context.purge) rmSync(definition.envFile, { force: true });
  io.out(`removed ${definition.serviceFile}${context.purge ? ` and ${definition.envFile}` : `; kept ${definition.envFile} and ${definition.dataDirectory} (--purge removes the environment file)`}`);
  return 0;
}

function updateToken(context: Context): number {
  if (!existsSync(context.definition.envFile)) throw new ServiceUsageError('service update-token: the service is not installed (claude-gateway service install)');
  const written = writeEnvironment(context, tokenVariables);
  if (written.length === 0) throw new ServiceUsageError(`service update-token: set the new credential in this shell first (${tokenVariables.join(', ')})`);
  context.io.out(`updated ${written.join(', ')} in ${context.definition.envFile}`);
  return actions['restart']?.(context) ?? 1;
}

const actions: Record<string, (context: Context) => number> = {
  install,
  uninstall,
  'update-token': updateToken,
  print: (context) => {
    context.io.out(renderServiceFile(context.definition));
    return 0;
  },
  start: (context) => (mac(context) ? context.io.run('launchctl', ['kickstart', launchService(context)]) : systemctl(context, 'start', context.definition.unitName)),
  stop: (context) => (mac(context) ? context.io.run('launchctl', ['kill', 'SIGTERM', launchService(context)]) : systemctl(context, 'stop', context.definition.unitName)),
  restart: (context) => (mac(context) ? context.io.run('launchctl', ['kickstart', '-k', launchService(context)]) : systemctl(context, 'restart', context.definition.unitName)),
  status: (context) => (mac(context) ? context.io.run('launchctl', ['print', launchService(context)]) : systemctl(context, 'status', '--no-pager', context.definition.unitName)),
  logs: (context) => (mac(context) ? context.io.run('tail', ['-n', '100', '-F', context.definition.logFile]) : context.io.run('journalctl', ['--user', '-u', context.definition.unitName, '-n', '100', '-f'])),
  // pino levels: 40 warn, 50 error, 60 fatal.
  'error-logs': (context) =>
    mac(context) ? context.io.run('tail', ['-n', '100', '-F', context.definition.errorLogFile]) : context.io.run('journalctl', ['--user', '-u', context.definition.unitName, '-n', '100', '-f', '--grep', '"level":[456]0']),
};
