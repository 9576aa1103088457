import { decodeSse } from '../anthropic/sse-decode.ts';

/**
 * Token usage of an answer, in Anthropic's semantics (input excludes cache reads and writes),
 * read from what the client received: the `usage` of a Message, or the `message_start` and
 * `message_delta` events of a stream (the delta's counters are cumulative and replace earlier
 * values, never add to them). A stream cut short keeps what was known (input from
 * message_start). Pure; the meter parses only the two events that carry usage.
 */

export interface TokenUsage {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  /** Cache writes with the 5-minute TTL (all writes when the upstream gives no split). */
  readonly cacheWrite5m: number;
  readonly cacheWrite1h: number;
}

export const noUsage: TokenUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Applies an Anthropic `usage` object over `into` (present counters replace). */
function apply(into: Mutable<TokenUsage>, usage: unknown): void {
  if (typeof usage !== 'object' || usage === null) return;
  const record = usage as Record<string, unknown>;
  into.input = count(record.input_tokens) ?? into.input;
  into.output = count(record.output_tokens) ?? into.output;
  into.cacheRead = count(record.cache_read_input_tokens) ?? into.cacheRead;
  const writes = count(record.cache_creation_input_tokens);
  const split = record.cache_creation as Record<string, unknown> | null | undefined;
  const oneHour = count(split?.ephemeral_1h_input_tokens);
  const fiveMinutes = count(split?.ephemeral_5m_input_tokens);
  if (oneHour !== undefined || fiveMinutes !== undefined) {
    into.cacheWrite1h = oneHour ?? 0;
    into.cacheWrite5m = fiveMinutes ?? 0;
  } else if (writes !== undefined) {
    into.cacheWrite5m = writes;
    into.cacheWrite1h = 0;
  }
}

/** Usage of a non-streaming answer (a Message JSON), or undefined when it has none. */
export function usageFromMessage(message: unknown): TokenUsage | undefined {
  const usage = (message as { usage?: unknown } | null)?.usage;
  if (typeof usage !== 'object' || usage === null) return undefined;
  const result: Mutable<TokenUsage> = { ...noUsage };
  apply(result, usage);
  return result;
}

/** Follows the SSE text of a stream as it goes to the client. */
export class SseUsageMeter {
  private readonly current: Mutable<TokenUsage> = { ...noUsage };
  private seen = false;

  /** Whole events only (what the relays release). */
  push(events: string | Buffer): void {
    // Most chunks are content deltas: look for the two names in the bytes before decoding any.
    if (!events.includes('message_start') && !events.includes('message_delta')) return;
    for (const event of decodeSse(events)) {
      if (event.event !== 'message_start' && event.event !== 'message_delta') continue;
      try {
        const parsed = JSON.parse(event.data) as { message?: { usage?: unknown }; usage?: unknown };
        apply(this.current, event.event === 'message_start' ? parsed.message?.usage : parsed.usage);
        this.seen = true;
      } catch {
        // a malformed event carries no usage we can trust
      }
    }
  }

  /** What is known so far, or undefined when no usage event has passed. */
  get usage(): TokenUsage | undefined {
    return this.seen ? { ...this.current } : undefined;
  }
}
