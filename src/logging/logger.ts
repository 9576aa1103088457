import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * The gateway's logger. Credentials are redacted wherever they could appear in a structured log
 * line; prompts and completions are never logged above debug.
 */

/**
 * Nothing the gateway logs on purpose carries a credential (request lines list chosen fields,
 * never headers). These paths are the safety net for objects that might: header maps and the
 * configuration. Exact paths only: wildcard redaction costs on every line.
 */
export const redactedPaths = [
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["proxy-authorization"]',
  'headers.cookie',
  'headers["set-cookie"]',
  'headers["x-amz-security-token"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'config.anthropic.api_key',
  'config.anthropic.auth_token',
  'config.anthropic.oauth_token',
];

export interface GatewayLogger {
  readonly logger: Logger;
  /** Writes out what is buffered (call before exit). */
  flush(): void;
}

/**
 * Logs go to stdout through an asynchronous buffered destination: one write per ~4 KB of lines
 * instead of one per line, which matters at thousands of requests per second. `flush()` before
 * exit keeps the tail.
 */
export function createLogger(level: string, destination?: DestinationStream): GatewayLogger {
  const stream = destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const logger = pino(
    {
      level,
      base: { service: 'claude-gateway' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  return {
    logger,
    flush: () => {
      if (destination === undefined) (stream as ReturnType<typeof pino.destination>).flushSync();
    },
  };
}

export type { Logger };
