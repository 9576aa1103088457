import { z } from 'zod';
import { serviceTiers } from '../service-tier.ts';
import { MIB, port, positiveMs, httpUrl, pricingSchema, secret } from './schema-primitives.ts';
import { authSchema, dynamodbSchema, limitsSchema, storeSchema, usageSchema } from './schema-accounting.ts';
import { isKnownProvider, openAICompatibleSchema, reservedProviderNames } from './schema-openai.ts';
import { ptcSchema } from './schema-ptc.ts';

export { authSchema, dynamodbSchema, limitsSchema, storeSchema, usageSchema };
export { ptcSchema };

/**
 * The configuration schema. Keys are snake_case and mirror the YAML file one to one, so an error
 * path such as `server.port` is exactly what the user wrote, and `GET /debug` prints the same
 * shape the file takes. Every value has a default: the gateway starts with no configuration.
 */

export const serverSchema = z
  .object({
    host: z.string().trim().min(1).default('127.0.0.1'),
    port: port.default(8080),
    /** Largest request body accepted, compressed or not (Anthropic's limit is 32 MB). */
    body_limit_bytes: z.coerce.number().int().positive().default(32 * MIB),
    /** On SIGTERM: how long in-flight requests may run before they are ended with an error. */
    drain_timeout_ms: z.coerce.number().int().min(0).default(25_000),
    /** The bytes of all request bodies being read or held at once; past it, 529 at once (at least body_limit_bytes). */
    max_inflight_body_bytes: z.coerce.number().int().positive().default(256 * MIB),
    /** Idle kept-alive client connections are closed after this. Must exceed a load balancer's idle timeout (ALB: 60 s) or it sees sporadic 502s. */
    keep_alive_timeout_ms: positiveMs.default(65_000),
    /** Time from a request's first byte to the end of its headers (slow or silent clients are closed). */
    headers_timeout_ms: positiveMs.default(20_000),
    /** Time to receive a whole request, headers and body (not to answer it: streams may run for many minutes). */
    request_timeout_ms: positiveMs.default(120_000),
    /** Open client connections at most; default: from the process's file-descriptor limit. At the cap the oldest idle connection is closed for a new one. */
    max_connections: z.coerce.number().int().positive().optional(),
    /** Largest SSE event the relay holds while waiting for its end. */
    max_sse_event_bytes: z.coerce.number().int().positive().default(32 * MIB),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.max_inflight_body_bytes < value.body_limit_bytes) {
      context.addIssue({ code: 'custom', path: ['max_inflight_body_bytes'], message: `must be at least body_limit_bytes (${value.body_limit_bytes}), or no body of the largest size could ever be read` });
    }
  });

export const anthropicSchema = z
  .object({
    base_url: httpUrl.default('https://api.anthropic.com'),
    /** Used as `x-api-key` when the client sends no credential. */
    api_key: secret,
    /** Used as `Authorization: Bearer` when the client sends no credential. */
    auth_token: secret,
    /** OAuth access token (`sk-ant-oat…`), used as Bearer with the OAuth beta when the client sends no credential. */
    oauth_token: secret,
    connect_timeout_ms: positiveMs.default(10_000),
    /** Time to response headers. Non-streaming answers arrive whole, so this is long. */
    headers_timeout_ms: positiveMs.default(600_000),
    /** Longest silence between upstream bytes (Anthropic pings streams; Claude Code gives up at 300 s). */
    idle_timeout_ms: positiveMs.default(240_000),
    /** Idle upstream connections kept per origin are closed after this. */
    keep_alive_ms: positiveMs.default(30_000),
  })
  .strict();

const awsRegion = z
  .string()
  .trim()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1');

const serviceTier = z.enum(serviceTiers);

/** How Claude is called on Bedrock: InvokeModel (the default), Bedrock's native Messages API, or Converse. */
export const bedrockApis = ['invoke', 'messages', 'converse'] as const;
export type BedrockApi = (typeof bedrockApis)[number];

