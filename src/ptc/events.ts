import type { AnthropicStreamEvent, Usage } from '../anthropic/types.ts';
import type { PausedExecution } from './container.ts';
import { codeCallId } from './ids.ts';
import { codeExecutionToolResult, type CodeOutcome } from './outcome.ts';

/**
 * The events an emulated Programmatic Tool Calling answer is made of, besides the upstream's own
 * blocks (round.ts): its `message_start` (with the container), the `tool_use` blocks of the
 * calls paused code waits on (caller `{type: <code execution version>, tool_id}`), a
 * `code_execution_tool_result`, and the closing `message_delta` + `message_stop`. Pure.
 */

export interface AnswerContainer {
  readonly id: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

type UsageFields = Pick<Usage, 'input_tokens' | 'output_tokens' | 'cache_creation_input_tokens' | 'cache_read_input_tokens'>;

function event(value: object): AnthropicStreamEvent {
  return value as AnthropicStreamEvent;
}

export function containerField(container: AnswerContainer): { id: string; expires_at: string; skills: null } {
  return { id: container.id, expires_at: new Date(container.expiresAt).toISOString(), skills: null };
}

export function messageStart(id: string, model: string, usage: UsageFields, container: AnswerContainer): AnthropicStreamEvent {
  return event({
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage, container: containerField(container) },
  });
}

/** The `tool_use` blocks of the calls `execution` waits on, from block `offset`. */
export function pendingCallEvents(execution: PausedExecution, offset: number): AnthropicStreamEvent[] {
  const batch = execution.batches.length;
  return execution.pending.flatMap((call, position) => {
    const index = offset + position;
    const block = { type: 'tool_use', id: codeCallId(execution.toolId, batch, position), name: call.name, input: {}, caller: { type: execution.version, tool_id: execution.toolId } };
    return [
      event({ type: 'content_block_start', index, content_block: block }),
      event({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.input) } }),
      event({ type: 'content_block_stop', index }),
    ];
  });
}

export function codeResultEvents(toolUseId: string, outcome: CodeOutcome, index: number): AnthropicStreamEvent[] {
  return [event({ type: 'content_block_start', index, content_block: codeExecutionToolResult(toolUseId, outcome) }), event({ type: 'content_block_stop', index })];
}

export function messageEnd(stopReason: string | null, stopSequence: string | null, usage: UsageFields, container: AnswerContainer): AnthropicStreamEvent[] {
  return [event({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: stopSequence, container: containerField(container) }, usage }), event({ type: 'message_stop' })];
}

/** Token counts over every upstream round of one answer: each round's last word, summed. */
export class UsageTotals {
  readonly #done: UsageFields = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  #round: UsageFields = { ...this.#done };

  /** A round starts (its `message_start` usage) or reports (`message_delta` usage: non-null values override). */
  observe(usage: Record<string, unknown> | undefined): void {
    if (usage === undefined) return;
    const round = { ...this.#round } as Record<string, number | null>;
    for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
      const value = usage[key];
      if (typeof value === 'number') round[key] = value;
    }
    this.#round = round as unknown as UsageFields;
  }

  /** The round is over: its counts join the totals. */
  endRound(): void {
    for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
      (this.#done as Record<string, number>)[key] = (this.#done[key] ?? 0) + (this.#round[key] ?? 0);
    }
    this.#round = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  }

  totals(): UsageFields {
    return { ...this.#done };
  }
}

export const noUsage: UsageFields = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
