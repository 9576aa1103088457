/**
 * Anthropic `stop_reason` -> Chat Completions `finish_reason` (protocols.md §6.3 read backwards).
 * Anthropic's set grows: an unknown reason reads as `stop`.
 */

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

const finishReasons: ReadonlyMap<string, FinishReason> = new Map<string, FinishReason>([
  ['end_turn', 'stop'],
  ['stop_sequence', 'stop'],
  ['pause_turn', 'stop'],
  ['max_tokens', 'length'],
  ['model_context_window_exceeded', 'length'],
  ['tool_use', 'tool_calls'],
  ['refusal', 'content_filter'],
]);

export function toFinishReason(stopReason: string | null | undefined): FinishReason {
  return (stopReason === null || stopReason === undefined ? undefined : finishReasons.get(stopReason)) ?? 'stop';
}
