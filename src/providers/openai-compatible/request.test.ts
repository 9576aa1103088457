import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { createOpenAIModels } from '../../config/openai-models.ts';
import { modelTraits } from './model-traits.ts';
import { providerQuirks, type KnownProvider } from './quirks.ts';
import { toOpenAIRequest } from './request.ts';

const catalog = createOpenAIModels();
const traitsOf = (provider: KnownProvider, model: string) => modelTraits(providerQuirks[provider], catalog.capabilities(provider, model));
const convert = (request: Record<string, unknown>, provider: KnownProvider = 'openai', model = 'gpt-4.1') =>
  toOpenAIRequest({ model: 'claude-sonnet-5-5', max_tokens: 100, ...request }, { provider, quirks: providerQuirks[provider], model, traits: traitsOf(provider, model) });

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

describe('toOpenAIRequest', () => {
  it('converts system, a multi-turn conversation with tools, and stream options', () => {
    const result = convert({
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Use tools.' }],
      stream: true,
      temperature: 0.2,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Two calls.', signature: 'sig' },
            { type: 'text', text: 'Checking.' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'oai_functions_2eget_5fweather_3a1', name: 'get_weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here you go.' },
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny' },
            { type: 'tool_result', tool_use_id: 'oai_functions_2eget_5fweather_3a1', is_error: true, content: [{ type: 'text', text: 'timeout' }] },
          ],
        },
      ],
    });
    expect(result).toEqual({
      body: {
        model: 'gpt-4.1',
        messages: [
          { role: 'system', content: 'Be brief.\n\nUse tools.' },
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'functions.get_weather:1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny' },
          { role: 'tool', tool_call_id: 'functions.get_weather:1', content: 'Error: timeout' },
          { role: 'user', content: 'Here you go.' },
        ],
        max_tokens: 100,
        temperature: 0.2,
        stop: ['END'],
        tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
        tool_choice: 'required',
        parallel_tool_calls: false,
        user: 'u-1',
        stream: true,
        stream_options: { include_usage: true },
      },
      removed: ['cache_control'],
    });
  });

  it('moves images out of a tool result into a user message after the tool messages', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } };
    const { body } = convert({
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'screenshot', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: 'Done' }, image] }] },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'screenshot', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'Done' },
      { role: 'user', content: [{ type: 'text', text: '(attachments of tool result call_1)' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } }] },
    ]);
  });

  it('maps images and PDFs where the provider takes them, else refuses naming the block', () => {
    const pdf = { type: 'document', title: 'report.pdf', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBER' } };
    const image = { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } };
    const { body } = convert({ messages: [{ role: 'user', content: [image, pdf, { type: 'text', text: 'Summarise' }] }] });
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBER' } },
          { type: 'text', text: 'Summarise' },
        ],
      },
    ]);
    const groq = refusal(() => convert({ messages: [{ role: 'user', content: [pdf] }] }, 'groq', 'llama-4-scout'));
    expect([groq.code, groq.status, groq.message]).toEqual(['GW_UNSUPPORTED_FEATURE', 400, 'messages.0.content.0: groq does not take PDF documents with llama-4-scout.']);
    expect(refusal(() => convert({ messages: [{ role: 'user', content: [image] }] }, 'cerebras', 'llama3.1-8b')).message).toBe('messages.0.content.0: cerebras does not take images with llama3.1-8b.');
  });

  it.each([
    ['openai', 'gpt-5.2', 'max', { reasoning_effort: 'xhigh' }],
    ['openai', 'gpt-5.2', 'xhigh', { reasoning_effort: 'xhigh' }],
    ['openai', 'gpt-5', 'max', { reasoning_effort: 'high' }],
    ['openai', 'gpt-5', 'xhigh', { reasoning_effort: 'high' }],
    ['openai', 'o3', 'medium', { reasoning_effort: 'medium' }],
    ['groq', 'openai/gpt-oss-120b', 'max', { include_reasoning: true, reasoning_effort: 'high' }],
    ['cerebras', 'gpt-oss-120b', 'max', { reasoning_effort: 'high' }],
    ['openrouter', 'openai/gpt-5', 'max', { reasoning: { effort: 'high' } }],
    ['deepseek', 'deepseek-chat', 'max', { thinking: { type: 'enabled' }, reasoning_effort: 'max' }],
    ['deepseek', 'deepseek-chat', 'medium', { thinking: { type: 'enabled' }, reasoning_effort: 'high' }],
  ] as const)('output_config.effort on %s %s: %s -> %j', (provider, model, effort, fields) => {
    const result = convert({ messages: [{ role: 'user', content: 'hi' }], thinking: { type: 'adaptive' }, output_config: { effort } }, provider, model);
    const { model: _model, messages: _messages, max_tokens: _max, max_completion_tokens: _completion, ...rest } = result.body;
    expect(rest).toEqual(fields);
    expect(result.removed).toEqual([]);
  });

  it('refuses tools for a model the catalog says takes none', () => {
    const traits = { ...traitsOf('openai', 'gpt-4.1'), tools: false };
    const tool = { name: 'get_weather', input_schema: { type: 'object' } };
    const error = refusal(() => toOpenAIRequest({ max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], tools: [tool] }, { provider: 'local', quirks: providerQuirks.generic, model: 'tiny', traits }));
    expect([error.status, error.message]).toEqual([400, 'tools: tiny on local does not take tools.']);
  });

  it('refuses server tools, Anthropic-only features and more stop sequences than the provider takes', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    expect(refusal(() => convert({ messages, tools: [{ type: 'web_search_20250305', name: 'web_search' }] })).message).toBe(
      'tools.0.type: the "web_search_20250305" tool runs on Anthropic\'s side and has no equivalent on openai.',
    );
    expect(refusal(() => convert({ messages, mcp_servers: [{ type: 'url', url: 'https://mcp', name: 'x' }] })).message).toMatch(/^mcp_servers: /);
    expect(refusal(() => convert({ messages, stop_sequences: ['a', 'b', 'c', 'd', 'e'] })).message).toBe('stop_sequences: openai takes at most 4 stop sequences (got 5).');
    expect(convert({ messages, stop_sequences: ['a', 'b', 'c', 'd', 'e'] }, 'openrouter', 'x').body.stop).toHaveLength(5);
    expect(refusal(() => convert({ messages: [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }] }] })).message).toMatch(/^messages\.0\.content\.0\.type: /);
  });

  it('drops and lists the fields a provider cannot take', () => {
    const result = convert({ messages: [{ role: 'user', content: 'hi' }], top_k: 5, service_tier: 'auto', context_management: { edits: [] }, metadata: { user_id: 'u', other: 1 } }, 'groq', 'llama-3.3-70b-versatile');
    expect(result.removed).toEqual(['service_tier', 'context_management', 'top_k', 'metadata.other']);
    expect(result.body).toEqual({ model: 'llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100, user: 'u' });
    expect(convert({ messages: [{ role: 'user', content: 'hi' }], top_k: 5 }, 'openrouter', 'x').body.top_k).toBe(5);
  });

  it('sends a long user id as its SHA-256 and max_completion_tokens to reasoning models', () => {
    const { body } = convert({ messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: 'user_'.padEnd(100, 'x') } }, 'openai', 'gpt-5.2');
    expect(body.user).toMatch(/^[0-9a-f]{64}$/);
    expect(body.max_completion_tokens).toBe(100);
    expect(body.max_tokens).toBeUndefined();
  });

  it('maps tool_choice variants', () => {
    const tools = [{ name: 't', input_schema: { type: 'object' } }];
    const messages = [{ role: 'user', content: 'hi' }];
    expect(convert({ messages, tools, tool_choice: { type: 'auto' } }).body.tool_choice).toBe('auto');
    expect(convert({ messages, tools, tool_choice: { type: 'none' } }).body.tool_choice).toBe('none');
    expect(convert({ messages, tools, tool_choice: { type: 'tool', name: 't' } }).body.tool_choice).toEqual({ type: 'function', function: { name: 't' } });
    expect(convert({ messages, tool_choice: { type: 'none' } }).body.tool_choice).toBeUndefined();
  });

  it('replays thinking as reasoning_content only where the provider wants it (DeepSeek)', () => {
    const messages = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Hmm', signature: '' }, { type: 'tool_use', id: 'call_0', name: 't', input: {} }] },
    ];
    expect(convert({ messages }, 'deepseek', 'deepseek-chat').body.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: { name: 't', arguments: '{}' } }], reasoning_content: 'Hmm' },
    ]);
  });

  it.each([
    ['openai', 'gpt-5.2', { type: 'enabled', budget_tokens: 16000 }, { reasoning_effort: 'high' }, []],
    ['openai', 'gpt-5.2', { type: 'enabled', budget_tokens: 1024 }, { reasoning_effort: 'low' }, []],
    ['openai', 'gpt-4.1', { type: 'enabled', budget_tokens: 1024 }, {}, ['thinking']],
    ['openrouter', 'anthropic/claude-sonnet-4.5', { type: 'enabled', budget_tokens: 5000 }, { reasoning: { max_tokens: 5000 } }, []],
    ['openrouter', 'x', { type: 'disabled' }, { reasoning: { enabled: false } }, []],
    ['groq', 'openai/gpt-oss-120b', { type: 'enabled', budget_tokens: 5000 }, { include_reasoning: true, reasoning_effort: 'medium' }, []],
    ['groq', 'qwen/qwen3-32b', { type: 'enabled', budget_tokens: 5000 }, { reasoning_format: 'parsed' }, []],
    ['groq', 'qwen/qwen3-32b', undefined, { reasoning_format: 'hidden' }, []],
    ['deepseek', 'deepseek-chat', { type: 'adaptive' }, { thinking: { type: 'enabled' } }, []],
    ['deepseek', 'deepseek-chat', undefined, { thinking: { type: 'disabled' } }, []],
    ['generic', 'llama3', { type: 'enabled', budget_tokens: 5000 }, {}, ['thinking']],
  ] as const)('thinking on %s %s', (provider, model, thinking, fields, removed) => {
    const result = convert({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 20000, ...(thinking === undefined ? {} : { thinking }) }, provider, model);
    const { model: _model, messages: _messages, max_tokens: _max, max_completion_tokens: _completion, ...rest } = result.body;
    expect(rest).toEqual(fields);
    expect(result.removed).toEqual(removed);
  });

  it('maps structured output to response_format json_schema', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    const { body } = convert({ messages: [{ role: 'user', content: 'hi' }], output_config: { format: { type: 'json_schema', schema } } });
    expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema, strict: true } });
    expect(refusal(() => convert({ messages: [{ role: 'user', content: 'hi' }], output_format: { type: 'json_schema', schema } }, 'deepseek', 'deepseek-chat')).message).toBe(
      'output_format: deepseek does not take structured output (response_format json_schema).',
    );
  });
});

