/**
 * Environment variables the gateway reads, each mapped to a configuration path. The names of
 * the seed projects are honoured so their users can switch without changing anything.
 * This table is also the source of `claude-gateway --help`.
 */

/** Environment variables by name (the process environment, or a test's). */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface EnvironmentVariable {
  readonly name: string;
  /** Configuration paths this variable sets (usually one; none for one that modifies another). */
  readonly paths: readonly (readonly string[])[];
  readonly description: string;
  /** Converts the raw string to the value placed at `path` (the schema validates it after); `env` for a value another variable modifies. */
  readonly convert?: (raw: string, env: Environment) => unknown;
  /** For a variable with no path of its own: the problem with its value, if any. */
  readonly validate?: (raw: string) => string | undefined;
  /** Seed projects whose users know this name. */
  readonly seeds?: string;
}

const secondsToMs = (raw: string): unknown => {
  const seconds = Number(raw);
  return Number.isFinite(seconds) && raw.trim() !== '' ? Math.round(seconds * 1000) : raw;
};

/** `true/false`, `1/0`, `yes/no`, `on/off`; anything else is left for the schema to reject. */
const toBoolean = (raw: string): unknown => {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  return raw;
};

/** A JSON object, or the raw text for the schema to reject. */
const toJson = (raw: string): unknown => {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
};

/** Seed 001's OPENROUTER_BASE_URL is the site (`https://openrouter.ai`): the API is under `/api/v1`. */
const toOpenRouterBase = (raw: string): unknown => {
  try {
    const url = new URL(raw.trim());
    return url.pathname === '/' || url.pathname === '' ? `${url.origin}/api/v1` : raw.trim();
  } catch {
    return raw;
  }
};

/** A positive number of seconds, or the problem. */
const positiveSeconds = (raw: string): string | undefined => (Number.isFinite(Number(raw)) && Number(raw) > 0 && raw.trim() !== '' ? undefined : 'must be a positive number of seconds');

/**
 * Seeds 002/004 count RATE_LIMIT_REQUESTS over RATE_LIMIT_WINDOW seconds; limits here count over
 * 60 s, so the same rate per minute is applied, rounded up (the window's own burst is not kept).
 */
const requestsPerWindow = (raw: string, env: Environment): unknown => {
  const window = env['RATE_LIMIT_WINDOW'];
  const requests = Number(raw);
  if (window === undefined || positiveSeconds(window) !== undefined || raw.trim() === '' || !Number.isFinite(requests) || requests <= 0) return raw;
  return Math.max(1, Math.ceil((requests * 60) / Number(window)));
};

/** A size as Docker writes it (seed 004's PTC_MEMORY_LIMIT=256m): bytes, or k/m/g (KiB, MiB, GiB; `mb`, `MiB` too). */
export const toBytes = (raw: string): unknown => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$/i.exec(raw);
  if (match === null) return raw;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()] ?? 1;
  return Math.round(Number(match[1]) * unit);
};

/** pino's level names, and the Python logging names seeds 002/004 accept (WARNING, CRITICAL). */
const toLogLevel = (raw: string): unknown => {
  const value = raw.trim().toLowerCase();
  return value === 'warning' ? 'warn' : value === 'critical' ? 'fatal' : value;
};