export const bedrockSchema = z
  .object({
    /** Bedrock can serve requests at all (model ids it owns, routes that name it). */
    enabled: z.boolean().default(true),
    region: awsRegion.default('us-east-1'),
    /** Overrides `https://bedrock-runtime.{region}.amazonaws.com` for every region (tests, VPC endpoints). */
    endpoint: httpUrl.optional(),
    /** A Bedrock API key, sent as Bearer instead of SigV4. */
    api_key: secret,
    /** Static AWS keys; without them the standard AWS credential chain is used. */
    access_key_id: secret,
    secret_access_key: secret,
    session_token: secret,
    /** A profile of the shared AWS config files for the credential chain. */
    profile: z.string().trim().min(1).optional(),
    /** Assume this role (cross-account) with the chain's credentials. */
    cross_account_role_arn: z.string().trim().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN').optional(),
    /** The API used for Claude models unless the model or route says otherwise. */
    claude_api: z.enum(['invoke', 'messages']).default('invoke'),
    /** Service tier for every Bedrock call unless a route sets one. */
    service_tier: serviceTier.default('default'),
    connect_timeout_ms: positiveMs.default(10_000),
    headers_timeout_ms: positiveMs.default(600_000),
    idle_timeout_ms: positiveMs.default(240_000),
    keep_alive_ms: positiveMs.default(30_000),
    /** A translated stream silent this long gets an Anthropic `ping` event (timers fire late: below F8's 15 s). */
    ping_interval_ms: positiveMs.default(10_000),
    /** Bedrock's request size limit; larger bodies are refused before the call. */
    max_body_bytes: z.coerce.number().int().positive().default(20 * MIB),
    /** Converse models get a cache point for each `cache_control` (false: dropped and listed, as seed 002/004's PROMPT_CACHING_ENABLED=false). */
    prompt_caching: z.boolean().default(true),
    /** `anthropic-beta` values replaced by Bedrock ones on InvokeModel, over the built-in mapping (seed 004's BETA_HEADER_MAPPING; [] drops a beta). */
    beta_mapping: z.record(z.string().trim().toLowerCase().min(1), z.array(z.string().trim().toLowerCase().min(1))).default({}),
  })
  .strict()
  .superRefine((value, context) => {
    if ((value.access_key_id === undefined) !== (value.secret_access_key === undefined)) {
      context.addIssue({ code: 'custom', path: ['secret_access_key'], message: 'access_key_id and secret_access_key must be set together' });
    }
  });

/** Fetching image and document URLs that clients send (for upstreams that need the bytes). */
export const urlFetchSchema = z
  .object({
    enabled: z.boolean().default(false),
    max_bytes: z.coerce.number().int().positive().default(20 * MIB),
    timeout_ms: positiveMs.default(10_000),
    /** Hosts that may be fetched even though they resolve to private addresses. */
    allow_private_hosts: z.array(z.string().trim().min(1)).default([]),
  })
  .strict();

/** Prices that are not a model's own (issue 10 A2). */
export const pricingConfigSchema = z
  .object({
    /**
     * The price of any model the catalog (and the `models:` entries, and the DynamoDB pricing
     * table) does not price. Without it a key with a budget cannot use an unpriced model.
     */
    default: pricingSchema.optional(),
  })
  .strict();

const profilePrefix = z.enum(['global', 'us', 'eu', 'apac', 'jp', 'au', 'us-gov']);

/** A catalog entry added or overridden from configuration (merged over the built-in table by `id`). */
export const modelSchema = z
  .object({
    id: z.string().trim().min(1),
    aliases: z.array(z.string().trim().min(1)).optional(),
    display_name: z.string().trim().min(1).optional(),
    bedrock: z
      .object({
        /** The base model id (`anthropic.claude-…`, `qwen.qwen3-…`), without a profile prefix. */
        id: z.string().trim().min(1),
        profiles: z.array(profilePrefix).optional(),
        api: z.enum(bedrockApis).optional(),
        images: z.boolean().optional(),
        documents: z.boolean().optional(),
        reasoning: z.boolean().optional(),
        cache_points: z.boolean().optional(),
        service_tiers: z.array(serviceTier).optional(),
        /** Betas allowed for this model (replaces the default list). */
        betas: z.array(z.string().trim().toLowerCase()).optional(),
      })
      .strict()
      .optional(),
    pricing: pricingSchema.optional(),
  })
  .strict();

export const targetSchema = z
  .object({
    /** `anthropic`, `bedrock`, or an OpenAI-compatible provider: `openai`, `groq`, `cerebras`, `openrouter` or a name under `openai_compatible:`. */
    provider: z.string().trim().min(1),
    /** The upstream model id; default: the catalog's mapping of the requested model (Bedrock), the requested model (others). */
    model: z.string().trim().min(1).optional(),
    region: awsRegion.optional(),
    endpoint: httpUrl.optional(),
    service_tier: serviceTier.optional(),
    api: z.enum(bedrockApis).optional(),
  })
  .strict();

/** Requests whose model matches `match` (an id, an alias, or a glob such as `claude-sonnet-*`) go to `targets`. */
export const routeSchema = z
  .object({
    match: z.string().trim().min(1),
    targets: z.array(targetSchema).min(1),
  })
  .strict();

