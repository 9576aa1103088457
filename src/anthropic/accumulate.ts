import type { Message, MessageStreamEvent } from './types.ts';

/**
 * Reduces a stream of Anthropic events to the `Message` a non-streaming call returns, modelled
 * on the SDK's MessageStream: the same order checks, usage counters overwritten (they are
 * cumulative totals), never summed. Unknown event and delta types are skipped, not fatal.
 */

export class StreamOrderError extends Error {}

type Block = Message['content'][number] & Record<string, unknown>;

export class MessageAccumulator {
  private message: Message | undefined;
  private readonly partialJson = new Map<number, string>();
  private stopped = false;

  push(event: MessageStreamEvent): void {
    if (event.type === 'message_start') {
      if (this.message !== undefined) throw new StreamOrderError('message_start arrived twice');
      this.message = structuredClone(event.message);
      return;
    }
    const message = this.message;
    if (message === undefined) throw new StreamOrderError(`${event.type} arrived before message_start`);
    if (this.stopped) throw new StreamOrderError(`${event.type} arrived after message_stop`);
    switch (event.type) {
      case 'content_block_start':
        if (event.index !== message.content.length) throw new StreamOrderError(`content_block_start index ${event.index} out of order`);
        message.content.push(structuredClone(event.content_block));
        return;
      case 'content_block_delta':
        this.applyDelta(message, event.index, event.delta as unknown as Record<string, unknown>);
        return;
      case 'content_block_stop':
        this.finishBlock(message, event.index);
        return;
      case 'message_delta': {
        const target = message as unknown as Record<string, unknown>;
        const delta = event.delta as unknown as Record<string, unknown>;
        for (const key of Object.keys(delta)) {
          if (key === 'container' && delta[key] === null) continue;
          target[key] = delta[key];
        }
        const usage = message.usage as unknown as Record<string, unknown>;
        for (const [key, value] of Object.entries(event.usage)) {
          if (value !== null && value !== undefined) usage[key] = value;
        }
        return;
      }
      case 'message_stop':
        this.stopped = true;
        return;
      default:
        return;
    }
  }

  private block(message: Message, index: number): Block {
    const block = message.content[index];
    if (block === undefined) throw new StreamOrderError(`delta for block ${index}, which was never started`);
    return block as Block;
  }

  private applyDelta(message: Message, index: number, delta: Record<string, unknown>): void {
    const block = this.block(message, index);
    switch (delta.type) {
      case 'text_delta':
        block.text = `${String(block.text ?? '')}${String(delta.text)}`;
        return;
      case 'citations_delta':
        block.citations = [...((block.citations as unknown[] | null | undefined) ?? []), delta.citation];
        return;
      case 'input_json_delta':
        this.partialJson.set(index, (this.partialJson.get(index) ?? '') + String(delta.partial_json));
        return;
      case 'thinking_delta':
        block.thinking = `${String(block.thinking ?? '')}${String(delta.thinking)}`;
        return;
      case 'signature_delta':
        block.signature = delta.signature;
        return;
      default:
        return;
    }
  }

  private finishBlock(message: Message, index: number): void {
    const block = this.block(message, index);
    const json = this.partialJson.get(index);
    if (json === undefined) return;
    this.partialJson.delete(index);
    block.input = json.trim() === '' ? {} : (JSON.parse(json) as unknown);
  }

  /** The accumulated message. Throws if the stream did not end with message_stop. */
  result(): Message {
    if (this.message === undefined || !this.stopped) throw new StreamOrderError('the stream ended before message_stop');
    return this.message;
  }
}

export function accumulate(events: Iterable<MessageStreamEvent>): Message {
  const accumulator = new MessageAccumulator();
  for (const event of events) accumulator.push(event);
  return accumulator.result();
}
