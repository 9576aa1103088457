import { describe, expect, it } from 'vitest';
import { converseResponseInfo, fromConverseResponse } from './response.ts';

const context = { model: 'claude-sonnet-5-5', id: 'msg_bdrk_01' };
const usage = { inputTokens: 12, outputTokens: 30, totalTokens: 42 };

function response(content: unknown[], extra: Record<string, unknown> = {}) {
  return { output: { message: { role: 'assistant', content } }, stopReason: 'end_turn', usage, metrics: { latencyMs: 100 }, ...extra };
}

const expectedUsage = { input_tokens: 12, output_tokens: 30, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

describe('fromConverseResponse', () => {
  it('maps every content block Anthropic has a form for, skipping the rest', () => {
    const content = [
      { reasoningContent: { reasoningText: { text: 'Think.', signature: 'sig==' } } },
      { reasoningContent: { reasoningText: { text: 'No signature (not Claude).' } } },
      { reasoningContent: { redactedContent: 'EmwKAhgB==' } },
      { text: 'Hello.' },
      { image: { format: 'png', source: { bytes: 'AA==' } } },
      { toolUse: { toolUseId: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } } },
      { toolUse: { toolUseId: 'tooluse_2', name: 'no_input' } },
    ];
    expect(fromConverseResponse(response(content, { stopReason: 'tool_use' }), context)).toEqual({
      id: 'msg_bdrk_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-5-5',
      content: [
        { type: 'thinking', thinking: 'Think.', signature: 'sig==' },
        { type: 'thinking', thinking: 'No signature (not Claude).', signature: '' },
        { type: 'redacted_thinking', data: 'EmwKAhgB==' },
        { type: 'text', text: 'Hello.' },
        { type: 'tool_use', id: 'tooluse_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'tooluse_2', name: 'no_input', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: expectedUsage,
    });
  });

  it('maps citationsContent to a text block with citations', () => {
    const citationsContent = {
      content: [{ text: 'The grass ' }, { text: 'is green.' }],
      citations: [
        { title: 'Doc', sourceContent: [{ text: 'grass is green' }], location: { documentChar: { documentIndex: 0, start: 4, end: 18 } } },
        { sourceContent: [{ text: 'x' }], location: { web: { url: 'https://example.com' } } },
      ],
    };
    expect(fromConverseResponse(response([{ citationsContent }]), context).content).toEqual([
      {
        type: 'text',
        text: 'The grass is green.',
        citations: [{ type: 'char_location', cited_text: 'grass is green', document_index: 0, document_title: 'Doc', start_char_index: 4, end_char_index: 18, file_id: null }],
      },
    ]);
  });

  it.each([
    ['guardrail_intervened', 'refusal', undefined, null],
    ['stop_sequence', 'stop_sequence', { stop_sequence: '</answer>' }, '</answer>'],
    ['malformed_tool_use', 'end_turn', undefined, null],
  ])('maps stopReason %s', (stopReason, stop_reason, additionalModelResponseFields, stop_sequence) => {
    const message = fromConverseResponse(response([{ text: 'x' }], { stopReason, additionalModelResponseFields }), context);
    expect({ stop_reason: message.stop_reason, stop_sequence: message.stop_sequence }).toEqual({ stop_reason, stop_sequence });
  });

  it.each([
    ['not an object', 'nope', 'Bedrock Converse sent a response that is not a JSON object.'],
    ['no output', { stopReason: 'end_turn', usage }, 'Bedrock Converse sent a response without output.message.content.'],
    ['no stopReason', { output: { message: { content: [] } }, usage }, 'Bedrock Converse sent a response without a stopReason.'],
    ['no usage', { output: { message: { content: [] } }, stopReason: 'end_turn' }, 'Bedrock Converse sent a response without usage.'],
    ['a block that is not an object', response(['text']), 'Bedrock Converse sent content block 0 that is not an object.'],
    ['a toolUse without a name', response([{ toolUse: { toolUseId: 't' } }]), 'Bedrock Converse sent a toolUse block (content 0) without toolUseId or name.'],
    ['empty reasoning', response([{ reasoningContent: {} }]), 'Bedrock Converse sent a reasoningContent block (content 0) without reasoningText or redactedContent.'],
  ])('rejects a response with %s as a protocol error', (_name, body, message) => {
    expect(() => fromConverseResponse(body, context)).toThrow(expect.objectContaining({ code: 'GW_UPSTREAM_PROTOCOL', status: 502, provider: 'bedrock', message }));
  });
});

describe('converseResponseInfo', () => {
  it.each([
    [response([], { serviceTier: { type: 'flex' } }), { stopReason: 'end_turn', malformedStopReason: false, serviceTier: 'flex' }],
    [response([], { stopReason: 'malformed_model_output' }), { stopReason: 'malformed_model_output', malformedStopReason: true, serviceTier: undefined }],
    [response([], { stopReason: 'brand_new_reason' }), { stopReason: 'brand_new_reason', malformedStopReason: true, serviceTier: undefined }],
  ])('reports what the Message does not carry (%#)', (body, info) => {
    expect(converseResponseInfo(body)).toEqual(info);
  });
});
