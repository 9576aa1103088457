import { describe, expect, it } from 'vitest';
import { defaultInvokeBetaPolicy } from './betas.ts';
import { toBedrockInvokeBody, toBedrockMessagesBody } from './request.ts';

const thinking = { type: 'thinking', thinking: 'Let me think.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxDfakeSignature==' };

describe('toBedrockInvokeBody', () => {
  it('produces the InvokeModel body, leaving the conversation exactly as it was', () => {
    const messages = [
      { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
      { role: 'assistant', content: [thinking, { type: 'redacted_thinking', data: 'EmwKAhgB==' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C', is_error: false }] },
    ];
    const request = {
      model: 'claude-sonnet-5-5',
      stream: true,
      max_tokens: 4096,
      system: [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.330;' }, { type: 'text', text: 'You are Claude Code.' }],
      messages,
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' }, input_examples: [{ city: 'Paris' }], cache_control: { type: 'ephemeral' } }],
      tool_choice: { type: 'auto', disable_parallel_tool_use: true },
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
      metadata: { user_id: '{"device_id":"abc","session_id":"s"}', extra: 'dropped' },
      context_management: { edits: [{ type: 'clear_thinking_20251015' }] },
      diagnostics: { previous_message_id: null },
      service_tier: 'auto',
      cache_control: { type: 'ephemeral' },
      future_field_2031: { kept: true },
    };
    const result = toBedrockInvokeBody(request, 'claude-code-20250219,context-management-2025-06-27,advanced-tool-use-2025-11-20', defaultInvokeBetaPolicy);
    expect(result).toEqual({
      body: {
        anthropic_version: 'bedrock-2023-05-31',
        max_tokens: 4096,
        system: request.system,
        messages,
        tools: request.tools,
        tool_choice: request.tool_choice,
        thinking: { type: 'adaptive' },
        output_config: { effort: 'high' },
        metadata: { user_id: '{"device_id":"abc","session_id":"s"}' },
        context_management: request.context_management,
        future_field_2031: { kept: true },
        anthropic_beta: ['context-management-2025-06-27', 'tool-examples-2025-10-29', 'tool-search-tool-2025-10-19'],
      },
      droppedBetas: ['claude-code-20250219'],
      removedFields: ['diagnostics', 'service_tier', 'cache_control'],
    });
    expect((result.body.messages as typeof messages)[1]?.content[0]).toBe(thinking);
  });

  it('removes a field whose beta does not go to Bedrock, and omits an empty beta list', () => {
    const result = toBedrockInvokeBody({ model: 'm', max_tokens: 1, messages: [], context_management: { edits: [] }, metadata: { user_id: 42 } }, 'claude-code-20250219', defaultInvokeBetaPolicy);
    expect(result.body).toEqual({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 1, messages: [] });
    expect(result.removedFields).toEqual(['context_management', 'metadata']);
  });

  it('replaces a client-sent anthropic_version and anthropic_beta', () => {
    const result = toBedrockInvokeBody({ anthropic_version: '2026-10-21', anthropic_beta: ['made-up'], max_tokens: 1, messages: [] }, undefined, defaultInvokeBetaPolicy);
    expect(result.body).toEqual({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 1, messages: [] });
  });

  it.each([
    [{ tools: [{ name: 'a', input_schema: { type: 'object' } }, { type: 'web_search_20250305', name: 'web_search' }] }, 'tools.1: the server tool web_search_20250305 is not available on AWS Bedrock.'],
    [{ tools: [{ type: 'code_execution_20250825', name: 'code_execution' }] }, 'tools.0: the server tool code_execution_20250825 is not available on AWS Bedrock.'],
    [{ mcp_servers: [{ type: 'url', name: 'x', url: 'https://example.com' }] }, 'mcp_servers: the MCP connector is not available on AWS Bedrock.'],
  ])('refuses %j with a 400 naming the feature', (extra, message) => {
    expect(() => toBedrockInvokeBody({ max_tokens: 1, messages: [], ...extra }, undefined, defaultInvokeBetaPolicy)).toThrow(expect.objectContaining({ code: 'GW_UNSUPPORTED_FEATURE', status: 400, message }));
  });

  it('accepts client tools with Anthropic-defined schemas', () => {
    const tools = [{ type: 'bash_20250124', name: 'bash' }, { type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' }, { type: 'tool_search_tool_regex_20251119', name: 'tool_search_tool_regex' }];
    expect(toBedrockInvokeBody({ max_tokens: 1, messages: [], tools }, undefined, defaultInvokeBetaPolicy).body.tools).toBe(tools);
  });

  it('never copies a __proto__ key, so a body cannot smuggle betas past the filter', () => {
    const request = JSON.parse('{"model":"m","max_tokens":1,"messages":[],"__proto__":{"anthropic_beta":["oauth-2025-04-20"]},"constructor":{"x":1}}') as Record<string, unknown>;
    const result = toBedrockInvokeBody(request, undefined, defaultInvokeBetaPolicy);
    expect(Object.getPrototypeOf(result.body)).toBe(Object.prototype);
    expect(result.body.anthropic_beta).toBeUndefined();
    expect(result.removedFields).toEqual(['__proto__', 'constructor']);
    const messages = toBedrockMessagesBody(request, 'us.anthropic.claude-opus-4-7', undefined, defaultInvokeBetaPolicy);
    expect(messages.betas).toEqual([]);
  });

  it('removes output_format when its structured-outputs beta does not go to Bedrock', () => {
    const request = { model: 'm', max_tokens: 1, messages: [], output_format: { type: 'json_schema', schema: { type: 'object' } } };
    expect(toBedrockInvokeBody(request, 'structured-outputs-2025-11-13', defaultInvokeBetaPolicy)).toMatchObject({ removedFields: ['output_format'], droppedBetas: ['structured-outputs-2025-11-13'] });
  });
});
