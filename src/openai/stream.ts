import type { AnthropicStreamEvent } from '../anthropic/types.ts';
import { toOpenAIErrorBody, type OpenAIErrorBody } from './errors.ts';
import { toFinishReason } from './finish-reason.ts';
import type { ChatCompletionContext } from './response.ts';
import { toChatUsage, type AnthropicUsageLike, type ChatUsage } from './usage.ts';

/**
 * Anthropic stream events -> Chat Completions chunks exactly as OpenAI sends them, as a
 * synchronous state machine (`push(event) -> chunks[]`): a role chunk first
 * (`{role:"assistant",content:""}`), then `content` deltas, `tool_calls` deltas by index (the
 * first with id, type, name and empty arguments, then argument fragments), a last chunk with an
 * empty delta and the `finish_reason`, and, when the client asked (`include_usage`), `usage: null`
 * on every chunk and a final chunk with no choices and the usage. Thinking goes out as
 * `reasoning_content` deltas. An `error` event becomes an `{"error":…}` chunk. The writer ends
 * the stream with `data: [DONE]` (CHAT_STREAM_DONE).
 */

export interface ChatChunk {
  readonly id: string;
  readonly object: 'chat.completion.chunk';
  readonly created: number;
  readonly model: string;
  readonly system_fingerprint: null;
  readonly choices: { readonly index: 0; readonly delta: Record<string, unknown>; readonly logprobs: null; readonly finish_reason: string | null }[];
  readonly usage?: ChatUsage | null;
}

export type ChatStreamItem = ChatChunk | OpenAIErrorBody;

export const CHAT_STREAM_DONE = 'data: [DONE]\n\n';

export function encodeChatChunk(item: ChatStreamItem): string {
  return `data: ${JSON.stringify(item)}\n\n`;
}

export class AnthropicToChatChunks {
  private readonly context: ChatCompletionContext;
  private readonly includeUsage: boolean;
  /** Anthropic block index -> tool call index, for tool_use blocks. */
  private readonly toolIndexes = new Map<number, number>();
  private usage: AnthropicUsageLike = {};
  private stopReason: string | null = null;
  private ended = false;

  constructor(context: ChatCompletionContext, options: { readonly includeUsage: boolean }) {
    this.context = context;
    this.includeUsage = options.includeUsage;
  }

  /** Whether the stream is complete (message_stop or error seen): write CHAT_STREAM_DONE. */
  get done(): boolean {
    return this.ended;
  }

  push(event: AnthropicStreamEvent): ChatStreamItem[] {
    if (this.ended) return [];
    switch (event.type) {
      case 'message_start':
        this.usage = { ...event.message.usage };
        return [this.chunk({ role: 'assistant', content: '', refusal: null })];
      case 'content_block_start':
        return this.blockStart(event.index, event.content_block as unknown as Record<string, unknown>);
      case 'content_block_delta':
        return this.blockDelta(event.index, event.delta as unknown as Record<string, unknown>);
      case 'message_delta':
        this.stopReason = event.delta.stop_reason ?? this.stopReason;
        this.usage = { ...this.usage, ...withoutNulls(event.usage as unknown as Record<string, unknown>) };
        return [];
      case 'message_stop':
        return this.finish();
      case 'error':
        this.ended = true;
        return [toOpenAIErrorBody(event.error.type, event.error.message)];
      default:
        return [];
    }
  }

  private blockStart(index: number, block: Record<string, unknown>): ChatStreamItem[] {
    if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') return [this.chunk({ content: block.text })];
    if (block.type !== 'tool_use') return [];
    const toolIndex = this.toolIndexes.size;
    this.toolIndexes.set(index, toolIndex);
    return [this.chunk({ tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] })];
  }

  private blockDelta(index: number, delta: Record<string, unknown>): ChatStreamItem[] {
    if (delta.type === 'text_delta' && typeof delta.text === 'string') return [this.chunk({ content: delta.text })];
    if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string') return [this.chunk({ reasoning_content: delta.thinking })];
    const toolIndex = this.toolIndexes.get(index);
    if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string' && toolIndex !== undefined && delta.partial_json !== '') {
      return [this.chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] })];
    }
    return [];
  }

  private finish(): ChatStreamItem[] {
    this.ended = true;
    const last = this.chunk({}, toFinishReason(this.stopReason));
    if (!this.includeUsage) return [last];
    return [last, { ...this.base(), choices: [], usage: toChatUsage(this.usage) }];
  }

  private base(): Omit<ChatChunk, 'choices'> {
    return { id: this.context.id, object: 'chat.completion.chunk', created: this.context.created, model: this.context.model, system_fingerprint: null };
  }

  private chunk(delta: Record<string, unknown>, finishReason: string | null = null): ChatChunk {
    return { ...this.base(), choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...(this.includeUsage ? { usage: null } : {}) };
  }
}

function withoutNulls(record: Record<string, unknown>): AnthropicUsageLike {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => typeof value === 'number')) as AnthropicUsageLike;
}
