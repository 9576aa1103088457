import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * The gateway's logger. Credentials are redacted wherever they could appear in a structured log
 * line; prompts and completions are never logged above debug.
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
  '*.api_key',
  '*.auth_token',
  '*.oauth_token',
  '*.apiKey',
  '*.secret',
  '*.password',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'claude-gateway' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type { Logger };