export const environmentVariables: readonly EnvironmentVariable[] = [
  { name: 'HOST', paths: [['server', 'host']], description: 'Address to listen on (default 127.0.0.1; 0.0.0.0 for containers).' },
  { name: 'PORT', paths: [['server', 'port']], description: 'Port to listen on (default 8080).', seeds: '001' },
  { name: 'PROXY_PORT', paths: [['server', 'port']], description: 'Alias of PORT.', seeds: '003' },
  { name: 'DRAIN_TIMEOUT_SECONDS', paths: [['server', 'drain_timeout_ms']], convert: secondsToMs, description: 'On SIGTERM, how long in-flight requests may finish (default 25).' },
  { name: 'BODY_LIMIT_BYTES', paths: [['server', 'body_limit_bytes']], description: 'Largest request body accepted, in bytes (default 33554432, 32 MB).' },
  { name: 'MAX_INFLIGHT_BODY_BYTES', paths: [['server', 'max_inflight_body_bytes']], description: 'Bytes of all request bodies held at once; past it 529 overloaded_error (default 268435456, 256 MB).' },
  { name: 'MAX_CONNECTIONS', paths: [['server', 'max_connections']], description: 'Open client connections at most (default: from the file-descriptor limit); at the cap the oldest idle one is closed.' },
  { name: 'HEADERS_TIMEOUT_SECONDS', paths: [['server', 'headers_timeout_ms']], convert: secondsToMs, description: 'Seconds a client may take to send a request’s headers (default 20).' },
  { name: 'CLIENT_REQUEST_TIMEOUT_SECONDS', paths: [['server', 'request_timeout_ms']], convert: secondsToMs, description: 'Seconds a client may take to send a whole request, body included (default 120; answers may take longer).' },
  { name: 'KEEP_ALIVE_TIMEOUT_SECONDS', paths: [['server', 'keep_alive_timeout_ms']], convert: secondsToMs, description: 'Seconds an idle kept-alive client connection stays open (default 65; above a load balancer’s 60).' },
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
  { name: 'BEDROCK_ENABLED', paths: [['bedrock', 'enabled']], convert: toBoolean, description: 'Serve Bedrock models at all (default true; uses the gateway’s AWS credentials).' },
  { name: 'BEDROCK_REGION', paths: [['bedrock', 'region']], description: 'AWS region for Bedrock (default us-east-1).', seeds: '001, 004' },
  { name: 'AWS_REGION', paths: [['bedrock', 'region']], description: 'AWS region, used for Bedrock when BEDROCK_REGION is not set.', seeds: '000, 002, 003, 004' },
  { name: 'AWS_DEFAULT_REGION', paths: [['bedrock', 'region']], description: 'Fallback for AWS_REGION (AWS CLI convention).' },
  { name: 'BEDROCK_ENDPOINT', paths: [['bedrock', 'endpoint']], description: 'Bedrock runtime URL instead of https://bedrock-runtime.{region}.amazonaws.com (VPC endpoints, tests).', seeds: '001' },
  { name: 'AWS_BEARER_TOKEN_BEDROCK', paths: [['bedrock', 'api_key']], description: 'Bedrock API key, sent as Bearer instead of SigV4 signing.' },
  { name: 'AWS_ACCESS_KEY_ID', paths: [['bedrock', 'access_key_id']], description: 'AWS access key; without it the AWS credential chain (profile, SSO, container and instance roles) is used.', seeds: '002, 004' },
  { name: 'AWS_SECRET_ACCESS_KEY', paths: [['bedrock', 'secret_access_key']], description: 'AWS secret key, with AWS_ACCESS_KEY_ID.', seeds: '002, 004' },
  { name: 'AWS_SESSION_TOKEN', paths: [['bedrock', 'session_token']], description: 'AWS session token for temporary keys.' },
  { name: 'AWS_PROFILE', paths: [['bedrock', 'profile']], description: 'Profile of the shared AWS config files for the credential chain.', seeds: '003' },
  { name: 'BEDROCK_CROSS_ACCOUNT_ROLE_ARN', paths: [['bedrock', 'cross_account_role_arn']], description: 'IAM role to assume for Bedrock calls (cross-account).', seeds: '004' },
  { name: 'DEFAULT_SERVICE_TIER', paths: [['bedrock', 'service_tier']], description: 'Bedrock service tier: default, flex, priority or reserved.', seeds: '002, 004' },
  { name: 'BEDROCK_CLAUDE_API', paths: [['bedrock', 'claude_api']], description: 'How Claude is called on Bedrock: invoke (InvokeModel, default) or messages (native Messages API).' },
  {
    name: 'BEDROCK_TIMEOUT',
    paths: [['bedrock', 'idle_timeout_ms'], ['bedrock', 'headers_timeout_ms']],
    convert: secondsToMs,
    description: 'Seconds Bedrock may stay silent (time to headers and between bytes).',
    seeds: '002, 004',
  },
  { name: 'DEFAULT_MODEL_MAPPING', paths: [['model_mapping']], convert: toJson, description: 'JSON object: Anthropic model id -> Bedrock model id.', seeds: '002, 004' },
  { name: 'PROXY_BEDROCK_MODEL_MAPPING', paths: [['model_mapping']], convert: toJson, description: 'Alias of DEFAULT_MODEL_MAPPING.', seeds: '002' },
  {
    name: 'PRICING_DEFAULT',
    paths: [['pricing', 'default']],
    convert: toJson,
    description: 'JSON {"input":3,"output":15} (USD per million tokens; cache_read, cache_write_5m, cache_write_1h optional): the price of models the catalog does not price. Without it, keys with a budget cannot use them.',
  },
  { name: 'OPENAI_API_KEY', paths: [['openai_compatible', 'openai', 'api_key']], description: 'OpenAI API key: routes may name provider openai.' },
  { name: 'OPENAI_BASE_URL', paths: [['openai_compatible', 'openai', 'base_url']], description: 'OpenAI API base URL (default https://api.openai.com/v1).' },
  { name: 'GROQ_API_KEY', paths: [['openai_compatible', 'groq', 'api_key']], description: 'Groq API key: routes may name provider groq.', seeds: '001' },
  { name: 'CEREBRAS_API_KEY', paths: [['openai_compatible', 'cerebras', 'api_key']], description: 'Cerebras API key: routes may name provider cerebras.', seeds: '001' },
  { name: 'OPENROUTER_API_KEY', paths: [['openai_compatible', 'openrouter', 'api_key']], description: 'OpenRouter API key: routes may name provider openrouter.', seeds: '001' },
  {
    name: 'OPENROUTER_BASE_URL',
    paths: [['openai_compatible', 'openrouter', 'base_url']],
    convert: toOpenRouterBase,
    description: 'OpenRouter API base URL (default https://openrouter.ai/api/v1; a bare https://openrouter.ai means that).',
    seeds: '001',
  },
  { name: 'OPENAI_FALLBACK_ENABLED', paths: [['routing', 'openai_fallback']], convert: toBoolean, description: 'Zero configuration: after Anthropic and Bedrock, OpenAI-compatible providers with a key and a fallback_model (default true).' },
  { name: 'URL_FETCH_ENABLED', paths: [['url_fetch', 'enabled']], convert: toBoolean, description: 'Fetch image/document URLs for upstreams that need the bytes (off; SSRF-guarded).' },
  { name: 'BEDROCK_FALLBACK_ENABLED', paths: [['routing', 'bedrock_fallback']], convert: toBoolean, description: 'Fall back to Bedrock when Anthropic fails (default true).', seeds: '000' },
  { name: 'RETRY_THRESHOLD_SECONDS', paths: [['routing', 'retry_threshold_ms']], convert: secondsToMs, description: 'A 429 asking to wait at most this long is retried on the same target (default 30).', seeds: '000' },
  { name: 'MAX_RETRY_WAIT_SECONDS', paths: [['routing', 'max_retry_wait_ms']], convert: secondsToMs, description: 'Longest wait before such a retry (default 10).', seeds: '000' },
  { name: 'COOLDOWN_SECONDS', paths: [['routing', 'cooldown_ms']], convert: secondsToMs, description: 'How long a failing target is skipped when the upstream does not say (default 300).', seeds: '003' },
  { name: 'FORCE_RATE_LIMIT', paths: [['routing', 'force_rate_limit']], convert: toBoolean, description: 'Simulate an Anthropic 429 on every request (testing the fallback).', seeds: '000' },
  { name: 'RETRY_TIMEOUT_MILLIS', paths: [['routing', 'max_retry_wait_ms']], description: 'Alias of MAX_RETRY_WAIT_SECONDS, in milliseconds.', seeds: '001' },
  { name: 'RATE_LIMIT_SECONDS', paths: [['routing', 'cooldown_ms']], convert: secondsToMs, description: 'Alias of COOLDOWN_SECONDS.', seeds: '001' },
  { name: 'GATEWAY_DATA_DIR', paths: [['store', 'data_dir']], description: 'Directory of the SQLite file (default ./data).' },
  { name: 'COOLDOWNS_REFRESH_MS', paths: [['store', 'cooldowns_refresh_ms']], description: 'How often a shared cooldown store is read into the local snapshot routing uses (default 250; 0: on every request).' },
  { name: 'REDIS_URL', paths: [['store', 'redis_url']], description: 'Redis for state every instance shares (cooldowns, rate limits).' },
  { name: 'STORE', paths: [['store', 'kind']], convert: (raw) => raw.trim().toLowerCase(), description: 'Where keys, budgets and usage live: sqlite (default, in GATEWAY_DATA_DIR) or dynamodb.' },
  { name: 'DYNAMODB_ENDPOINT', paths: [['store', 'dynamodb', 'endpoint']], description: 'DynamoDB endpoint instead of AWS’s (dynalite, DynamoDB Local, VPC endpoints).' },
  { name: 'DYNAMODB_REGION', paths: [['store', 'dynamodb', 'region']], description: 'Region of the DynamoDB tables (default: the Bedrock region).' },
  { name: 'DYNAMODB_TABLE_PREFIX', paths: [['store', 'dynamodb', 'table_prefix']], description: 'Prefix of the DynamoDB table names (default claude-gateway-).' },
  { name: 'AUTH_MODE', paths: [['auth', 'mode']], convert: (raw) => raw.trim().toLowerCase(), description: 'passthrough (default), keys (gateway keys required; the gateway’s own upstream credentials) or both.' },
  { name: 'REQUIRE_API_KEY', paths: [['auth', 'mode']], convert: (raw) => (toBoolean(raw) === true ? 'keys' : toBoolean(raw) === false ? 'passthrough' : raw), description: 'true = AUTH_MODE=keys.', seeds: '002, 004' },
  { name: 'MASTER_API_KEY', paths: [['auth', 'master_key']], description: 'Key that administers gateway keys and reads all usage.', seeds: '002, 004' },
  { name: 'API_KEY_HEADER', paths: [['auth', 'key_header']], description: 'Header that carries the gateway key (default x-gateway-key; x-api-key and Bearer are read too in keys mode).', seeds: '002, 004' },
  { name: 'GATEWAY_KEY_PEPPER', paths: [['auth', 'key_pepper']], description: 'Secret for HMAC-SHA-256 key digests (optional; changing it invalidates every key).' },
  { name: 'RATE_LIMIT_REQUESTS', paths: [['limits', 'default_rpm']], convert: requestsPerWindow, description: 'Requests per minute (per RATE_LIMIT_WINDOW seconds when set) for keys that set none.', seeds: '002, 004' },
  { name: 'RATE_LIMIT_TOKENS', paths: [['limits', 'default_tpm']], description: 'Tokens per minute for keys that set none.' },
  { name: 'LIMITS_ON_STORE_ERROR', paths: [['limits', 'on_store_error']], convert: (raw) => raw.trim().toLowerCase(), description: 'When the rate-limit or budget store is down: open (admit, default) or closed (refuse with 529).' },
  { name: 'USAGE_TRACKING_ENABLED', paths: [['usage', 'enabled']], convert: toBoolean, description: 'Record the usage of every request (default true).', seeds: '000' },
  { name: 'USAGE_TTL_DAYS', paths: [['usage', 'retention_days']], description: 'Days usage records are kept (default 90).', seeds: '002, 004' },
  { name: 'LOG_LEVEL', paths: [['log', 'level']], description: 'fatal, error, warn, info (default), debug, trace or silent; any case; WARNING and CRITICAL too.', convert: toLogLevel, seeds: '002, 004' },

  // Seed variables honoured with the seed's meaning (issue 10 D24; docs/configuration.md, "Coming from a seed").
  { name: 'ROUTING_ENABLE', paths: [['routing', 'routes_enabled']], convert: toBoolean, description: 'false: the configured routes are not used; every model takes the zero-configuration chain (default true).', seeds: '001' },
  { name: 'RATE_LIMIT_TRACKING_ENABLED', paths: [['routing', 'rate_limit_cooldowns']], convert: toBoolean, description: 'false: a 429 is not remembered; the next request tries the first target again (default true).', seeds: '000' },
  { name: 'RATE_LIMIT_TABLE_NAME', paths: [['store', 'dynamodb', 'table_names', 'cooldowns']], description: 'STORE=dynamodb: full name of the cooldown table (the 429s remembered per upstream credential).', seeds: '000' },
  { name: 'USAGE_TABLE_NAME', paths: [['store', 'dynamodb', 'table_names', 'usage']], description: 'STORE=dynamodb: full name of the usage table.', seeds: '000' },
  { name: 'RATE_LIMIT_ENABLED', paths: [['limits', 'enabled']], convert: toBoolean, description: 'false: no request or token rate limits, per-key ones included; budgets still apply (default true).', seeds: '002, 004' },
  { name: 'RATE_LIMIT_WINDOW', paths: [], validate: positiveSeconds, description: 'Seconds RATE_LIMIT_REQUESTS counts over (default 60); applied as the same rate per minute, rounded up.', seeds: '002, 004' },
  { name: 'ENABLE_TOOL_USE', paths: [['features', 'tool_use']], convert: toBoolean, description: 'false: requests with tools are refused (400 GW_FEATURE_DISABLED) (default true).', seeds: '002, 004' },
  { name: 'ENABLE_EXTENDED_THINKING', paths: [['features', 'extended_thinking']], convert: toBoolean, description: 'false: requests that turn thinking on are refused (400 GW_FEATURE_DISABLED) (default true).', seeds: '002, 004' },
  { name: 'ENABLE_DOCUMENT_SUPPORT', paths: [['features', 'documents']], convert: toBoolean, description: 'false: requests with document blocks are refused (400 GW_FEATURE_DISABLED) (default true).', seeds: '002, 004' },
  { name: 'PROMPT_CACHING_ENABLED', paths: [['bedrock', 'prompt_caching']], convert: toBoolean, description: 'false: Converse models get no cache points (cache_control dropped, logged); Anthropic and InvokeModel unchanged.', seeds: '002, 004' },
  { name: 'ENABLE_PROGRAMMATIC_TOOL_CALLING', paths: [['ptc', 'enabled']], convert: toBoolean, description: 'false: Programmatic Tool Calling is not emulated; toward Bedrock and OpenAI-compatible targets such requests are refused (400) (default true; Anthropic runs it natively either way).', seeds: '004' },
  { name: 'PTC_SESSION_TIMEOUT', paths: [['ptc', 'session_timeout_ms']], convert: secondsToMs, description: 'Seconds a PTC container (paused code) lives after its last use (default 270).', seeds: '004' },
  { name: 'PTC_EXECUTION_TIMEOUT', paths: [['ptc', 'sandbox', 'execution_timeout_ms']], convert: secondsToMs, description: 'Seconds one run of the model’s Python code may take (default 60); past it code_execution reports execution_time_exceeded.', seeds: '004' },
  { name: 'PTC_MEMORY_LIMIT', paths: [['ptc', 'sandbox', 'memory_limit_bytes']], convert: toBytes, description: 'Memory of one Python interpreter, as Docker writes it (256m, 1g; default 256m); past it memory_exceeded.', seeds: '004' },
  { name: 'PTC_MAX_OUTPUT_BYTES', paths: [['ptc', 'sandbox', 'max_output_bytes']], convert: toBytes, description: 'Cap on the stdout and on the stderr of one run (default 1m); past it the text is cut and marked.' },
  { name: 'PTC_POOL_SIZE', paths: [['ptc', 'sandbox', 'pool_size']], description: 'Python interpreters kept loaded and waiting once PTC is used (default 2; about 130 MB each).' },
  { name: 'PTC_MAX_CONCURRENT', paths: [['ptc', 'sandbox', 'max_concurrent']], description: 'Runs of model code at once at most (default 4); more wait, up to PTC_MAX_QUEUED.' },
  { name: 'PTC_MAX_QUEUED', paths: [['ptc', 'sandbox', 'max_queued']], description: 'Runs waiting for an interpreter at most (default 32); one more gets too_many_requests.' },
  { name: 'BETA_HEADER_MAPPING', paths: [['bedrock', 'beta_mapping']], convert: toJson, description: 'JSON object: anthropic-beta value -> list of Bedrock betas on InvokeModel, over the built-in mapping.', seeds: '004' },
];

