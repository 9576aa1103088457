import { decodeSse } from '../anthropic/sse-decode.ts';
import { eventNameOf } from '../anthropic/sse-framer.ts';
import { fromAnthropicErrorType, GatewayError } from '../errors.ts';

/**
 * What the relay needs to decide its commit point while another target could still serve: the
 * events before the first content block (message_start, pings) may be held, at most
 * MAX_HELD_BYTES of them, and a retryable `error` event among them becomes a FirstEventError,
 * which routing turns into a fallback. Pure.
 */

export const MAX_HELD_BYTES = 65_536;

/** Events that may come before the content without committing the stream. */
const preContentEvents: ReadonlySet<string> = new Set(['message_start', 'ping']);

/**
 * Scans complete events (bytes released by the framer) for what decides the commit: whether any
 * is content (anything but message_start and ping), and the first `error` event before content.
 */
export function earlyEvents(complete: Buffer): { content: boolean; error?: Buffer } {
  const text = complete.toString('utf8').replace(/\r\n?/g, '\n');
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    const name = eventNameOf(block);
    if (name === 'error') return { content: false, error: Buffer.from(block) };
    if (name === undefined || !preContentEvents.has(name)) return { content: true };
  }
  return { content: false };
}

export const retryableErrorTypes: ReadonlySet<string> = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

/** The upstream's first event was an `error`: held back so routing may try elsewhere. */
export class FirstEventError extends Error {
  private readonly error: { type?: unknown; message?: unknown } | undefined;

  constructor(event: Buffer) {
    super('the first upstream event is an error');
    // The block may come without its closing blank line (earlyEvents splits on it).
    const data = decodeSse(`${event.toString('utf8')}\n\n`)[0]?.data ?? '';
    try {
      this.error = (JSON.parse(data) as { error?: { type?: unknown; message?: unknown } }).error;
    } catch {
      this.error = undefined;
    }
  }

  errorType(): string | undefined {
    return typeof this.error?.type === 'string' ? this.error.type : undefined;
  }

  toGatewayError(provider: string): GatewayError {
    const message = typeof this.error?.message === 'string' ? this.error.message : `${provider} sent an error event first.`;
    const failure = fromAnthropicErrorType(this.error?.type, message, provider);
    return new GatewayError(failure.code, failure.message, { provider, firstEventError: true });
  }
}

