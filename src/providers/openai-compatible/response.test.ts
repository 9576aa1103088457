import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { fromOpenAIResponse } from './response.ts';

const context = { provider: 'openai', model: 'claude-sonnet-5-5', id: 'msg_oai_01' };
const usage = { prompt_tokens: 20, completion_tokens: 10, total_tokens: 30, prompt_tokens_details: { cached_tokens: 5 } };
const completion = (message: object, extra: object = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4.1',
  choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop', logprobs: null }],
  usage,
  ...extra,
});

describe('fromOpenAIResponse', () => {
  it('converts text, reasoning and tool calls into one Message', () => {
    const response = completion({
      content: 'Checking.',
      reasoning_content: 'Two cities.',
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'functions.get_weather:1', type: 'function', function: { name: 'get_weather', arguments: '' } },
      ],
    });
    expect(fromOpenAIResponse(response, context)).toEqual({
      message: {
        id: 'msg_oai_01',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-5-5',
        content: [
          { type: 'thinking', thinking: 'Two cities.', signature: '' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'oai_functions_2eget_5fweather_3a1', name: 'get_weather', input: {} },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 15, output_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 },
      },
      finishReason: 'stop',
      unknownFinishReason: false,
      usageEstimated: false,
    });
  });

  it('reads OpenRouter reasoning, a refusal, and estimates a missing usage', () => {
    const result = fromOpenAIResponse(completion({ content: null, refusal: 'I cannot help with that.', reasoning: 'Policy.' }, { usage: undefined }), { ...context, inputTokensEstimate: 7 });
    expect(result.message.content).toEqual([
      { type: 'thinking', thinking: 'Policy.', signature: '' },
      { type: 'text', text: 'I cannot help with that.' },
    ]);
    expect(result.message.stop_reason).toBe('refusal');
    expect(result.usageEstimated).toBe(true);
    expect(result.message.usage).toEqual({ input_tokens: 7, output_tokens: 8, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });

  it('reads reasoning_details when no reasoning string came, and Groq x_groq usage', () => {
    const response = completion({ content: 'Hi', reasoning_details: [{ type: 'reasoning.text', text: 'A' }, { type: 'reasoning.encrypted', data: 'xx' }, { type: 'reasoning.summary', summary: 'B' }] }, { usage: undefined, x_groq: { usage } });
    const result = fromOpenAIResponse(response, context);
    expect(result.message.content[0]).toEqual({ type: 'thinking', thinking: 'AB', signature: '' });
    expect(result.usageEstimated).toBe(false);
  });

  it('takes arguments sent as an object (some providers) as their JSON', () => {
    const response = completion({ content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 't', arguments: { a: 1 } } }] });
    expect(fromOpenAIResponse(response, context).message.content).toEqual([{ type: 'tool_use', id: 'c', name: 't', input: { a: 1 } }]);
  });

  it('maps length, and a matched stop sequence named by the provider', () => {
    const length = completion({ content: 'Cut' });
    (length.choices[0] as { finish_reason: string }).finish_reason = 'length';
    expect(fromOpenAIResponse(length, context).message.stop_reason).toBe('max_tokens');
    const vllm = completion({ content: 'Done' });
    Object.assign(vllm.choices[0] as object, { stop_reason: 'END' });
    const result = fromOpenAIResponse(vllm, { ...context, stopSequences: ['END'] });
    expect([result.message.stop_reason, result.message.stop_sequence]).toEqual(['stop_sequence', 'END']);
  });

  it.each([
    ['not an object', []],
    ['no choices', { id: 'x', choices: [] }],
    ['arguments not JSON', completion({ content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 't', arguments: '{"a":' } }] })],
    ['arguments not an object', completion({ content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 't', arguments: '[1]' } }] })],
  ])('a malformed response (%s) is GW_UPSTREAM_PROTOCOL', (_name, response) => {
    expect(() => fromOpenAIResponse(response, context)).toThrow(GatewayError);
    try {
      fromOpenAIResponse(response, context);
    } catch (error) {
      expect((error as GatewayError).code).toBe('GW_UPSTREAM_PROTOCOL');
    }
  });
});
