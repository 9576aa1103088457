import { decodeSse } from '../anthropic/sse-decode.ts';

/**
 * Token usage of an answer, in Anthropic's semantics (input excludes cache reads and writes),
 * read from what the client received: the `usage` of a Message, or the `message_start` and
 * `message_delta` events of a stream (the delta's counters are cumulative and replace earlier
 * values, never add to them). A stream cut short before its `message_delta` (the client left,
 * the upstream broke) keeps the input of message_start, and its output is at least the bytes of
 * generated content the client received: every token stands for at least one byte of the text
 * it encodes, so those bytes bound the tokens relayed (message_start says 1). Pure; the meter
 * parses only the two events that carry usage, and measures content deltas by their length.
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

/**
 * The shortest `data:` line a content delta can have (a text delta at index 0 with empty
 * text): what a delta line holds beyond it is its payload, JSON-escaped (never fewer bytes
 * than the text it encodes). Other delta types have longer skeletons, so this bounds them too.
 */
const DELTA_SKELETON_BYTES = Buffer.byteLength('data:{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""}}');
const DATA = Buffer.from('data:');
const DELTA_NAME = Buffer.from('"content_block_delta"');
const LINE_FEED = 0x0a;

/** An upper bound of the bytes of generated content in whole SSE events: their delta lines beyond the skeleton. */
function contentBytes(events: Buffer): number {
  let bytes = 0;
  let at = events.indexOf(DATA);
  while (at !== -1) {
    const end = events.indexOf(LINE_FEED, at);
    const lineEnd = end === -1 ? events.length : end;
    // The event type is the first field of every Anthropic event's data.
    if (events.subarray(at, Math.min(lineEnd, at + 48)).includes(DELTA_NAME)) bytes += Math.max(0, lineEnd - at - DELTA_SKELETON_BYTES);
    if (end === -1) break;
    at = events.indexOf(DATA, end);
  }
  return bytes;
}

/**
 * Follows a translated stream's typed events as they go to the client: usage from the
 * `message_start` and `message_delta` events, found by their type (never by reading text), and
 * the bytes of content relayed as the bound of a stream cut short (see SseUsageMeter).
 */
export class EventUsageMeter {
  private readonly current: Mutable<TokenUsage> = { ...noUsage };
  private seen = false;
  private final = false;
  private content = 0;

  push(event: { readonly type: string }): void {
    const record = event as Record<string, unknown>;
    switch (event.type) {
      case 'message_start':
        apply(this.current, (record.message as { usage?: unknown } | undefined)?.usage);
        this.seen = true;
        return;
      case 'message_delta': {
        const usage = record.usage as { output_tokens?: unknown } | undefined;
        apply(this.current, usage);
        this.seen = true;
        if (count(usage?.output_tokens) !== undefined) this.final = true;
        return;
      }
      case 'content_block_delta':
        if (!this.final) this.content += deltaBytes(record.delta);
        return;
      default:
        return;
    }
  }

  /** As SseUsageMeter.usage: undefined before any usage event, the content bound before the final one. */
  get usage(): TokenUsage | undefined {
    if (!this.seen) return undefined;
    return this.final ? { ...this.current } : { ...this.current, output: Math.max(this.current.output, this.content) };
  }
}

/** The UTF-8 bytes of a delta's payload (text, partial JSON, thinking...): at least its tokens. */
function deltaBytes(delta: unknown): number {
  if (typeof delta !== 'object' || delta === null) return 0;
  let bytes = 0;
  for (const [key, value] of Object.entries(delta)) {
    if (key === 'type') continue;
    bytes += typeof value === 'string' ? Buffer.byteLength(value) : Buffer.byteLength(JSON.stringify(value) ?? '');
  }
  return bytes;
}

/** Follows the SSE text of a passthrough stream as it goes to the client (translated streams: EventUsageMeter). */
export class SseUsageMeter {
  private readonly current: Mutable<TokenUsage> = { ...noUsage };
  private seen = false;
  /** Whether the final usage (a message_delta's output count) has passed. */
  private final = false;
  /** Bytes of generated content relayed (an upper bound of the output tokens relayed). */
  private content = 0;

  /** Whole events only (what the relays release). */
  push(events: string | Buffer): void {
    if (!this.final) this.content += contentBytes(typeof events === 'string' ? Buffer.from(events, 'utf8') : events);
    // Most chunks are content deltas: look for the two names in the bytes before decoding any.
    if (!events.includes('message_start') && !events.includes('message_delta')) return;
    for (const event of decodeSse(events)) {
      if (event.event !== 'message_start' && event.event !== 'message_delta') continue;
      try {
        const parsed = JSON.parse(event.data) as { message?: { usage?: unknown }; usage?: { output_tokens?: unknown } };
        apply(this.current, event.event === 'message_start' ? parsed.message?.usage : parsed.usage);
        this.seen = true;
        if (event.event === 'message_delta' && count(parsed.usage?.output_tokens) !== undefined) this.final = true;
      } catch {
        // a malformed event carries no usage we can trust
      }
    }
  }

  /**
   * What is known so far, or undefined when no usage event has passed. Before the final usage,
   * the output is at least the bytes of content relayed.
   */
  get usage(): TokenUsage | undefined {
    if (!this.seen) return undefined;
    return this.final ? { ...this.current } : { ...this.current, output: Math.max(this.current.output, this.content) };
  }
}
