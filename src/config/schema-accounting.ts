import { z } from 'zod';
import { httpUrl, secret } from './schema-primitives.ts';

/** The configuration sections of accounting: where state lives, who may call, limits, usage records. */

const headerName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name');

/** A full DynamoDB table name (`store.dynamodb.table_names`). */
const dynamoTableName = z.string().trim().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name: 3-255 letters, digits, _ . -');

export const dynamodbSchema = z
  .object({
    /** Region of the tables (default: the Bedrock region). */
    region: z.string().trim().min(1).optional(),
    /** Endpoint instead of AWS's (dynalite, DynamoDB Local, a VPC endpoint). */
    endpoint: httpUrl.optional(),
    /** Table names are this prefix + keys, budgets, usage, rate-limits, cooldowns, pricing, model-mapping. */
    table_prefix: z.string().trim().regex(/^[A-Za-z0-9_.-]{0,200}$/, 'letters, digits, _ . - only').default('claude-gateway-'),
    /** Full names of single tables instead of prefix + name (seed 000's USAGE_TABLE_NAME, RATE_LIMIT_TABLE_NAME). */
    table_names: z
      .object({
        keys: dynamoTableName.optional(),
        budgets: dynamoTableName.optional(),
        usage: dynamoTableName.optional(),
        rate_limits: dynamoTableName.optional(),
        cooldowns: dynamoTableName.optional(),
        pricing: dynamoTableName.optional(),
        model_mapping: dynamoTableName.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/** Where state lives: the SQLite file (or DynamoDB), and Redis for what every instance must share. */
export const storeSchema = z
  .object({
    /** Keys, budgets and usage: the SQLite file in data_dir (default) or DynamoDB. */
    kind: z.enum(['sqlite', 'dynamodb']).default('sqlite'),
    data_dir: z.string().trim().min(1).default('./data'),
    redis_url: z.string().trim().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
    /** Where cooldowns live: `auto` is Redis when redis_url is set, else DynamoDB when kind is dynamodb, else the SQLite file. */
    cooldowns: z.enum(['auto', 'memory', 'sqlite', 'redis', 'dynamodb']).default('auto'),
    /**
     * A shared cooldown store (SQLite, Redis, DynamoDB) is read into a local snapshot at most this
     * often instead of on every request: another instance's cooldown shows here within about
     * this time. 0 reads the store on every request.
     */
    cooldowns_refresh_ms: z.number().int().min(0).max(60_000).default(250),
    /** Where rate-limit windows live: `auto` is Redis when redis_url is set, else DynamoDB when kind is dynamodb, else the SQLite file. */
    rate_limits: z.enum(['auto', 'memory', 'sqlite', 'redis', 'dynamodb']).default('auto'),
    dynamodb: dynamodbSchema.default(dynamodbSchema.parse({})),
  })
  .strict();

/** Who may call the gateway, and with which upstream credential (issue 5). */
export const authSchema = z
  .object({
    /**
     * passthrough: no gateway keys; clients bring their own Anthropic credential, the user comes
     * from /user/{id} or user_header. keys: a gateway key is required (x-api-key, Bearer or
     * key_header) and upstream calls use the gateway's own credentials. both: a gateway key in
     * key_header, and the client's own Anthropic credential passes through.
     */
    mode: z.enum(['passthrough', 'keys', 'both']).default('passthrough'),
    /** Administers keys and reads all usage (seeds 002/004's MASTER_API_KEY). */
    master_key: secret,
    /** The header that carries the gateway key (in `both` mode the only place it is read). */
    key_header: headerName.default('x-gateway-key'),
    /** In passthrough mode, a header naming the user (besides /user/{id}). */
    user_header: headerName.default('x-gateway-user'),
    /** Keys are stored as HMAC-SHA-256 with this secret instead of SHA-256 (changing it invalidates every key). */
    key_pepper: secret,
    /**
     * Failed admin authentications (a credential that is not the master key) one address may
     * make in a minute before every admin authentication from it is refused until the minute
     * ends (http/admin-guard.ts). 0: no limit.
     */
    admin_failures_per_minute: z.number().int().min(0).default(10),
    /** A verified key is trusted this long before it is read again (revocation through this instance is immediate). */
    key_cache_ms: z.coerce.number().int().min(0).default(5_000),
  })
  .strict();

/** Per-key request and token limits, and what happens when their store is down. */
export const limitsSchema = z
  .object({
    /** Request and token rate limits apply at all (false: none, per-key ones included; budgets still do; seeds 002/004's RATE_LIMIT_ENABLED). */
    enabled: z.boolean().default(true),
    /** Requests per minute for keys (in passthrough mode, per credential) that set none. */
    default_rpm: z.coerce.number().int().positive().optional(),
    /** Tokens per minute for keys (in passthrough mode, per credential) that set none. */
    default_tpm: z.coerce.number().int().positive().optional(),
    /** When the rate-limit or budget store cannot be reached: admit (open) or refuse with 529 (closed). */
    on_store_error: z.enum(['open', 'closed']).default('open'),
  })
  .strict();

/** The usage record of every request. */
export const usageSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Records are deleted this many days after the request (DynamoDB TTL; a daily sweep in SQLite). */
    retention_days: z.coerce.number().int().positive().default(90),
    /** Records are written in batches at most this often (0: each turn of the event loop, a group commit)... */
    flush_interval_ms: z.coerce.number().int().min(0).default(0),
    /** ...of at most this many. */
    batch_size: z.coerce.number().int().positive().default(500),
    /** At most this many records wait; past it, finishing requests wait for room (backpressure). */
    max_queue: z.coerce.number().int().positive().default(10_000),
    /**
     * A record still `in_progress` this long after its request started belongs to a process that
     * died: it becomes `interrupted`, charged its reservation. Longer than any request runs.
     */
    stale_after_ms: z.coerce.number().int().min(0).default(3_600_000),
  })
  .strict();
