import { cachePointFor, requiredString, unsupported, type ConversionContext, type ConverseBlock } from './context.ts';
import { toConverseDocument, toConverseImage } from './media.ts';
import { isRecord } from './values.ts';

/**
 * Anthropic message content -> Converse content blocks (protocols.md §4.5), one block at a time,
 * each followed by a `cachePoint` when it carries `cache_control`. Empty text is dropped (Converse
 * rejects it); thinking is replayed only to Claude. Blocks Converse has no form for (server tools,
 * MCP, containers) and unknown block types are a 400 naming them, never turned into text.
 */

export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** Block types that exist only on Anthropic's own API (also any `mcp_*` and `*_tool_result`). */
const anthropicOnlyBlocks: ReadonlySet<string> = new Set([
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'tool_search_tool_result',
  'container_upload',
  'mcp_tool_use',
  'mcp_tool_result',
  'mcp_tool_listing',
  'advisor_tool_result',
  'compaction',
  'fallback',
]);

export function toConverseContent(content: unknown, path: string, context: ConversionContext): ConverseBlock[] {
  if (typeof content === 'string') {
    if (content.trim() !== '') return [{ text: content }];
    context.removed.push(path);
    return [];
  }
  if (!Array.isArray(content)) throw unsupported(path, 'expected a string or a list of content blocks.');
  return content.flatMap((block, index) => toConverseBlock(block, `${path}.${index}`, context));
}

function toConverseBlock(block: unknown, path: string, context: ConversionContext): ConverseBlock[] {
  if (!isRecord(block)) throw unsupported(path, 'expected a content block object.');
  const converted = convertBlock(block, path, context);
  return converted === undefined ? [] : [converted, ...cachePointFor(cacheControlOf(block), `${path}.cache_control`, context)];
}

function convertBlock(block: Record<string, unknown>, path: string, context: ConversionContext): ConverseBlock | undefined {
  switch (block.type) {
    case 'text':
      return toConverseText(block, path, context);
    case 'image':
      return toConverseImage(block, path, context);
    case 'document':
      return toConverseDocument(block, path, context);
    case 'search_result':
      return { searchResult: toConverseSearchResult(block, path) };
    case 'tool_use':
      return toConverseToolUse(block, path, context);
    case 'tool_result':
      return toConverseToolResult(block, path, context);
    case 'thinking':
    case 'redacted_thinking':
      return toConverseReasoning(block, path, context);
    default:
      if (typeof block.type === 'string' && (anthropicOnlyBlocks.has(block.type) || block.type.startsWith('mcp_') || block.type.endsWith('_tool_result'))) {
        throw unsupported(path, `${block.type} blocks have no Bedrock Converse equivalent (server tools, MCP and containers run only on Anthropic's API).`);
      }
      throw unsupported(path, `the content block type ${JSON.stringify(block.type)} is not supported on Bedrock Converse.`);
  }
}

function toConverseText(block: Record<string, unknown>, path: string, context: ConversionContext): ConverseBlock | undefined {
  const text = requiredString(block, 'text', path);
  if (Array.isArray(block.citations) && block.citations.length > 0) context.removed.push(`${path}.citations`);
  // Bedrock rejects blank text ("text content blocks must contain non-whitespace text").
  if (text.trim() !== '') return { text };
  context.removed.push(path);
  return undefined;
}

function toConverseSearchResult(block: Record<string, unknown>, path: string): Record<string, unknown> {
  const content = block.content;
  if (!Array.isArray(content)) throw unsupported(`${path}.content`, 'expected a list of text blocks.');
  const searchResult: Record<string, unknown> = {
    source: requiredString(block, 'source', path),
    title: requiredString(block, 'title', path),
    content: content.map((part, index) => {
      if (!isRecord(part) || part.type !== 'text') throw unsupported(`${path}.content.${index}`, 'a search result on Bedrock Converse can hold only text blocks.');
      return { text: requiredString(part, 'text', `${path}.content.${index}`) };
    }),
  };
  if (isRecord(block.citations)) searchResult.citations = { enabled: block.citations.enabled === true };
  return searchResult;
}