/** When and how to move from one target to the next (issue 4). */
export const routingSchema = z
  .object({
    /** Zero configuration: Bedrock, with the catalog's mapping, after Anthropic (when AWS credentials exist). */
    bedrock_fallback: z.boolean().default(true),
    /** Zero configuration: after Anthropic and Bedrock, each OpenAI-compatible provider with a key and a `fallback_model`. */
    openai_fallback: z.boolean().default(true),
    /** A 429 asking to wait at most this long is waited for (up to max_retry_wait_ms) and retried on the same target. */
    retry_threshold_ms: z.coerce.number().int().min(0).default(30_000),
    max_retry_wait_ms: z.coerce.number().int().min(0).default(10_000),
    /** How long a failing target is skipped when the upstream does not say. */
    cooldown_ms: z.coerce.number().int().min(0).default(300_000),
    /** Treat every Anthropic call as a 429 (to exercise the fallback). */
    force_rate_limit: z.boolean().default(false),
    /** Extra attempts (retries and fallbacks) may be at most this share of requests over 10 s... */
    retry_budget_ratio: z.coerce.number().min(0).max(10).default(0.2),
    /** ...and at least this many whatever the traffic. */
    retry_budget_minimum: z.coerce.number().int().min(0).default(5),
    /** A stream whose first event has not come this long after the request moves on (only when another target remains). */
    first_event_timeout_ms: positiveMs.default(60_000),
    /** Bounds a request: no new attempt or wait starts this long after it arrived, and an attempt's wait for its answer is cut to the time left. */
    deadline_ms: positiveMs.default(300_000),
    /** An Anthropic 404 for a model retired there but served by Bedrock moves on. */
    fallback_on_retired_model: z.boolean().default(true),
    /** The `routes:` apply (false: every model takes the zero-configuration chain; seed 001's ROUTING_ENABLE). */
    routes_enabled: z.boolean().default(true),
    /** A 429 cools its target for the upstream credential (false: it is not remembered, the next request tries the first target again; seed 000's RATE_LIMIT_TRACKING_ENABLED). */
    rate_limit_cooldowns: z.boolean().default(true),
  })
  .strict();

/**
 * Request features an operator can turn off (seeds 002/004's ENABLE_TOOL_USE,
 * ENABLE_EXTENDED_THINKING, ENABLE_DOCUMENT_SUPPORT): a request that uses one that is off is
 * refused with 400 GW_FEATURE_DISABLED, never silently stripped.
 */
export const featuresSchema = z
  .object({
    tool_use: z.boolean().default(true),
    extended_thinking: z.boolean().default(true),
    documents: z.boolean().default(true),
  })
  .strict();

export const logSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export const configSchema = z
  .object({
    server: serverSchema.default(serverSchema.parse({})),
    anthropic: anthropicSchema.default(anthropicSchema.parse({})),
    bedrock: bedrockSchema.default(bedrockSchema.parse({})),
    url_fetch: urlFetchSchema.default(urlFetchSchema.parse({})),
    models: z.array(modelSchema).default([]),
    pricing: pricingConfigSchema.default(pricingConfigSchema.parse({})),
    /** Anthropic model id -> Bedrock model id (seeds 002/004's DEFAULT_MODEL_MAPPING); a shorthand for `models`. */
    model_mapping: z.record(z.string().trim().min(1), z.string().trim().min(1)).default({}),
    /** OpenAI-compatible providers: settings of the built-in ones and named endpoints (schema-openai.ts). */
    openai_compatible: openAICompatibleSchema.default({}),
    routes: z.array(routeSchema).default([]),
    routing: routingSchema.default(routingSchema.parse({})),
    store: storeSchema.default(storeSchema.parse({})),
    auth: authSchema.default(authSchema.parse({})),
    limits: limitsSchema.default(limitsSchema.parse({})),
    usage: usageSchema.default(usageSchema.parse({})),
    features: featuresSchema.default(featuresSchema.parse({})),
    /** Programmatic Tool Calling on targets without it (schema-ptc.ts, docs/ptc.md). */
    ptc: ptcSchema.default(ptcSchema.parse({})),
    log: logSchema.default(logSchema.parse({})),
  })
  .strict()
  .superRefine((value, context) => {
    for (const [name, endpoint] of Object.entries(value.openai_compatible)) {
      if (reservedProviderNames.has(name)) context.addIssue({ code: 'custom', path: ['openai_compatible', name], message: 'is the name of another provider (anthropic, bedrock)' });
      if (endpoint.base_url === undefined && !isKnownProvider(name, {})) context.addIssue({ code: 'custom', path: ['openai_compatible', name, 'base_url'], message: 'is required for an endpoint that is not built in (openai, groq, cerebras, openrouter)' });
    }
    value.routes.forEach((route, routeIndex) =>
      route.targets.forEach((target, targetIndex) => {
        if (!isKnownProvider(target.provider, value.openai_compatible)) {
          context.addIssue({ code: 'custom', path: ['routes', routeIndex, 'targets', targetIndex, 'provider'], message: `${target.provider} is no provider: anthropic, bedrock, openai, groq, cerebras, openrouter or a name under openai_compatible` });
        }
      }),
    );
  });

export type GatewayConfig = z.infer<typeof configSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;

/** Paths of values that are secrets: redacted everywhere they could be shown. */
export const secretPaths: readonly (readonly string[])[] = [
  ['anthropic', 'api_key'],
  ['anthropic', 'auth_token'],
  ['anthropic', 'oauth_token'],
  ['bedrock', 'api_key'],
  ['bedrock', 'access_key_id'],
  ['bedrock', 'secret_access_key'],
  ['bedrock', 'session_token'],
  ['store', 'redis_url'],
  ['auth', 'master_key'],
  ['auth', 'key_pepper'],
];
