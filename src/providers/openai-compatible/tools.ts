import { refuse, remove, type ConversionContext } from './context.ts';
import { isRecord } from './values.ts';

/**
 * Anthropic `tools` and `tool_choice` -> Chat Completions `tools`, `tool_choice` and
 * `parallel_tool_calls` (protocols.md §6.1). Only custom (client) tools have a function form:
 * server tools and Anthropic-defined tools (web search, bash, computer use…) are a 400 naming
 * them. `cache_control` on a tool is a hint, dropped and listed.
 */

export interface FunctionTool {
  readonly type: 'function';
  readonly function: { readonly name: string; readonly description?: string; readonly parameters: unknown; readonly strict?: boolean };
}

export type ToolChoice = 'auto' | 'required' | 'none' | { readonly type: 'function'; readonly function: { readonly name: string } };

export interface ToolFields {
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
}

export function toToolFields(request: Record<string, unknown>, context: ConversionContext): ToolFields {
  const fields: ToolFields = {};
  const tools = request.tools;
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) throw refuse(context, 'tools', 'expected a list.');
    if (tools.length > 0 && !context.traits.tools) throw refuse(context, 'tools', `${context.model} on ${context.provider} does not take tools.`);
    if (tools.length > 0) fields.tools = tools.map((tool, index) => toFunctionTool(tool, `tools.${index}`, context));
  }
  const choice = request.tool_choice;
  if (choice === undefined || choice === null) return fields;
  if (!isRecord(choice)) throw refuse(context, 'tool_choice', 'expected an object.');
  // Chat Completions refuses a tool_choice without tools; Anthropic's "none" without tools means the same as none given.
  if (fields.tools !== undefined) fields.tool_choice = toToolChoice(choice, context);
  if (choice.disable_parallel_tool_use === true && fields.tools !== undefined) {
    if (context.quirks.parallelToolCalls) fields.parallel_tool_calls = false;
    else remove(context, 'tool_choice.disable_parallel_tool_use');
  }
  return fields;
}

function toFunctionTool(tool: unknown, path: string, context: ConversionContext): FunctionTool {
  if (!isRecord(tool)) throw refuse(context, path, 'expected a tool object.');
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
    throw refuse(context, `${path}.type`, `the ${JSON.stringify(tool.type)} tool runs on Anthropic's side and has no equivalent on ${context.provider}.`);
  }
  if (typeof tool.name !== 'string') throw refuse(context, `${path}.name`, 'expected a string.');
  if (tool.cache_control !== undefined) remove(context, 'cache_control');
  for (const key of ['defer_loading', 'allowed_callers', 'input_examples', 'eager_input_streaming']) if (tool[key] !== undefined) remove(context, `${path}.${key}`);
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      parameters: tool.input_schema ?? { type: 'object', properties: {} },
      ...(typeof tool.strict === 'boolean' ? { strict: tool.strict } : {}),
    },
  };
}

function toToolChoice(choice: Record<string, unknown>, context: ConversionContext): ToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      if (typeof choice.name !== 'string') throw refuse(context, 'tool_choice.name', 'expected a string.');
      return { type: 'function', function: { name: choice.name } };
    default:
      throw refuse(context, 'tool_choice.type', `unknown tool_choice ${JSON.stringify(choice.type)}.`);
  }
}
