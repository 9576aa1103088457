import { pino, type DestinationStream, type Logger } from 'pino';
import { BatchedDestination } from './batched-destination.ts';

/**
 * The gateway's logger. Credentials are redacted wherever they could appear in a structured log
 * line; prompts and completions are never logged above debug.
 */

/**
 * Nothing the gateway logs carries a credential: request lines list chosen fields, never
 * headers or bodies, and errors go through `errorSerializer`, which keeps only name, code,
 * message and stack. (Pino's path redaction is not used: it costs on every line, and a
 * redaction list is a promise that only holds for the paths someone remembered.)
 */
export function errorSerializer(error: unknown): unknown {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  return {
    type: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    stack: error.stack,
    ...(cause === undefined ? {} : { cause: errorSerializer(cause) }),
  };
}

export interface GatewayLogger {
  readonly logger: Logger;
  /** Writes out what is buffered (call before exit). */
  flush(): void;
}

/**
 * Logs go to stdout in batches (`BatchedDestination`): one write per ~16 KB or 50 ms instead of
 * one per line. `flush()` before exit keeps the tail.
 */
export function createLogger(level: string, destination?: DestinationStream): GatewayLogger {
  const batched = destination === undefined ? new BatchedDestination(process.stdout) : undefined;
  const stream: DestinationStream = destination ?? (batched as BatchedDestination);
  const logger = pino(
    {
      level,
      base: { service: 'claude-gateway' },
      serializers: { err: errorSerializer, error: errorSerializer },
    },
    stream,
  );
  return {
    logger,
    flush: () => batched?.flush(),
  };
}

export type { Logger };
