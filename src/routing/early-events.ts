import { decodeSse } from '../anthropic/sse-decode.ts';
import { eventNameOf } from '../anthropic/sse-framer.ts';
import { fromErrorEvent, readErrorBody, type UpstreamErrorBody } from '../anthropic/error-envelope.ts';
import { fallbackOf, upstreamCodeForType, type GatewayError } from '../errors.ts';

/**
 * What the relay needs to decide its commit point while another target could still serve: the
 * events before the first content block (message_start, pings) may be held, at most
 * MAX_HELD_BYTES of them, and an `error` event among them that another upstream can fix becomes a FirstEventError,
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

/** The upstream's first event was an `error`: held back so routing may try elsewhere. */
export class FirstEventError extends Error {
  private readonly data: string;
  private readonly error: UpstreamErrorBody;

  constructor(event: Buffer) {
    super('the first upstream event is an error');
    // The block may come without its closing blank line (earlyEvents splits on it).
    this.data = decodeSse(`${event.toString('utf8')}\n\n`)[0]?.data ?? '';
    this.error = readErrorBody(this.data);
  }

  errorType(): string | undefined {
    return this.error.type;
  }

  /** Whether another upstream can fix it (the registry's routing column; an unknown type is relayed). */
  movesOn(): boolean {
    const code = upstreamCodeForType(this.error.type);
    return code !== undefined && fallbackOf(code) !== undefined;
  }

  toGatewayError(provider: string): GatewayError {
    return fromErrorEvent(this.data, provider, { firstEventError: true, defaultMessage: `${provider} sent an error event first.` });
  }
}