describe('a Claude Code request (seed 001: Haiku routed to Cerebras)', () => {
  const claudeCode = {
    model: 'claude-haiku-5-5',
    max_tokens: 32000,
    stream: true,
    system: [
      { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude." },
      { type: 'text', text: 'Working directory: /repo', cache_control: { type: 'ephemeral' } },
    ],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'List the files.', cache_control: { type: 'ephemeral' } }] }],
    tools: [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }],
    metadata: { user_id: 'user_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef_account__session_5c6a0f7e-1b2c-4d5e-8f90-a1b2c3d4e5f6' },
    thinking: { type: 'enabled', budget_tokens: 31999 },
    temperature: 1,
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  };

  it('goes out as Cerebras takes it, every dropped field listed', () => {
    const result = toOpenAIRequest(claudeCode, { provider: 'cerebras', quirks: providerQuirks.cerebras, model: 'gpt-oss-120b', traits: traitsOf('cerebras', 'gpt-oss-120b') });
    expect(result.body).toEqual({
      model: 'gpt-oss-120b',
      messages: [
        { role: 'system', content: "You are Claude Code, Anthropic's official CLI for Claude.\n\nWorking directory: /repo" },
        { role: 'user', content: 'List the files.' },
      ],
      max_completion_tokens: 32000,
      temperature: 1,
      tools: [{ type: 'function', function: { name: 'Bash', description: 'Run a command', parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } } }],
      reasoning_effort: 'high',
      user: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(result.removed).toEqual(['context_management', 'cache_control']);
  });
});
