import type { StopReason } from '@anthropic-ai/sdk/resources/messages';

/**
 * Chat Completions `finish_reason` -> Anthropic `stop_reason` (protocols.md §6.3). Tool calls
 * in the answer mean `tool_use` whatever the provider reports (some report `stop`). A matched
 * stop string is `stop_sequence` only when the provider names it (vLLM's `stop_reason`) and it
 * is one the request asked for. Upstream values are an open set: an unknown one is `end_turn`,
 * flagged so the caller can count it; nothing here throws.
 */

export interface OpenAIStopReasonMapping {
  readonly stop_reason: StopReason;
  readonly stop_sequence: string | null;
  /** Set when the finish reason is unknown (log it, count it). */
  readonly unknown?: boolean;
}

const finishReasons: ReadonlyMap<string, StopReason> = new Map<string, StopReason>([
  ['stop', 'end_turn'],
  ['length', 'max_tokens'],
  ['tool_calls', 'tool_use'],
  ['function_call', 'tool_use'],
  ['content_filter', 'refusal'],
  ['eos', 'end_turn'],
]);

export interface StopReasonInput {
  readonly finishReason: string | null | undefined;
  readonly hasToolCalls: boolean;
  /** The provider's own `stop_reason` (vLLM: the matched stop string). */
  readonly matchedStop?: unknown;
  readonly stopSequences?: readonly string[];
}

export function mapOpenAIStopReason(input: StopReasonInput): OpenAIStopReasonMapping {
  if (input.hasToolCalls) return { stop_reason: 'tool_use', stop_sequence: null };
  const reason = input.finishReason ?? 'stop';
  const mapped = finishReasons.get(reason);
  if (mapped === undefined) return { stop_reason: 'end_turn', stop_sequence: null, unknown: true };
  const matched = input.matchedStop;
  if (reason === 'stop' && typeof matched === 'string' && input.stopSequences?.includes(matched) === true) return { stop_reason: 'stop_sequence', stop_sequence: matched };
  return { stop_reason: mapped, stop_sequence: null };
}
