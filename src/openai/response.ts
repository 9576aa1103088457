import type { Message } from '../anthropic/types.ts';
import { toFinishReason } from './finish-reason.ts';
import { toChatUsage, type ChatUsage } from './usage.ts';

/**
 * An Anthropic Message -> a Chat Completions response (`chat.completion`), pure: text blocks
 * join into `content`, `tool_use` blocks become `tool_calls` (input as JSON text), thinking
 * becomes `reasoning_content` (the field DeepSeek and vLLM use; OpenAI clients ignore it).
 */

export interface ChatCompletionContext {
  /** The completion id (`chatcmpl-…`). */
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  /** The model the client asked for. */
  readonly model: string;
}

export interface ChatToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

export interface ChatCompletion {
  readonly id: string;
  readonly object: 'chat.completion';
  readonly created: number;
  readonly model: string;
  readonly choices: [
    {
      readonly index: 0;
      readonly message: { role: 'assistant'; content: string | null; refusal: null; tool_calls?: ChatToolCall[]; reasoning_content?: string };
      readonly logprobs: null;
      readonly finish_reason: string;
    },
  ];
  readonly usage: ChatUsage;
}

export function toChatCompletion(message: Message, context: ChatCompletionContext): ChatCompletion {
  let text: string | null = null;
  let reasoning: string | undefined;
  const toolCalls: ChatToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text = (text ?? '') + block.text;
    else if (block.type === 'thinking') reasoning = (reasoning ?? '') + block.thinking;
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
  }
  return {
    id: context.id,
    object: 'chat.completion',
    created: context.created,
    model: context.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}), ...(reasoning === undefined ? {} : { reasoning_content: reasoning }) },
        logprobs: null,
        finish_reason: toFinishReason(message.stop_reason),
      },
    ],
    usage: toChatUsage(message.usage),
  };
}
