import { acceptedVariables, type Environment } from './env.ts';
import type { GatewayConfig } from './schema.ts';
import { openAIEndpoints } from './schema-openai.ts';

/**
 * One start-up log line for each seed variable that is set and does less here, or something
 * else, than in its seed (issue 10 D24): the variables accepted without effect (env.ts,
 * `acceptedVariables`), and honoured ones whose effect differs in a way the operator should see.
 * A seed's user switches without changing the environment and still learns what each variable
 * does now. Pure; the caller logs them (values are not repeated: some are secrets).
 */

export interface StartupNotice {
  readonly level: 'info' | 'warn';
  readonly variable: string;
  readonly message: string;
}

function isSet(env: Environment, name: string): boolean {
  const value = env[name];
  return value !== undefined && value !== '';
}

export function environmentNotices(env: Environment, config: GatewayConfig): StartupNotice[] {
  const notices: StartupNotice[] = [];
  const add = (level: StartupNotice['level'], variable: string, message: string) => notices.push({ level, variable, message: `${variable}: ${message}` });
  for (const accepted of acceptedVariables) if (isSet(env, accepted.name)) add(accepted.level, accepted.name, accepted.notice);

  const window = env['RATE_LIMIT_WINDOW'];
  if (window !== undefined && window !== '' && Number(window) !== 60) {
    if (isSet(env, 'RATE_LIMIT_REQUESTS')) add('info', 'RATE_LIMIT_WINDOW', `limits count over 60 s here: RATE_LIMIT_REQUESTS per ${window} s is applied as ${config.limits.default_rpm} requests per minute (the same rate, rounded up).`);
    else add('warn', 'RATE_LIMIT_WINDOW', 'has no effect without RATE_LIMIT_REQUESTS, which it scales.');
  }
  if (!config.limits.enabled) add('info', 'RATE_LIMIT_ENABLED', 'no request or token rate limits are applied, per-key ones included; budgets still are.');
  if (!config.routing.routes_enabled && config.routes.length > 0) add('warn', 'ROUTING_ENABLE', `${config.routes.length === 1 ? 'the configured route is' : `the ${config.routes.length} configured routes are`} not used; every model takes the zero-configuration chain.`);
  if (!config.routing.rate_limit_cooldowns) add('info', 'RATE_LIMIT_TRACKING_ENABLED', 'a 429 is not remembered: each request tries its first target again.');
  if (config.store.kind !== 'dynamodb') {
    for (const name of ['USAGE_TABLE_NAME', 'RATE_LIMIT_TABLE_NAME']) {
      if (isSet(env, name)) add('warn', name, 'names a DynamoDB table, but the store is SQLite (STORE is not dynamodb): the table is not used.');
    }
  }
  if (!config.bedrock.prompt_caching) add('info', 'PROMPT_CACHING_ENABLED', 'Converse models get no cache points (cache_control dropped and logged); Anthropic and Claude on InvokeModel keep the client’s cache_control, as in the seed.');
  const features: [boolean, string, string][] = [
    [config.features.tool_use, 'ENABLE_TOOL_USE', 'tools'],
    [config.features.extended_thinking, 'ENABLE_EXTENDED_THINKING', 'thinking turned on'],
    [config.features.documents, 'ENABLE_DOCUMENT_SUPPORT', 'document blocks'],
  ];
  for (const [enabled, variable, what] of features) if (!enabled) add('info', variable, `requests with ${what} are refused with 400 GW_FEATURE_DISABLED.`);
  if (!config.ptc.enabled) add('info', 'ENABLE_PROGRAMMATIC_TOOL_CALLING', 'Programmatic Tool Calling is not emulated: requests with it are refused toward Bedrock and OpenAI-compatible targets (400 GW_UNSUPPORTED_FEATURE); Anthropic runs it natively.');
  notices.push(...keylessProviderNotices(config));
  return notices;
}

/**
 * A route naming a built-in OpenAI-compatible provider the gateway has no key for (seed 001's
 * file with `name: cerebras` and no CEREBRAS_API_KEY): those targets are never called, routing
 * moves past them (GW_UPSTREAM_CREDENTIALS).
 */
function keylessProviderNotices(config: GatewayConfig): StartupNotice[] {
  const named = new Set(config.routes.flatMap((route) => route.targets.map((target) => target.provider)));
  return openAIEndpoints(config.openai_compatible)
    .filter((endpoint) => endpoint.builtin && endpoint.api_key === undefined && named.has(endpoint.name))
    .map((endpoint) => {
      const variable = `${endpoint.name.toUpperCase()}_API_KEY`;
      return { level: 'warn' as const, variable, message: `${variable}: not set, but routes name ${endpoint.name}: those targets are skipped (GW_UPSTREAM_CREDENTIALS) until the gateway has a key for it.` };
    });
}