function toConverseToolUse(block: Record<string, unknown>, path: string, context: ConversionContext): ConverseBlock {
  const name = requiredString(block, 'name', path);
  if (!TOOL_NAME_PATTERN.test(name)) throw unsupported(`${path}.name`, `the tool name ${JSON.stringify(name)} does not match ^[a-zA-Z0-9_-]{1,64}$, which Bedrock Converse requires.`);
  const caller = block.caller;
  if (caller !== undefined && caller !== null && !(isRecord(caller) && caller.type === 'direct')) context.removed.push(`${path}.caller`);
  if (typeof block.toolset_name === 'string') context.removed.push(`${path}.toolset_name`);
  return { toolUse: { toolUseId: requiredString(block, 'id', path), name, input: block.input ?? {} } };
}

function toConverseToolResult(block: Record<string, unknown>, path: string, context: ConversionContext): ConverseBlock {
  const toolUseId = requiredString(block, 'tool_use_id', path);
  const content = toolResultContent(block.content, `${path}.content`, context);
  return { toolResult: { toolUseId, content, status: block.is_error === true ? 'error' : 'success' } };
}

/** A tool result's content; never empty, since Converse rejects empty content and empty text. */
function toolResultContent(content: unknown, path: string, context: ConversionContext): ConverseBlock[] {
  if (content === undefined || content === null) return [{ text: EMPTY_TOOL_RESULT }];
  if (typeof content === 'string') return [{ text: content.trim() === '' ? EMPTY_TOOL_RESULT : content }];
  if (!Array.isArray(content)) throw unsupported(path, 'expected a string or a list of content blocks.');
  const parts = content.flatMap((part, index): ConverseBlock[] => {
    const partPath = `${path}.${index}`;
    if (!isRecord(part)) throw unsupported(partPath, 'expected a content block object.');
    switch (part.type) {
      case 'text': {
        const text = toConverseText(part, partPath, context);
        return text === undefined ? [] : [text];
      }
      case 'image':
        return [toConverseImage(part, partPath, context)];
      case 'document':
        return [toConverseDocument(part, partPath, context)];
      case 'search_result':
        return [{ searchResult: toConverseSearchResult(part, partPath) }];
      default:
        throw unsupported(partPath, `${JSON.stringify(part.type)} blocks inside a tool result are not supported on Bedrock Converse.`);
    }
  });
  return parts.length > 0 ? parts : [{ text: EMPTY_TOOL_RESULT }];
}

/** What an empty tool result says on Converse, which has no empty form. */
export const EMPTY_TOOL_RESULT = '(empty)';

function toConverseReasoning(block: Record<string, unknown>, path: string, context: ConversionContext): ConverseBlock | undefined {
  if (context.profile.family !== 'claude' || !context.profile.reasoning) {
    context.removed.push(path);
    return undefined;
  }
  if (block.type === 'redacted_thinking') return { reasoningContent: { redactedContent: requiredString(block, 'data', path) } };
  const reasoningText: Record<string, unknown> = { text: requiredString(block, 'thinking', path) };
  if (typeof block.signature === 'string') reasoningText.signature = block.signature;
  return { reasoningContent: { reasoningText } };
}

/**
 * The breakpoint a block stands for: its own `cache_control`, or one set on a block nested in it
 * (tool result, search result and content-document parts), which Converse cannot mark inside.
 */
function cacheControlOf(block: Record<string, unknown>): unknown {
  if (isRecord(block.cache_control)) return block.cache_control;
  const nested = block.type === 'document' && isRecord(block.source) ? block.source.content : block.content;
  if (!Array.isArray(nested)) return undefined;
  let found: Record<string, unknown> | undefined;
  for (const part of nested) {
    if (isRecord(part) && isRecord(part.cache_control) && (found === undefined || part.cache_control.ttl === '1h')) found = part.cache_control;
  }
  return found;
}
