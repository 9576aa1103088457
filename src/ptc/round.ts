import { MessageAccumulator } from '../anthropic/accumulate.ts';
import type { AnthropicStreamEvent, Message, MessageStreamEvent } from '../anthropic/types.ts';
import { executeCodeToolName } from './prompt.ts';

/**
 * One upstream round of an emulated Programmatic Tool Calling answer, as a synchronous state
 * machine (`push(event) -> events[]`): the upstream's blocks are renumbered after the blocks of
 * earlier rounds; its `execute_code` calls become `server_tool_use` blocks (`code_execution`,
 * a `srvtoolu_` id); its other tool calls get `caller: {type: "direct"}`. The upstream's
 * `message_start`, `message_delta` and `message_stop` are kept back (the driver writes one of
 * each for the whole answer); `result()` says how the round ended. Pure.
 */

export interface CodeCall {
  /** The `server_tool_use` id the client sees (the model's call id is replaced by it). */
  readonly id: string;
  readonly input: unknown;
}

export interface RoundResult {
  /** The round's message as the upstream model made it, `execute_code` ids replaced: the next round's history. */
  readonly message: Message;
  readonly codeCalls: readonly CodeCall[];
  /** The model also called tools directly: the client must answer them before the model goes on. */
  readonly directCalls: number;
  /** Content blocks the round added (the next round's blocks come after them). */
  readonly blocks: number;
}

type Block = Record<string, unknown>;

export class RoundTranslator {
  readonly #offset: number;
  readonly #newServerToolUseId: () => string;
  readonly #accumulator = new MessageAccumulator();
  /** Upstream index -> the `server_tool_use` id given to an execute_code call. */
  readonly #codeIds = new Map<number, string>();
  #blocks = 0;
  #directCalls = 0;

  constructor(offset: number, newServerToolUseId: () => string) {
    this.#offset = offset;
    this.#newServerToolUseId = newServerToolUseId;
  }

  push(event: AnthropicStreamEvent): AnthropicStreamEvent[] {
    if (event.type === 'ping' || event.type === 'error') return [event];
    this.#accumulator.push(this.#forHistory(event as MessageStreamEvent));
    switch (event.type) {
      case 'content_block_start':
        this.#blocks = Math.max(this.#blocks, event.index + 1);
        return [{ ...event, index: event.index + this.#offset, content_block: this.#clientBlock(event.index, event.content_block as unknown as Block) as unknown as typeof event.content_block }];
      case 'content_block_delta':
      case 'content_block_stop':
        return [{ ...event, index: event.index + this.#offset }];
      default:
        // message_start, message_delta, message_stop: the driver writes its own.
        return [];
    }
  }

  /** The event as the round's history keeps it: execute_code calls under their server_tool_use id. */
  #forHistory(event: MessageStreamEvent): MessageStreamEvent {
    if (event.type !== 'content_block_start') return event;
    const block = event.content_block as unknown as Block;
    if (block.type !== 'tool_use' || block.name !== executeCodeToolName) return event;
    const id = this.#newServerToolUseId();
    this.#codeIds.set(event.index, id);
    return { ...event, content_block: { ...block, id } as unknown as typeof event.content_block };
  }

  #clientBlock(index: number, block: Block): Block {
    if (block.type !== 'tool_use') return block;
    const codeId = this.#codeIds.get(index);
    if (codeId !== undefined) return { type: 'server_tool_use', id: codeId, name: 'code_execution', input: {}, caller: { type: 'direct' } };
    this.#directCalls++;
    return { ...block, caller: { type: 'direct' } };
  }

  /** How the round ended. Throws when the upstream stream did not make a whole message. */
  result(): RoundResult {
    const message = this.#accumulator.result();
    const codeCalls = message.content.flatMap((block) => {
      const record = block as unknown as Block;
      return record.type === 'tool_use' && [...this.#codeIds.values()].includes(String(record.id)) ? [{ id: String(record.id), input: record.input }] : [];
    });
    return { message, codeCalls, directCalls: this.#directCalls, blocks: this.#blocks };
  }
}
