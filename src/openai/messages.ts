import { isRecord, refuse } from './values.ts';

/**
 * Chat Completions `messages` -> Anthropic `system` and `messages`, pure. `system` and
 * `developer` messages join the system prompt; user parts become text, image (data URLs as
 * base64, other URLs as URL sources) and PDF document blocks; assistant `tool_calls` become
 * `tool_use` blocks; `tool` messages become `tool_result` blocks at the head of the next user
 * turn. Consecutive messages of one role are merged (Anthropic alternates roles). Audio, file
 * ids and the legacy `function` role are a 400 naming the part.
 */

type Block = Record<string, unknown>;

interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

export interface AnthropicConversation {
  readonly system: string | undefined;
  readonly messages: { role: 'user' | 'assistant'; content: Block[] }[];
}

export function toAnthropicConversation(messages: unknown): AnthropicConversation {
  if (!Array.isArray(messages) || messages.length === 0) throw refuse('messages', 'expected a non-empty list.');
  const system: string[] = [];
  const turns: Turn[] = [];
  const add = (role: Turn['role'], blocks: Block[]) => {
    const last = turns.at(-1);
    if (last?.role === role) {
      // Tool results must open a user turn: they go before what the turn already holds.
      const results = blocks.filter((block) => block.type === 'tool_result');
      const rest = blocks.filter((block) => block.type !== 'tool_result');
      const lead = last.content.filter((block) => block.type === 'tool_result');
      const tail = last.content.filter((block) => block.type !== 'tool_result');
      last.content = [...lead, ...results, ...tail, ...rest];
    } else turns.push({ role, content: blocks });
  };
  messages.forEach((message, index) => {
    const path = `messages.${index}`;
    if (!isRecord(message)) throw refuse(path, 'expected a message object.');
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content, `${path}.content`));
        return;
      case 'user':
        add('user', userBlocks(message.content, `${path}.content`));
        return;
      case 'assistant':
        add('assistant', assistantBlocks(message, path));
        return;
      case 'tool':
        add('user', [toolResult(message, path)]);
        return;
      default:
        throw refuse(`${path}.role`, `the ${JSON.stringify(message.role)} role is not supported (use tools and tool messages).`);
    }
  });
  return { system: system.length === 0 ? undefined : system.join('\n\n'), messages: turns };
}

/** Text content: a string or text parts. */
function textOf(content: unknown, path: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw refuse(path, 'expected a string or text parts.');
  return content
    .map((part, index) => {
      if (!isRecord(part) || (part.type !== 'text' && part.type !== 'refusal')) throw refuse(`${path}.${index}`, 'expected a text part.');
      const text = part.type === 'text' ? part.text : part.refusal;
      if (typeof text !== 'string') throw refuse(`${path}.${index}`, 'expected a string.');
      return text;
    })
    .join('');
}

function userBlocks(content: unknown, path: string): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw refuse(path, 'expected a string or content parts.');
  return content.map((part, index) => userBlock(part, `${path}.${index}`));
}

function userBlock(part: unknown, path: string): Block {
  if (!isRecord(part)) throw refuse(path, 'expected a content part object.');
  if (part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
  if (part.type === 'image_url' && isRecord(part.image_url) && typeof part.image_url.url === 'string') return { type: 'image', source: sourceOf(part.image_url.url, `${path}.image_url.url`) };
  if (part.type === 'file' && isRecord(part.file)) {
    const { file_data: data, filename } = part.file;
    if (typeof data !== 'string') throw refuse(`${path}.file`, 'only inline file_data is supported (file ids live in OpenAI\'s storage).');
    return { type: 'document', source: sourceOf(data, `${path}.file.file_data`), ...(typeof filename === 'string' ? { title: filename } : {}) };
  }
  throw refuse(`${path}.type`, `${JSON.stringify(part.type)} content parts are not supported.`);
}

/** A `data:<media>;base64,<data>` URL as a base64 source; an http(s) URL as a URL source. */
function sourceOf(url: string, path: string): Block {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data !== null) return { type: 'base64', media_type: data[1], data: data[2] };
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw refuse(path, 'expected a base64 data URL or an http(s) URL.');
}

function assistantBlocks(message: Record<string, unknown>, path: string): Block[] {
  if (message.function_call !== undefined && message.function_call !== null) throw refuse(`${path}.function_call`, 'the legacy function_call is not supported (use tool_calls).');
  const blocks: Block[] = [];
  if (message.content !== undefined && message.content !== null) {
    const text = textOf(message.content, `${path}.content`);
    if (text !== '') blocks.push({ type: 'text', text });
  }
  const calls = message.tool_calls;
  if (Array.isArray(calls)) calls.forEach((call, index) => blocks.push(toolUse(call, `${path}.tool_calls.${index}`)));
  if (blocks.length === 0) blocks.push({ type: 'text', text: '' });
  return blocks;
}

function toolUse(call: unknown, path: string): Block {
  const fn = isRecord(call) && isRecord(call.function) ? call.function : undefined;
  if (!isRecord(call) || typeof call.id !== 'string' || fn === undefined || typeof fn.name !== 'string') throw refuse(path, 'a tool call needs an id and a function name.');
  const text = typeof fn.arguments === 'string' ? fn.arguments : '';
  let input: unknown = {};
  if (text.trim() !== '') {
    try {
      input = JSON.parse(text);
    } catch {
      throw refuse(`${path}.function.arguments`, 'expected a JSON object.');
    }
  }
  if (!isRecord(input)) throw refuse(`${path}.function.arguments`, 'expected a JSON object.');
  return { type: 'tool_use', id: call.id, name: fn.name, input };
}

function toolResult(message: Record<string, unknown>, path: string): Block {
  if (typeof message.tool_call_id !== 'string') throw refuse(`${path}.tool_call_id`, 'expected a string.');
  return { type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content ?? '', `${path}.content`) };
}
