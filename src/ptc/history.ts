import { allowedCallers, isPtcToolVersion, type PtcRequest } from './detect.ts';
import { parseCodeCallId } from './ids.ts';
import type { CodeOutcome } from './outcome.ts';
import { executeCodeTool, executeCodeToolName, outcomeForModel } from './prompt.ts';

/**
 * The client's request as an upstream without Programmatic Tool Calling must see it (docs/ptc.md,
 * "What the upstream sees"). Pure; the input is not changed.
 *
 * - Tools: the `code_execution` tool becomes `execute_code` (prompt.ts); tools only code may call
 *   leave the list (the model reaches them through code); `allowed_callers` is removed.
 * - History: what the client keeps of earlier rounds is folded back into the plain tool calls the
 *   model made. A `server_tool_use` (code_execution) becomes the model's `execute_code` tool_use;
 *   the `tool_use` blocks the code made (caller `code_execution_*`) and their `tool_result`s go
 *   (the model never saw them); a `code_execution_tool_result` becomes the `tool_result` of
 *   `execute_code` in a user turn, where the model had it; `caller` leaves direct calls. Turns
 *   left empty go, and turns of one role that end up next to each other are merged.
 */

type Block = Record<string, unknown>;

interface Turn {
  readonly role: string;
  readonly content: Block[];
  /** The client's message, when it goes upstream unchanged. */
  readonly original?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function toUpstreamBody(body: Readonly<Record<string, unknown>>, ptc: PtcRequest): Record<string, unknown> {
  const { container: _container, ...rest } = body;
  const upstream: Record<string, unknown> = { ...rest, tools: upstreamTools(body.tools, ptc) };
  if (Array.isArray(body.messages)) upstream.messages = toUpstreamMessages(body.messages);
  if (isRecord(body.tool_choice) && body.tool_choice.type === 'tool' && body.tool_choice.name === 'code_execution') {
    upstream.tool_choice = { ...body.tool_choice, name: executeCodeToolName };
  }
  return upstream;
}

function upstreamTools(tools: unknown, ptc: PtcRequest): unknown[] {
  const kept: unknown[] = [];
  for (const tool of Array.isArray(tools) ? tools : []) {
    if (!isRecord(tool)) {
      kept.push(tool);
      continue;
    }
    if (isPtcToolVersion(tool.type)) continue;
    const callers = allowedCallers(tool);
    if (!callers.includes('direct')) continue;
    const { allowed_callers: _callers, ...plain } = tool;
    kept.push(plain);
  }
  kept.push(executeCodeTool(ptc.callable));
  return kept;
}

/** The ids of the tool calls code made (a code execution caller, or an id of ours). */
function codeCallIds(messages: readonly unknown[]): Set<string> {
  const ids = new Set<string>();
  for (const message of messages) {
    if (!isRecord(message) || message.role !== 'assistant' || !Array.isArray(message.content)) continue;
    for (const block of message.content) {
      if (!isRecord(block) || block.type !== 'tool_use' || typeof block.id !== 'string') continue;
      const caller = isRecord(block.caller) ? block.caller.type : undefined;
      if (isPtcToolVersion(caller) || parseCodeCallId(block.id) !== undefined) ids.add(block.id);
    }
  }
  return ids;
}

export function toUpstreamMessages(messages: readonly unknown[]): unknown[] {
  const codeCalls = codeCallIds(messages);
  const turns: Turn[] = [];
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const role = String(message.role);
    if (!Array.isArray(message.content)) {
      appendTurn(turns, { role, content: typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : [] }, message);
      continue;
    }
    let current: Block[] = [];
    for (const block of message.content as unknown[]) {
      if (!isRecord(block)) continue;
      if (role === 'assistant' && block.type === 'code_execution_tool_result') {
        // The model had the code's outcome as a tool_result in a user turn: the turn splits here.
        appendTurn(turns, { role, content: current }, undefined);
        appendTurn(turns, { role: 'user', content: [toolResultOf(block)] }, undefined);
        current = [];
        continue;
      }
      const converted = upstreamBlock(block, role, codeCalls);
      if (converted !== undefined) current.push(converted);
    }
    appendTurn(turns, { role, content: current }, message);
  }
  return turns.map((turn) => turn.original ?? { role: turn.role, content: turn.content });
}

function upstreamBlock(block: Block, role: string, codeCalls: ReadonlySet<string>): Block | undefined {
  if (role === 'assistant') {
    if (block.type === 'server_tool_use' && block.name === 'code_execution') {
      return { type: 'tool_use', id: block.id, name: executeCodeToolName, input: block.input, ...(block.cache_control === undefined ? {} : { cache_control: block.cache_control }) };
    }
    if (block.type === 'tool_use') {
      if (typeof block.id === 'string' && codeCalls.has(block.id)) return undefined;
      if ('caller' in block) {
        const { caller: _caller, ...direct } = block;
        return direct;
      }
    }
    return block;
  }
  if (block.type === 'tool_result' && typeof block.tool_use_id === 'string' && codeCalls.has(block.tool_use_id)) return undefined;
  return block;
}

/** A `code_execution_tool_result` block as the `tool_result` of the model's `execute_code` call. */
function toolResultOf(block: Block): Block {
  const outcome = outcomeForModel(outcomeOfBlock(block.content));
  return { type: 'tool_result', tool_use_id: block.tool_use_id, content: outcome.content, ...(outcome.isError ? { is_error: true } : {}) };
}

/** The outcome a `code_execution_tool_result`'s content stands for (what the client sent back). */
export function outcomeOfBlock(content: unknown): CodeOutcome {
  const record = isRecord(content) ? content : {};
  if (record.type === 'code_execution_result' || record.type === 'encrypted_code_execution_result') {
    return {
      kind: 'done',
      stdout: typeof record.stdout === 'string' ? record.stdout : '',
      stderr: typeof record.stderr === 'string' ? record.stderr : '',
      returnCode: typeof record.return_code === 'number' ? record.return_code : 0,
    };
  }
  const code = record.error_code;
  if (code === 'invalid_tool_input') return { kind: 'invalid_input', message: 'the input was not valid.' };
  if (code === 'execution_time_exceeded' || code === 'too_many_requests') return { kind: 'error', errorCode: code, message: code === 'too_many_requests' ? 'the sandbox was busy.' : 'the code ran out of time.' };
  return { kind: 'error', errorCode: 'unavailable', message: 'the sandbox was not available.' };
}

/**
 * Adds a turn: dropped when empty, merged into the previous one when of the same role. A message
 * that comes through whole and alone is kept as the client sent it (`original`).
 */
function appendTurn(turns: Turn[], turn: Turn, message: Record<string, unknown> | undefined): void {
  if (turn.content.length === 0) return;
  const previous = turns.at(-1);
  if (previous !== undefined && previous.role === turn.role) {
    turns[turns.length - 1] = { role: turn.role, content: [...previous.content, ...turn.content] };
    return;
  }
  turns.push({ ...turn, ...(message !== undefined && unchanged(message, turn.content) ? { original: message } : {}) });
}

function unchanged(message: Record<string, unknown>, content: readonly Block[]): boolean {
  if (typeof message.content === 'string') return true;
  return Array.isArray(message.content) && message.content.length === content.length && message.content.every((block, index) => block === content[index]);
}
