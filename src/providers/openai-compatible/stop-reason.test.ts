import { describe, expect, it } from 'vitest';
import { mapOpenAIStopReason } from './stop-reason.ts';

describe('mapOpenAIStopReason', () => {
  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
    [null, 'end_turn'],
  ] as const)('%s -> %s', (finishReason, stopReason) => {
    expect(mapOpenAIStopReason({ finishReason, hasToolCalls: false })).toEqual({ stop_reason: stopReason, stop_sequence: null });
  });

  it('says tool_use when the answer has tool calls, whatever the finish reason', () => {
    expect(mapOpenAIStopReason({ finishReason: 'stop', hasToolCalls: true })).toEqual({ stop_reason: 'tool_use', stop_sequence: null });
  });

  it('flags an unknown finish reason', () => {
    expect(mapOpenAIStopReason({ finishReason: 'insufficient_system_resource', hasToolCalls: false })).toEqual({ stop_reason: 'end_turn', stop_sequence: null, unknown: true });
  });

  it('names the stop sequence the provider says matched, when the request asked for it', () => {
    expect(mapOpenAIStopReason({ finishReason: 'stop', hasToolCalls: false, matchedStop: 'END', stopSequences: ['END'] })).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
    expect(mapOpenAIStopReason({ finishReason: 'stop', hasToolCalls: false, matchedStop: 151643, stopSequences: ['END'] })).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
  });
});