/**
 * Seed variables that mean nothing here (a feature this gateway does not have, or has always
 * on): accepted, and each set one gets one start-up log line saying what replaces it
 * (src/config/notices.ts). Not read otherwise.
 */
export interface AcceptedVariable {
  readonly name: string;
  readonly seeds: string;
  /** `warn` when a seed's user may have relied on what it did. */
  readonly level: 'info' | 'warn';
  /** What replaces it here, in one line. */
  readonly notice: string;
}


export const acceptedVariables: readonly AcceptedVariable[] = [
  { name: 'APP_NAME', seeds: '002, 004', level: 'info', notice: 'not used: the service is named claude-gateway (GET /, the logs).' },
  { name: 'ENVIRONMENT', seeds: '002, 004', level: 'info', notice: 'not used: there is no development/staging/production mode; each setting has its own variable.' },
  {
    name: 'BETA_HEADER_SUPPORTED_MODELS',
    seeds: '004',
    level: 'info',
    notice: 'not needed: which betas each Bedrock model takes is catalog data (models[].bedrock.betas, docs/bedrock.md); BETA_HEADER_MAPPING applies to every Claude model on InvokeModel.',
  },
  { name: 'PTC_SANDBOX_IMAGE', seeds: '004', level: 'info', notice: 'not used: code runs in Python compiled to WebAssembly (Pyodide) inside the gateway, with its standard library and no container image (docs/ptc.md).' },
  { name: 'PTC_NETWORK_DISABLED', seeds: '004', level: 'info', notice: 'not needed: the sandbox never has network access (docs/ptc.md).' },
];

/** The variable that locates the configuration file (the `--config` flag wins over it). */
export const configFileVariable = 'GATEWAY_CONFIG';
