import { join } from 'node:path';
import { environmentVariables } from '../../config/env.ts';

/**
 * One description of the gateway as a per-user service, from which both the systemd user unit
 * (Linux) and the LaunchAgent (macOS) are rendered (render.ts): what runs, where its files are.
 * Credentials and settings go to an environment file readable by the user only (mode 600), which
 * Node loads with --env-file: they are never written into the unit or the plist.
 */

export type ServicePlatform = 'linux' | 'darwin';

export interface ServiceDefinition {
  readonly platform: ServicePlatform;
  /** launchd label; the systemd unit is `claude-gateway.service`. */
  readonly label: string;
  readonly unitName: string;
  /** The file to write: ~/.config/systemd/user/claude-gateway.service or ~/Library/LaunchAgents/com.claude-gateway.plist. */
  readonly serviceFile: string;
  /** node --env-file=<envFile> <script>: absolute paths. */
  readonly programArguments: readonly string[];
  readonly envFile: string;
  readonly dataDirectory: string;
  /** macOS: launchd writes stdout and stderr here (Linux: the journal). */
  readonly logFile: string;
  readonly errorLogFile: string;
  /** Seconds between SIGTERM and SIGKILL: longer than the gateway's drain deadline. */
  readonly stopTimeoutSeconds: number;
}

export interface DefinitionInputs {
  readonly platform: ServicePlatform;
  readonly home: string;
  /** The Node.js that runs the service (absolute). */
  readonly nodePath: string;
  /** bin/claude-gateway.js (absolute). */
  readonly scriptPath: string;
  /** The gateway's drain deadline in seconds (DRAIN_TIMEOUT_SECONDS, 25 by default). */
  readonly drainSeconds: number;
  /** XDG_CONFIG_HOME / XDG_DATA_HOME on Linux, when set. */
  readonly configHome?: string;
  readonly dataHome?: string;
}

export const serviceLabel = 'com.claude-gateway';
export const unitName = 'claude-gateway.service';

export function serviceDefinition(inputs: DefinitionInputs): ServiceDefinition {
  const { home, platform } = inputs;
  const mac = platform === 'darwin';
  const configDirectory = mac ? join(home, 'Library', 'Application Support', 'claude-gateway') : join(inputs.configHome ?? join(home, '.config'), 'claude-gateway');
  const dataDirectory = mac ? join(configDirectory, 'data') : join(inputs.dataHome ?? join(home, '.local', 'share'), 'claude-gateway');
  const envFile = join(configDirectory, 'env');
  const logDirectory = mac ? join(home, 'Library', 'Logs', 'claude-gateway') : dataDirectory;
  return {
    platform,
    label: serviceLabel,
    unitName,
    serviceFile: mac ? join(home, 'Library', 'LaunchAgents', `${serviceLabel}.plist`) : join(inputs.configHome ?? join(home, '.config'), 'systemd', 'user', unitName),
    programArguments: [inputs.nodePath, `--env-file=${envFile}`, inputs.scriptPath],
    envFile,
    dataDirectory,
    logFile: join(logDirectory, 'gateway.log'),
    errorLogFile: join(logDirectory, 'gateway.error.log'),
    stopTimeoutSeconds: Math.ceil(inputs.drainSeconds) + 15,
  };
}

/** AWS SDK variables the gateway does not list but its credential chain reads. */
const awsVariables = ['AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'];

/** The variables `service install` carries from the installing shell into the environment file. */
export const carriedVariables: readonly string[] = [...new Set([...environmentVariables.map((variable) => variable.name), ...awsVariables])];

/** Variables `service update-token` replaces (credentials that expire or rotate). */
export const tokenVariables: readonly string[] = ['CLAUDE_CODE_OAUTH_TOKEN', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_BEARER_TOKEN_BEDROCK'];
