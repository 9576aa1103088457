import type { StopReason } from '@anthropic-ai/sdk/resources/messages';

/**
 * Converse `stopReason` -> Anthropic `stop_reason` (protocols.md §4.6). Upstream values are an
 * open set: an unknown value maps to `end_turn` and is flagged, like the malformed-output reasons,
 * so the caller can log and count it; nothing here throws.
 */

export interface ConverseStopReasonMapping {
  readonly stop_reason: StopReason;
  /** Set when the model's output was malformed or the reason is unknown (log, count, header). */
  readonly malformed?: boolean;
}

const stopReasons: ReadonlyMap<string, ConverseStopReasonMapping> = new Map<string, ConverseStopReasonMapping>([
  ['end_turn', { stop_reason: 'end_turn' }],
  ['tool_use', { stop_reason: 'tool_use' }],
  ['max_tokens', { stop_reason: 'max_tokens' }],
  ['stop_sequence', { stop_reason: 'stop_sequence' }],
  ['model_context_window_exceeded', { stop_reason: 'model_context_window_exceeded' }],
  ['guardrail_intervened', { stop_reason: 'refusal' }],
  ['content_filtered', { stop_reason: 'refusal' }],
  ['malformed_model_output', { stop_reason: 'end_turn', malformed: true }],
  ['malformed_tool_use', { stop_reason: 'end_turn', malformed: true }],
]);

const unknownStopReason: ConverseStopReasonMapping = { stop_reason: 'end_turn', malformed: true };

export function mapConverseStopReason(reason: string): ConverseStopReasonMapping {
  return stopReasons.get(reason) ?? unknownStopReason;
}

/**
 * The matched stop sequence, which Claude reports in `additionalModelResponseFields` when the
 * request asked for `/stop_sequence`; null otherwise.
 */
export function converseStopSequence(additionalModelResponseFields: unknown): string | null {
  if (typeof additionalModelResponseFields !== 'object' || additionalModelResponseFields === null) return null;
  const value = (additionalModelResponseFields as { stop_sequence?: unknown }).stop_sequence;
  return typeof value === 'string' ? value : null;
}
