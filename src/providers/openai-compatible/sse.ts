import type { MessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { SseDecoder } from '../../anthropic/sse-decode.ts';
import type { OpenAIStreamToAnthropic } from './stream.ts';
import { protocolError } from './values.ts';

/**
 * The OpenAI `data:` framing (protocols.md §6.5, §6.6): each event's data is one JSON chunk;
 * comment lines (OpenRouter's `: OPENROUTER PROCESSING`) are skipped by the SSE decoder;
 * `data: [DONE]` ends the stream. Bytes in, parsed chunks out, whatever the chunk boundaries.
 */

export type OpenAISseItem = { readonly kind: 'chunk'; readonly chunk: unknown } | { readonly kind: 'done' };

export class OpenAISseReader {
  private readonly decoder = new SseDecoder();
  private readonly provider: string;
  private doneSeen = false;

  constructor(provider: string) {
    this.provider = provider;
  }

  /** Whether `data: [DONE]` arrived. */
  get done(): boolean {
    return this.doneSeen;
  }

  push(bytes: Uint8Array): OpenAISseItem[] {
    return this.items(this.decoder.push(bytes));
  }

  end(): OpenAISseItem[] {
    return this.items(this.decoder.end());
  }

  private items(events: readonly { readonly data: string }[]): OpenAISseItem[] {
    const items: OpenAISseItem[] = [];
    for (const { data } of events) {
      if (this.doneSeen) break;
      if (data.trim() === '[DONE]') {
        this.doneSeen = true;
        items.push({ kind: 'done' });
        continue;
      }
      if (data.trim() === '') continue;
      try {
        items.push({ kind: 'chunk', chunk: JSON.parse(data) });
      } catch {
        throw protocolError(this.provider, 'a stream event whose data is not JSON.');
      }
    }
    return items;
  }
}

/**
 * The thin async wrapper: an upstream body (byte chunks) -> Anthropic events, through the
 * reader and the state machine. The end of the body, or `[DONE]`, ends the machine.
 */
export async function* openAISseToAnthropic(body: AsyncIterable<Uint8Array>, machine: OpenAIStreamToAnthropic, provider: string): AsyncGenerator<MessageStreamEvent> {
  const reader = new OpenAISseReader(provider);
  for await (const bytes of body) {
    for (const item of reader.push(bytes)) {
      if (item.kind === 'done') {
        yield* machine.end();
        return;
      }
      yield* machine.push(item.chunk);
    }
  }
  for (const item of reader.end()) if (item.kind === 'chunk') yield* machine.push(item.chunk);
  yield* machine.end();
}
