import { cachePointFor, unsupported, type ConversionContext, type ConverseBlock } from './context.ts';
import { toConverseContent } from './content.ts';
import { isRecord } from './values.ts';

/**
 * Anthropic `messages` -> Converse `messages` (protocols.md §4.1, §4.5). Converse wants turns
 * that alternate and start with the user: consecutive same-role turns are merged (Anthropic
 * merges them server-side too) and turns left empty by the conversion are dropped and listed.
 * A conversation that starts with the assistant is a 400. Mid-conversation system messages
 * (`role: "system"`, which Claude Code sends) have no Converse form: `liftSystemMessages` moves
 * them to the system prompt first, in order.
 */

export interface ConverseMessage {
  readonly role: 'user' | 'assistant';
  readonly content: ConverseBlock[];
}

export function toConverseMessages(messages: unknown, context: ConversionContext): ConverseMessage[] {
  if (!Array.isArray(messages)) throw unsupported('messages', 'expected a list of messages.');
  const converted: ConverseMessage[] = [];
  let firstIndex: number | undefined;
  for (const [index, message] of messages.entries()) {
    const path = `messages.${index}`;
    if (!isRecord(message)) throw unsupported(path, 'expected a message object.');
    const role = message.role;
    if (role !== 'user' && role !== 'assistant') throw unsupported(`${path}.role`, `the role ${JSON.stringify(role)} is not supported on Bedrock Converse.`);
    const content = toConverseContent(message.content, `${path}.content`, context);
    if (content.length === 0) {
      context.removed.push(path);
      continue;
    }
    firstIndex ??= index;
    const previous = converted[converted.length - 1];
    if (previous?.role === role) previous.content.push(...content);
    else converted.push({ role, content });
  }
  if (converted[0]?.role === 'assistant') throw unsupported(`messages.${firstIndex ?? 0}`, 'Bedrock Converse needs the conversation to start with a user message.');
  return converted;
}

/**
 * Splits `role: "system"` messages out of the conversation: their content becomes system text
 * blocks after the request's own `system` (Converse has system instructions only at the top).
 * The position in the conversation is lost, the instructions and their cache points are not.
 */
export function liftSystemMessages(system: unknown, messages: unknown, context: ConversionContext): { system: unknown; messages: unknown } {
  if (!Array.isArray(messages) || !messages.some((message) => isRecord(message) && message.role === 'system')) return { system, messages };
  const lifted: unknown[] = system === undefined || system === null ? [] : typeof system === 'string' ? [{ type: 'text', text: system }] : Array.isArray(system) ? [...system] : [system];
  const kept: unknown[] = [];
  for (const [index, message] of messages.entries()) {
    if (!isRecord(message) || message.role !== 'system') {
      kept.push(message);
      continue;
    }
    const content = message.content;
    if (typeof content === 'string') lifted.push({ type: 'text', text: content });
    else if (Array.isArray(content)) lifted.push(...content);
    else throw unsupported(`messages.${index}.content`, 'expected a string or a list of text blocks.');
    context.removed.push(`messages.${index} (moved to system)`);
  }
  return { system: lifted, messages: kept };
}

/**
 * Automatic caching (top-level `cache_control`): Anthropic puts the breakpoint on the last
 * cacheable block, which here is a cache point at the end of the last message.
 */
export function addAutomaticCachePoint(messages: ConverseMessage[], cacheControl: unknown, context: ConversionContext): void {
  const last = messages[messages.length - 1];
  if (last === undefined || !isRecord(cacheControl)) return;
  if (isRecord(last.content[last.content.length - 1]?.cachePoint)) return;
  last.content.push(...cachePointFor(cacheControl, 'cache_control', context));
}
