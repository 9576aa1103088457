import type { CodeExecutionToolResultBlock } from '@anthropic-ai/sdk/resources/messages';
import type { FailedRun, FinishedRun } from './sandbox/contract.ts';

/**
 * How a code execution ended, and the `code_execution_tool_result` block the client sees for it
 * (the official shapes: `code_execution_result {stdout, stderr, return_code, content}` or
 * `code_execution_tool_result_error {error_code}`). The sandbox's failures that the API has no
 * error code for (memory, output size, a replay that diverged) are a result with return code 1
 * and the reason in stderr, so the model reads what happened. Pure.
 */

/** The `execute_code` input had no `code` string: nothing ran. */
export interface InvalidInput {
  readonly kind: 'invalid_input';
  readonly message: string;
}

export type CodeOutcome = FinishedRun | FailedRun | InvalidInput;

type ResultContent = CodeExecutionToolResultBlock['content'];

export function resultContent(outcome: CodeOutcome): ResultContent {
  switch (outcome.kind) {
    case 'invalid_input':
      return { type: 'code_execution_tool_result_error', error_code: 'invalid_tool_input' };
    case 'done':
      return { type: 'code_execution_result', stdout: outcome.stdout, stderr: outcome.stderr, return_code: outcome.returnCode, content: [] };
    case 'error':
      switch (outcome.errorCode) {
        case 'execution_time_exceeded':
        case 'too_many_requests':
        case 'unavailable':
          return { type: 'code_execution_tool_result_error', error_code: outcome.errorCode };
        case 'memory_exceeded':
        case 'output_too_large':
        case 'replay_diverged':
          return { type: 'code_execution_result', stdout: '', stderr: `${outcome.errorCode}: ${outcome.message}`, return_code: 1, content: [] };
      }
  }
}

export function codeExecutionToolResult(toolUseId: string, outcome: CodeOutcome): CodeExecutionToolResultBlock {
  return { type: 'code_execution_tool_result', tool_use_id: toolUseId, content: resultContent(outcome) };
}

/** The `code` of an `execute_code` input, or why there is none. */
export function codeOf(input: unknown): string | InvalidInput {
  const code = typeof input === 'object' && input !== null ? (input as { code?: unknown }).code : undefined;
  if (typeof code !== 'string' || code.trim() === '') return { kind: 'invalid_input', message: 'the input has no "code" string.' };
  return code;
}
