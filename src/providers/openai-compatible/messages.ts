import { toContentPart, type ContentPart } from './content.ts';
import { refuse, remove, type ConversionContext } from './context.ts';
import { fromAnthropicToolId } from './tool-ids.ts';
import { isRecord } from './values.ts';

/**
 * Anthropic `system` and `messages` -> Chat Completions messages (protocols.md §6.1), pure.
 * A user turn's `tool_result` blocks become `role: tool` messages placed first, right after the
 * assistant turn that called them; an error result is prefixed `Error: `; images inside a result
 * move to a user message after the tool messages, with the turn's own content. Assistant text
 * goes to `content`, `tool_use` to `tool_calls`; thinking is dropped (signatures mean nothing
 * here) unless the provider wants it back (`replayReasoning`: DeepSeek's `reasoning_content`).
 * Server-tool blocks are a 400.
 */

export interface ToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

export type ChatMessage =
  | { readonly role: 'system'; readonly content: string }
  | { readonly role: 'user'; readonly content: string | ContentPart[] }
  | { readonly role: 'assistant'; readonly content: string | null; readonly tool_calls?: ToolCall[]; readonly reasoning_content?: string }
  | { readonly role: 'tool'; readonly tool_call_id: string; readonly content: string };

export function toSystemMessage(system: unknown, context: ConversionContext): ChatMessage[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return system === '' ? [] : [{ role: 'system', content: system }];
  if (!Array.isArray(system)) throw refuse(context, 'system', 'expected a string or text blocks.');
  const texts = system.map((block, index) => {
    if (!isRecord(block) || block.type !== 'text' || typeof block.text !== 'string') throw refuse(context, `system.${index}`, 'only text blocks have a Chat Completions form.');
    if (block.cache_control !== undefined) remove(context, 'cache_control');
    return block.text;
  });
  return texts.length === 0 ? [] : [{ role: 'system', content: texts.join('\n\n') }];
}

export function toChatMessages(messages: unknown, context: ConversionContext): ChatMessage[] {
  if (!Array.isArray(messages)) throw refuse(context, 'messages', 'expected a list.');
  return messages.flatMap((message, index) => {
    const path = `messages.${index}`;
    if (!isRecord(message)) throw refuse(context, path, 'expected a message object.');
    if (message.role === 'user') return toUserMessages(message.content, path, context);
    if (message.role === 'assistant') return toAssistantMessage(message.content, path, context);
    throw refuse(context, `${path}.role`, `unknown role ${JSON.stringify(message.role)}.`);
  });
}

function toUserMessages(content: unknown, path: string, context: ConversionContext): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  if (!Array.isArray(content)) throw refuse(context, `${path}.content`, 'expected a string or content blocks.');
  const toolMessages: ChatMessage[] = [];
  const moved: ContentPart[] = [];
  const parts: ContentPart[] = [];
  content.forEach((block, index) => {
    const blockPath = `${path}.content.${index}`;
    if (isRecord(block) && block.type === 'tool_result') {
      const result = toToolResult(block, blockPath, context);
      toolMessages.push(result.message);
      moved.push(...result.moved);
    } else parts.push(toContentPart(block, blockPath, context));
  });
  const user = [...moved, ...parts];
  if (user.length === 0) return toolMessages;
  const only = user[0];
  const userContent = user.length === 1 && only?.type === 'text' ? only.text : user;
  return [...toolMessages, { role: 'user', content: userContent }];
}

function toToolResult(block: Record<string, unknown>, path: string, context: ConversionContext): { message: ChatMessage; moved: ContentPart[] } {
  if (typeof block.tool_use_id !== 'string') throw refuse(context, `${path}.tool_use_id`, 'expected a string.');
  if (block.cache_control !== undefined) remove(context, 'cache_control');
  const texts: string[] = [];
  const moved: ContentPart[] = [];
  const content = block.content;
  if (typeof content === 'string') texts.push(content);
  else if (Array.isArray(content)) {
    content.forEach((part, index) => {
      const converted = toContentPart(part, `${path}.content.${index}`, context);
      if (converted.type === 'text') texts.push(converted.text);
      else moved.push(converted);
    });
  } else if (content !== undefined && content !== null) throw refuse(context, `${path}.content`, 'expected a string or content blocks.');
  let text = texts.join('\n');
  if (block.is_error === true) text = `Error: ${text}`;
  if (moved.length > 0) moved.unshift({ type: 'text', text: `(attachments of tool result ${block.tool_use_id})` });
  return { message: { role: 'tool', tool_call_id: fromAnthropicToolId(block.tool_use_id), content: text }, moved };
}

function toAssistantMessage(content: unknown, path: string, context: ConversionContext): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'assistant', content }];
  if (!Array.isArray(content)) throw refuse(context, `${path}.content`, 'expected a string or content blocks.');
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  content.forEach((block, index) => {
    const blockPath = `${path}.content.${index}`;
    if (!isRecord(block)) throw refuse(context, blockPath, 'expected a content block object.');
    if (block.cache_control !== undefined) remove(context, 'cache_control');
    if (block.type === 'text' && typeof block.text === 'string') texts.push(block.text);
    else if (block.type === 'tool_use') toolCalls.push(toToolCall(block, blockPath, context));
    else if (block.type === 'thinking') {
      if (context.quirks.replayReasoning && typeof block.thinking === 'string') reasoning.push(block.thinking);
    } else if (block.type !== 'redacted_thinking') throw refuse(context, `${blockPath}.type`, `${JSON.stringify(block.type)} blocks have no Chat Completions form on ${context.provider}.`);
  });
  const message: ChatMessage = {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : toolCalls.length > 0 ? null : '',
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(reasoning.length > 0 ? { reasoning_content: reasoning.join('') } : {}),
  };
  return [message];
}

function toToolCall(block: Record<string, unknown>, path: string, context: ConversionContext): ToolCall {
  if (typeof block.id !== 'string' || typeof block.name !== 'string') throw refuse(context, path, 'a tool_use block needs a string id and name.');
  return { id: fromAnthropicToolId(block.id), type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } };
}
