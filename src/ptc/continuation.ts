import { GatewayError } from '../errors.ts';
import type { PausedExecution } from './container.ts';
import { isPtcToolVersion } from './detect.ts';
import { codeCallId, executionKey, parseCodeCallId } from './ids.ts';
import type { AnsweredBatch, SandboxToolCall, SandboxToolResult } from './sandbox/contract.ts';

/**
 * A request that answers the calls of paused code (docs/ptc.md, "Resuming"): its last user turn
 * holds `tool_result`s for `tool_use` blocks the code made. Each is matched to a pending call by
 * its `tool_use_id`, which says the execution, the batch and the call (ids.ts): a missing,
 * doubled or unknown id is a 400 naming it. An answer to an earlier batch than the pending one is
 * a client retrying: the batches after it are dropped and the code replays from there. Pure.
 */

type Block = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function blocksOf(message: unknown): Block[] {
  return isRecord(message) && Array.isArray(message.content) ? message.content.filter(isRecord) : [];
}

/** The `tool_result`s of the last user turn that answer calls made by code, and the code calls of the turn before it. */
export interface CodeAnswers {
  readonly results: readonly Block[];
  /** `tool_use` ids of calls made by code in the last assistant turn. */
  readonly asked: readonly string[];
}

/** What a request answers of code, or undefined when it answers no code call. */
export function codeAnswersOf(messages: readonly unknown[]): CodeAnswers | undefined {
  const last = messages.at(-1);
  if (!isRecord(last) || last.role !== 'user') return undefined;
  const previous = messages.at(-2);
  const asked = blocksOf(previous)
    .filter((block) => block.type === 'tool_use' && typeof block.id === 'string' && (isPtcToolVersion(isRecord(block.caller) ? block.caller.type : undefined) || parseCodeCallId(block.id) !== undefined))
    .map((block) => block.id as string);
  const results = blocksOf(last).filter((block) => block.type === 'tool_result' && typeof block.tool_use_id === 'string' && (parseCodeCallId(block.tool_use_id) !== undefined || asked.includes(block.tool_use_id)));
  if (results.length === 0 && asked.length === 0) return undefined;
  return { results, asked };
}

function mismatch(message: string): GatewayError {
  return new GatewayError('GW_PTC_TOOL_RESULTS', message);
}

/** The batches to replay: the answered ones before the batch these results answer, then it. */
export function answeredBatches(execution: PausedExecution, answers: CodeAnswers): AnsweredBatch[] {
  const key = executionKey(execution.toolId);
  let batch: number | undefined;
  for (const result of answers.results) {
    const id = result.tool_use_id as string;
    const parsed = parseCodeCallId(id);
    if (parsed === undefined || parsed.execution !== key || parsed.batch > execution.batches.length || (batch !== undefined && parsed.batch !== batch)) {
      throw mismatch(`tool_result ${JSON.stringify(id)} does not answer a call the paused code of this container is waiting for.`);
    }
    batch = parsed.batch;
  }
  batch ??= execution.batches.length;
  const calls = batch === execution.batches.length ? execution.pending : (execution.batches[batch] as AnsweredBatch).calls;
  const ids = calls.map((_call, index) => codeCallId(execution.toolId, batch, index));
  const byId = new Map<string, Block>();
  for (const result of answers.results) {
    const id = result.tool_use_id as string;
    if (!ids.includes(id)) throw mismatch(`tool_result ${JSON.stringify(id)} does not answer a call the paused code of this container is waiting for.`);
    if (byId.has(id)) throw mismatch(`tool_use_id ${JSON.stringify(id)} is answered twice.`);
    byId.set(id, result);
  }
  const results = ids.map((id, index) => {
    const result = byId.get(id);
    if (result === undefined) throw mismatch(`no tool_result for tool_use_id ${JSON.stringify(id)} (${(calls[index] as SandboxToolCall).name}): the code waits for every call of its batch.`);
    return toSandboxResult(result);
  });
  return [...execution.batches.slice(0, batch), { calls, results }];
}

/** What the code receives for a `tool_result`: its text (text blocks joined), and whether it is an error. */
export function toSandboxResult(block: Block): SandboxToolResult {
  const content = block.content;
  const isError = block.is_error === true;
  if (typeof content === 'string') return { content, isError };
  if (!Array.isArray(content)) return { content: '', isError };
  const parts = content.filter(isRecord).map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : `[${String(part.type)} block]`));
  return { content: parts.join('\n'), isError };
}
