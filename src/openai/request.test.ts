import { describe, expect, it } from 'vitest';
import { fromChatCompletionsRequest } from './request.ts';

const convert = (body: Record<string, unknown>) => fromChatCompletionsRequest({ model: 'claude-sonnet-5-5', ...body }, { defaultMaxTokens: 4096 });

describe('fromChatCompletionsRequest', () => {
  it('converts a tool round trip, system and developer messages, images and sampling', () => {
    const result = convert({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use tools.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Weather here?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR', detail: 'low' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }, { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'Sunny' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
        { role: 'user', content: 'Thanks' },
      ],
      max_completion_tokens: 500,
      temperature: 0.3,
      stop: 'END',
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      user: 'u-1',
      stream: true,
      stream_options: { include_usage: true },
      presence_penalty: 0,
      seed: 7,
    });
    expect(result).toEqual({
      request: {
        model: 'claude-sonnet-5-5',
        max_tokens: 500,
        system: 'Be brief.\n\nUse tools.',
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather here?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } }] },
          {
            role: 'assistant',
            content: [
              { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_1', content: 'Sunny' },
              { type: 'tool_result', tool_use_id: 'call_2', content: '12:00' },
              { type: 'text', text: 'Thanks' },
            ],
          },
        ],
        temperature: 0.3,
        stop_sequences: ['END'],
        tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        metadata: { user_id: 'u-1' },
        stream: true,
      },
      includeUsage: true,
      removed: ['seed'],
    });
  });

  it('maps reasoning_effort, json_schema, a PDF file and a default max_tokens', () => {
    const schema = { type: 'object', properties: {} };
    const { request } = convert({
      messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBER' } }] }],
      reasoning_effort: 'high',
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
    });
    expect(request).toEqual({
      model: 'claude-sonnet-5-5',
      max_tokens: 4096,
      messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBER' }, title: 'a.pdf' }] }],
      thinking: { type: 'enabled', budget_tokens: 4095 },
      output_config: { format: { type: 'json_schema', schema } },
    });
  });

  it.each([
    [{ n: 2 }, 'n: only one choice (n = 1) is supported.'],
    [{ logprobs: true }, 'logprobs: log probabilities are not available.'],
    [{ temperature: 1.5 }, 'temperature: this target takes a temperature between 0 and 1.'],
    [{ response_format: { type: 'json_object' } }, 'response_format: "json_object" is not supported on this target (use json_schema).'],
    [{ audio: { voice: 'alloy' } }, 'audio: is not supported on this endpoint.'],
    [{ messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages.0.role: the "function" role is not supported (use tools and tool messages).'],
    [{ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }, 'messages.0.content.0.type: "input_audio" content parts are not supported.'],
    [{ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] }, "messages.0.content.0.file: only inline file_data is supported (file ids live in OpenAI's storage)."],
  ])('refuses %j', (body, message) => {
    expect(() => convert({ messages: [{ role: 'user', content: 'hi' }], ...body })).toThrow(expect.objectContaining({ code: 'GW_UNSUPPORTED_FEATURE', status: 400, message }));
  });

  it('lists non-neutral tuning fields as removed and passes image URLs', () => {
    const result = convert({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }], frequency_penalty: 0.5, store: true, n: 1 });
    expect(result.removed).toEqual(['frequency_penalty', 'store']);
    expect(result.request.messages).toEqual([{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }] }]);
    expect(result.includeUsage).toBe(false);
  });
});
