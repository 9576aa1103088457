import { anthropicServerToolType } from '../server-tools.ts';
import { cachePointFor, requiredString, unsupported, type ConversionContext, type ConverseBlock } from './context.ts';
import { TOOL_NAME_PATTERN } from './content.ts';
import type { ConverseMessage } from './messages.ts';
import { isRecord } from './values.ts';

/**
 * Anthropic `tools` and `tool_choice` -> Converse `toolConfig` (protocols.md §4.1, §4.5). Only
 * custom tools have a Converse form; Anthropic-defined tools (bash, text editor, computer, the
 * server tools) are a 400 naming them. Converse has no `tool_choice: none`, and it requires a
 * `toolConfig` whenever the history holds tool blocks: then the tools are declared (synthesised
 * from the names in the history if the request has none) and the model may still call one.
 */


/** Custom tool fields Converse has no place for: dropped and listed. */
const knownToolFields: ReadonlySet<string> = new Set(['type', 'name', 'description', 'input_schema', 'cache_control', 'strict']);

type ToolChoice = { readonly converse: Record<string, unknown> } | 'none' | undefined;

export function toConverseToolConfig(request: Record<string, unknown>, messages: readonly ConverseMessage[], context: ConversionContext): Record<string, unknown> | undefined {
  const declared = Array.isArray(request.tools) ? request.tools.flatMap((tool, index) => toConverseTool(tool, `tools.${index}`, context)) : [];
  const choice = toConverseToolChoice(request.tool_choice, context);
  const history = toolNamesInHistory(messages);
  if (history === undefined && (choice === 'none' || declared.length === 0)) return undefined;
  if (choice === 'none') context.removed.push('tool_choice');
  const tools = declared.length > 0 ? declared : (history ?? []).map((name) => ({ toolSpec: { name, inputSchema: { json: { type: 'object' } } } }));
  if (tools.length === 0) return undefined;
  return choice === undefined || choice === 'none' ? { tools } : { tools, toolChoice: choice.converse };
}

function toConverseTool(tool: unknown, path: string, context: ConversionContext): ConverseBlock[] {
  if (!isRecord(tool)) throw unsupported(path, 'expected a tool object.');
  const type = tool.type;
  if (typeof type === 'string' && type !== 'custom') {
    if (anthropicServerToolType.test(type) || type.startsWith('tool_search_tool')) throw unsupported(path, `the server tool ${type} is not available on AWS Bedrock.`);
    throw unsupported(path, `the Anthropic-defined tool ${type} has no Bedrock Converse form; it needs Bedrock's native InvokeModel API.`);
  }
  const name = requiredString(tool, 'name', path);
  if (!TOOL_NAME_PATTERN.test(name)) throw unsupported(`${path}.name`, `the tool name ${JSON.stringify(name)} does not match ^[a-zA-Z0-9_-]{1,64}$, which Bedrock Converse requires.`);
  if (!isRecord(tool.input_schema)) throw unsupported(`${path}.input_schema`, 'expected a JSON Schema object.');
  const toolSpec: Record<string, unknown> = { name };
  if (typeof tool.description === 'string' && tool.description !== '') toolSpec.description = tool.description;
  toolSpec.inputSchema = { json: tool.input_schema };
  if (typeof tool.strict === 'boolean') toolSpec.strict = tool.strict;
  for (const [key, value] of Object.entries(tool)) {
    if (!knownToolFields.has(key) && value !== undefined && value !== null) context.removed.push(`${path}.${key}`);
  }
  return [{ toolSpec }, ...cachePointFor(tool.cache_control, `${path}.cache_control`, context)];
}

function toConverseToolChoice(choice: unknown, context: ConversionContext): ToolChoice {
  if (choice === undefined || choice === null) return undefined;
  if (!isRecord(choice)) throw unsupported('tool_choice', 'expected a tool choice object.');
  if (choice.disable_parallel_tool_use !== undefined && choice.disable_parallel_tool_use !== null) context.removed.push('tool_choice.disable_parallel_tool_use');
  switch (choice.type) {
    case 'auto':
      return { converse: { auto: {} } };
    case 'any':
      return { converse: { any: {} } };
    case 'tool':
      return { converse: { tool: { name: requiredString(choice, 'name', 'tool_choice') } } };
    case 'none':
      return 'none';
    default:
      throw unsupported('tool_choice.type', `the tool choice ${JSON.stringify(choice.type)} is not supported on Bedrock Converse.`);
  }
}

/** The tool names used in the history (first-seen order), or undefined when it has no tool blocks. */
export function toolNamesInHistory(messages: readonly ConverseMessage[]): string[] | undefined {
  let used = false;
  const names: string[] = [];
  for (const block of messages.flatMap((message) => message.content)) {
    if (isRecord(block.toolResult)) used = true;
    if (!isRecord(block.toolUse)) continue;
    used = true;
    const name = block.toolUse.name;
    if (typeof name === 'string' && !names.includes(name)) names.push(name);
  }
  return used ? names : undefined;
}
