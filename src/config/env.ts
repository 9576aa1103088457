/**
 * Environment variables the gateway reads, each mapped to a configuration path. The names of
 * the seed projects are honoured so their users can switch without changing anything.
 * This table is also the source of `claude-gateway --help`.
 */

export interface EnvironmentVariable {
  readonly name: string;
  /** Configuration paths this variable sets (usually one). */
  readonly paths: readonly (readonly string[])[];
  readonly description: string;
  /** Converts the raw string to the value placed at `path` (the schema validates it after). */
  readonly convert?: (raw: string) => unknown;
  /** Seed projects whose users know this name. */
  readonly seeds?: string;
}

const secondsToMs = (raw: string): unknown => {
  const seconds = Number(raw);
  return Number.isFinite(seconds) && raw.trim() !== '' ? Math.round(seconds * 1000) : raw;
};

export const environmentVariables: readonly EnvironmentVariable[] = [
  { name: 'HOST', paths: [['server', 'host']], description: 'Address to listen on (default 127.0.0.1; 0.0.0.0 for containers).' },
  { name: 'PORT', paths: [['server', 'port']], description: 'Port to listen on (default 8080).', seeds: '001' },
  { name: 'PROXY_PORT', paths: [['server', 'port']], description: 'Alias of PORT.', seeds: '003' },
  { name: 'DRAIN_TIMEOUT_SECONDS', paths: [['server', 'drain_timeout_ms']], convert: secondsToMs, description: 'On SIGTERM, how long in-flight requests may finish (default 25).' },
  { name: 'ANTHROPIC_API_BASE', paths: [['anthropic', 'base_url']], description: 'Anthropic API base URL (default https://api.anthropic.com).', seeds: '000' },
  { name: 'ANTHROPIC_API_KEY', paths: [['anthropic', 'api_key']], description: 'API key used when a client sends no credential.', seeds: '000, 003' },
  { name: 'ANTHROPIC_AUTH_TOKEN', paths: [['anthropic', 'auth_token']], description: 'Bearer token used when a client sends no credential.', seeds: '000' },
  { name: 'CLAUDE_CODE_OAUTH_TOKEN', paths: [['anthropic', 'oauth_token']], description: 'OAuth access token (sk-ant-oat…) used when a client sends no credential.', seeds: '003' },
  {
    name: 'REQUEST_TIMEOUT',
    paths: [['anthropic', 'idle_timeout_ms'], ['anthropic', 'headers_timeout_ms']],
    convert: secondsToMs,
    description: 'Seconds an upstream may stay silent (time to headers and between bytes).',
    seeds: '003',
  },
  { name: 'LOG_LEVEL', paths: [['log', 'level']], description: 'fatal, error, warn, info (default), debug, trace or silent.', convert: (raw) => raw.trim().toLowerCase() },
];

/** The variable that locates the configuration file (the `--config` flag wins over it). */
export const configFileVariable = 'GATEWAY_CONFIG';
