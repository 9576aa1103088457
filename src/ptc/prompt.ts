import type { CallableTool } from './detect.ts';
import type { CodeOutcome } from './outcome.ts';

/**
 * What the model is told, as data (docs/ptc.md, "What the model sees"). An upstream without
 * Programmatic Tool Calling gets, in place of the `code_execution` tool, one ordinary client tool
 * (`execute_code`, input `{code}`) whose description lists each tool the code may call, with its
 * description and JSON input schema, and how to call them (`await`, `asyncio.gather`, `print`).
 * When the code ends, the model gets its outcome as that tool's `tool_result` (`outcomeForModel`).
 * Pure; one test per target checks these reach the upstream's own tool format.
 */

/** The name of the emulated tool upstream (`code_execution` could collide with Anthropic's server tool on Claude targets). */
export const executeCodeToolName = 'execute_code';

export const executeCodeIntroduction = [
  'Run Python 3 code in a sandbox. Use it to call the tools listed below from code: in loops, in parallel, and to filter or',
  'combine their results before they reach you. Only what the code prints comes back to you, so print() what you need, kept short.',
  '',
  'How to call the tools:',
  '- Each tool is an async Python function taking its input as keyword arguments: `result = await get_weather(city="Paris")`.',
  '  `await` works at the top level of the code; no asyncio.run() is needed.',
  '- A call returns the tool result as a string (JSON results come as text: use json.loads).',
  '- Independent calls run in parallel with asyncio.gather: `a, b = await asyncio.gather(f(x=1), f(x=2))`.',
  '- A call that fails raises ToolError with the error text; catch it to go on.',
  '- Every execution starts afresh (no variables survive from an earlier one), with the standard library, no network and no',
  '  files of the host: the tools below are the only way out.',
  '',
  'Tools the code can call:',
].join('\n');

/** One callable tool in the description: its signature line, description and input schema. */
export function describeCallableTool(tool: CallableTool): string {
  const lines = [`- ${tool.name}(**input)${tool.direct ? '' : ' (only from code)'}`];
  if (tool.description !== undefined && tool.description.trim() !== '') lines.push(`  Description: ${tool.description.trim()}`);
  lines.push(`  Input JSON schema: ${JSON.stringify(tool.inputSchema)}`);
  return lines.join('\n');
}

/** The emulated tool, in Anthropic's client tool form (each provider converts it like any other tool). */
export function executeCodeTool(callable: readonly CallableTool[]): Record<string, unknown> {
  return {
    name: executeCodeToolName,
    description: [executeCodeIntroduction, ...callable.map(describeCallableTool)].join('\n'),
    input_schema: {
      type: 'object',
      properties: { code: { type: 'string', description: 'The Python code to run.' } },
      required: ['code'],
      additionalProperties: false,
    },
  };
}

/** The `tool_result` the model gets for its `execute_code` call when the code is over. */
export interface ModelOutcome {
  readonly content: string;
  readonly isError: boolean;
}

export function outcomeForModel(outcome: CodeOutcome): ModelOutcome {
  if (outcome.kind === 'invalid_input') return { content: `The code did not run: ${outcome.message}`, isError: true };
  if (outcome.kind === 'error') return { content: `The code could not run to its end: ${outcome.errorCode}: ${outcome.message}`, isError: true };
  const parts: string[] = [];
  if (outcome.stdout !== '') parts.push(outcome.returnCode === 0 && outcome.stderr === '' ? outcome.stdout : `stdout:\n${outcome.stdout}`);
  if (outcome.stderr !== '') parts.push(`stderr:\n${outcome.stderr}`);
  if (outcome.returnCode !== 0) parts.push(`return code: ${outcome.returnCode}`);
  if (parts.length === 0) parts.push('(The code printed nothing.)');
  return { content: parts.join('\n'), isError: outcome.returnCode !== 0 };
}

