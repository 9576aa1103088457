import { describe, expect, it } from 'vitest';
import { converseStopSequence, mapConverseStopReason } from './stop-reason.ts';

describe('mapConverseStopReason', () => {
  it.each([
    ['end_turn', { stop_reason: 'end_turn' }],
    ['tool_use', { stop_reason: 'tool_use' }],
    ['max_tokens', { stop_reason: 'max_tokens' }],
    ['stop_sequence', { stop_reason: 'stop_sequence' }],
    ['model_context_window_exceeded', { stop_reason: 'model_context_window_exceeded' }],
    ['guardrail_intervened', { stop_reason: 'refusal' }],
    ['content_filtered', { stop_reason: 'refusal' }],
    ['malformed_model_output', { stop_reason: 'end_turn', malformed: true }],
    ['malformed_tool_use', { stop_reason: 'end_turn', malformed: true }],
    ['paused_for_reasons_2031', { stop_reason: 'end_turn', malformed: true }],
    ['', { stop_reason: 'end_turn', malformed: true }],
    ['END_TURN', { stop_reason: 'end_turn', malformed: true }],
  ])('maps %j to %j', (reason, expected) => {
    expect(mapConverseStopReason(reason)).toEqual(expected);
  });
});

describe('converseStopSequence', () => {
  it.each([
    [{ stop_sequence: '</answer>' }, '</answer>'],
    [{ stop_sequence: null }, null],
    [{ stop_sequence: 42 }, null],
    [{}, null],
    [undefined, null],
    ['</answer>', null],
  ])('reads %j as %j', (fields, expected) => {
    expect(converseStopSequence(fields)).toBe(expected);
  });
});
