import { z } from 'zod';

/**
 * The configuration schema. Keys are snake_case and mirror the YAML file one to one, so an error
 * path such as `server.port` is exactly what the user wrote, and `GET /debug` prints the same
 * shape the file takes. Every value has a default: the gateway starts with no configuration.
 */

const MIB = 1024 * 1024;

const port = z.coerce.number().int().min(0).max(65_535);
const positiveMs = z.coerce.number().int().positive();

const httpUrl = z
  .string()
  .trim()
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without query or fragment')
  .transform((value) => value.replace(/\/+$/, ''));

const secret = z.string().trim().min(1).optional();

export const serverSchema = z
  .object({
    host: z.string().trim().min(1).default('127.0.0.1'),
    port: port.default(8080),
    /** Largest request body accepted, compressed or not (Anthropic's limit is 32 MB). */
    body_limit_bytes: z.coerce.number().int().positive().default(32 * MIB),
    /** On SIGTERM: how long in-flight requests may run before they are ended with an error. */
    drain_timeout_ms: z.coerce.number().int().min(0).default(25_000),
    /** Must exceed a load balancer's idle timeout (ALB: 60 s) or it sees sporadic 502s. */
    keep_alive_timeout_ms: positiveMs.default(65_000),
    /** Largest SSE event the relay holds while waiting for its end. */
    max_sse_event_bytes: z.coerce.number().int().positive().default(32 * MIB),
  })
  .strict();

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

export const logSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export const configSchema = z
  .object({
    server: serverSchema.default(serverSchema.parse({})),
    anthropic: anthropicSchema.default(anthropicSchema.parse({})),
    log: logSchema.default(logSchema.parse({})),
  })
  .strict();

export type GatewayConfig = z.infer<typeof configSchema>;

/** Paths of values that are secrets: redacted everywhere they could be shown. */
export const secretPaths: readonly (readonly string[])[] = [
  ['anthropic', 'api_key'],
  ['anthropic', 'auth_token'],
  ['anthropic', 'oauth_token'],
];
