import type { TokenUsage } from '../../usage/usage.ts';
import { OpenAISseReader } from './sse.ts';
import { estimatedUsage, fromOpenAIUsage, usageOf } from './usage.ts';
import { isRecord } from './values.ts';

/**
 * Reads a forwarded Chat Completions answer as its bytes pass (ADR 0009), pure: nothing it sees
 * changes them. It learns the usage the answer reports (a stream's `usage` chunk, OpenAI's
 * `include_usage`, or Groq's `x_groq.usage`; a JSON body's `usage`), whether the stream began
 * with an error chunk, and the output's characters, for an estimate when no usage came (a
 * client that did not ask for `include_usage`). A stream the meter cannot read (data that is
 * not JSON) is still relayed; the meter then only estimates.
 */

export type FirstItem = { readonly kind: 'content' } | { readonly kind: 'error'; readonly error: unknown } | { readonly kind: 'done' };

export class ForwardedChatMeter {
  private readonly reader: OpenAISseReader;
  private reported: TokenUsage | undefined;
  private outputCharacters = 0;
  private unreadable = false;
  private first: FirstItem | undefined;
  /** The request's input tokens as the gateway estimates them (for a usage nobody reported). */
  private readonly inputTokensEstimate: number;

  constructor(provider: string, inputTokensEstimate: number) {
    this.reader = new OpenAISseReader(provider);
    this.inputTokensEstimate = inputTokensEstimate;
  }

  /** The first data item of the stream, once one came. */
  get firstItem(): FirstItem | undefined {
    return this.first;
  }

  /** Whether `data: [DONE]` has passed. */
  get done(): boolean {
    return this.reader.done;
  }

  /** Stream bytes, in order, whatever their boundaries. */
  push(bytes: Uint8Array): void {
    if (this.unreadable) return;
    try {
      for (const item of this.reader.push(bytes)) {
        if (item.kind === 'done') this.first ??= { kind: 'done' };
        else this.chunk(item.chunk);
      }
    } catch {
      this.unreadable = true;
    }
  }

  /** A whole JSON body. */
  whole(json: unknown): void {
    if (!isRecord(json)) return;
    this.take(json);
    for (const choice of Array.isArray(json.choices) ? json.choices : []) {
      if (isRecord(choice) && isRecord(choice.message)) this.count(choice.message);
    }
  }

  /** What was reported, else (with `final`) the estimate; undefined before anything is known. */
  usage(final: boolean): { readonly usage: TokenUsage; readonly estimated: boolean } | undefined {
    if (this.reported !== undefined) return { usage: this.reported, estimated: false };
    if (!final) return undefined;
    const estimate = estimatedUsage(this.inputTokensEstimate, this.outputCharacters);
    return { usage: { input: estimate.input_tokens, output: estimate.output_tokens, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, estimated: true };
  }

  private chunk(chunk: unknown): void {
    if (!isRecord(chunk)) return;
    if (chunk.error !== undefined && chunk.error !== null) {
      this.first ??= { kind: 'error', error: chunk.error };
      return;
    }
    this.first ??= { kind: 'content' };
    this.take(chunk);
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      if (isRecord(choice) && isRecord(choice.delta)) this.count(choice.delta);
    }
  }

  private take(record: Record<string, unknown>): void {
    const usage = fromOpenAIUsage(usageOf(record));
    if (usage !== undefined) {
      this.reported = { input: usage.input_tokens, output: usage.output_tokens, cacheRead: usage.cache_read_input_tokens, cacheWrite5m: usage.cache_creation_input_tokens, cacheWrite1h: 0 };
    }
  }

  /** Characters of a message or delta's text, reasoning and tool arguments. */
  private count(part: Record<string, unknown>): void {
    for (const key of ['content', 'reasoning_content', 'reasoning', 'refusal']) {
      const value = part[key];
      if (typeof value === 'string') this.outputCharacters += value.length;
    }
    for (const call of Array.isArray(part.tool_calls) ? part.tool_calls : []) {
      const fn = isRecord(call) && isRecord(call.function) ? call.function : undefined;
      if (typeof fn?.arguments === 'string') this.outputCharacters += fn.arguments.length;
      if (typeof fn?.name === 'string') this.outputCharacters += fn.name.length;
    }
  }
}
