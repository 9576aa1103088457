import { describe, expect, it } from 'vitest';
import { claudeConverseProfile, genericConverseProfile, type ConverseModelProfile } from './profile.ts';
import { toConverseRequest } from './request.ts';

const signature = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxDfakeSignature==';
const claudeCodeBetas = 'claude-code-20250219,oauth-2025-04-20,context-1m-2025-08-07,interleaved-thinking-2025-05-14,effort-2025-11-24,extended-cache-ttl-2025-04-11';
const weather = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

/** A Claude Code-like turn: billing header, cached system, thinking replay, a tool round trip. */
const agentRequest = {
  model: 'claude-sonnet-5-5',
  stream: true,
  max_tokens: 32000,
  system: [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.330;' }, { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
  messages: [
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 'Use the tool.', signature }, { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '18°C' }, { type: 'text', text: 'Thanks', cache_control: { type: 'ephemeral' } }] },
  ],
  tools: [{ ...weather, cache_control: { type: 'ephemeral', ttl: '1h' } }],
  tool_choice: { type: 'auto' },
  thinking: { type: 'enabled', budget_tokens: 8000 },
  temperature: 1,
  top_k: 40,
  stop_sequences: ['</answer>'],
  metadata: { user_id: '{"device_id":"abc","session_id":"s"}' },
  context_management: { edits: [{ type: 'clear_thinking_20251015' }] },
  service_tier: 'auto',
};

function convert(request: Record<string, unknown>, profile: ConverseModelProfile = claudeConverseProfile, betaHeader?: string) {
  return toConverseRequest(request, { profile, ...(betaHeader === undefined ? {} : { betaHeader }) });
}

describe('toConverseRequest', () => {
  it('converts a Claude Code turn for Claude, with native extras in additionalModelRequestFields', () => {
    expect(toConverseRequest(agentRequest, { profile: claudeConverseProfile, betaHeader: claudeCodeBetas, serviceTier: 'priority' })).toEqual({
      body: {
        system: [{ text: 'x-anthropic-billing-header: cc_version=2.1.330;' }, { text: 'You are Claude Code.' }, { cachePoint: { type: 'default', ttl: '1h' } }],
        messages: [
          { role: 'user', content: [{ text: 'Weather in Paris?' }] },
          {
            role: 'assistant',
            content: [{ reasoningContent: { reasoningText: { text: 'Use the tool.', signature } } }, { toolUse: { toolUseId: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } } }],
          },
          { role: 'user', content: [{ toolResult: { toolUseId: 'toolu_01', content: [{ text: '18°C' }], status: 'success' } }, { text: 'Thanks' }, { cachePoint: { type: 'default' } }] },
        ],
        toolConfig: {
          tools: [{ toolSpec: { name: 'get_weather', description: 'Weather', inputSchema: { json: weather.input_schema } } }, { cachePoint: { type: 'default', ttl: '1h' } }],
          toolChoice: { auto: {} },
        },
        inferenceConfig: { maxTokens: 32000, temperature: 1, stopSequences: ['</answer>'] },
        additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 8000 }, top_k: 40, anthropic_beta: ['context-1m-2025-08-07', 'effort-2025-11-24'] },
        additionalModelResponseFieldPaths: ['/stop_sequence'],
        serviceTier: { type: 'priority' },
      },
      droppedBetas: ['claude-code-20250219', 'oauth-2025-04-20', 'interleaved-thinking-2025-05-14', 'extended-cache-ttl-2025-04-11'],
      removed: ['context_management', 'service_tier', 'metadata.user_id'],
    });
  });

  it('converts the same turn for another family: no thinking, betas, top_k or cache points', () => {
    expect(convert(agentRequest, { ...genericConverseProfile, reasoning: true }, claudeCodeBetas)).toEqual({
      body: {
        system: [{ text: 'x-anthropic-billing-header: cc_version=2.1.330;' }, { text: 'You are Claude Code.' }],
        messages: [
          { role: 'user', content: [{ text: 'Weather in Paris?' }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 'toolu_01', content: [{ text: '18°C' }], status: 'success' } }, { text: 'Thanks' }] },
        ],
        toolConfig: { tools: [{ toolSpec: { name: 'get_weather', description: 'Weather', inputSchema: { json: weather.input_schema } } }], toolChoice: { auto: {} } },
        inferenceConfig: { maxTokens: 32000, temperature: 1, stopSequences: ['</answer>'] },
      },
      droppedBetas: ['claude-code-20250219', 'oauth-2025-04-20', 'context-1m-2025-08-07', 'interleaved-thinking-2025-05-14', 'effort-2025-11-24', 'extended-cache-ttl-2025-04-11'],
      removed: [
        'context_management',
        'service_tier',
        'system.1.cache_control',
        'messages.1.content.0',
        'messages.2.content.1.cache_control',
        'tools.0.cache_control',
        'thinking',
        'top_k',
        'metadata.user_id',
      ],
    });
  });

  it('puts top_k where Nova reads it', () => {
    expect(convert({ max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], top_k: 5, top_p: 0.9 }, { ...genericConverseProfile, topK: 'nova' })).toEqual({
      body: { messages: [{ role: 'user', content: [{ text: 'Hi' }] }], inferenceConfig: { maxTokens: 10, topP: 0.9 }, additionalModelRequestFields: { inferenceConfig: { topK: 5 } } },
      droppedBetas: [],
      removed: [],
    });
  });

  it('drops thinking (listed) for a Claude model without reasoning', () => {
    expect(convert({ max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], thinking: { type: 'enabled', budget_tokens: 1024 } }, { ...claudeConverseProfile, reasoning: false })).toEqual({
      body: { messages: [{ role: 'user', content: [{ text: 'Hi' }] }], inferenceConfig: { maxTokens: 10 }, additionalModelResponseFieldPaths: ['/stop_sequence'] },
      droppedBetas: [],
      removed: ['thinking'],
    });
  });

  it('uses the beta policy it is given', () => {
    const result = toConverseRequest({ max_tokens: 1, messages: [] }, { profile: claudeConverseProfile, betaHeader: 'custom-beta-2031-01-01,effort-2025-11-24', betaPolicy: { allow: new Set(['custom-beta-2031-01-01']), map: new Map() } });
    expect(result).toEqual({
      body: { messages: [], inferenceConfig: { maxTokens: 1 }, additionalModelRequestFields: { anthropic_beta: ['custom-beta-2031-01-01'] }, additionalModelResponseFieldPaths: ['/stop_sequence'] },
      droppedBetas: ['effort-2025-11-24'],
      removed: [],
    });
  });

  it('maps effort and a JSON-schema format to outputConfig, the schema as a string', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    expect(convert({ max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], output_config: { effort: 'high', format: { type: 'json_schema', schema }, task_budget: 5 } }, genericConverseProfile)).toEqual({
      body: {
        messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
        inferenceConfig: { maxTokens: 10 },
        outputConfig: { effort: 'high', textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(schema) } } } },
      },
      droppedBetas: [],
      removed: ['output_config.task_budget'],
    });
  });

  it('takes the older top-level output_format too', () => {
    const schema = { type: 'object' };
    expect(convert({ messages: [{ role: 'user', content: 'Hi' }], output_format: { type: 'json_schema', schema } }, genericConverseProfile).body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: '{"type":"object"}' } } } },
    });
  });

  it('prefers output_config.format over the older output_format, listing the latter', () => {
    const result = convert({ messages: [{ role: 'user', content: 'Hi' }], output_config: { format: { type: 'json_schema', schema: { type: 'object' } } }, output_format: { type: 'json_schema', schema: { type: 'array' } } }, genericConverseProfile);
    expect(result).toEqual({
      body: { messages: [{ role: 'user', content: [{ text: 'Hi' }] }], outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: '{"type":"object"}' } } } } },
      droppedBetas: [],
      removed: ['output_format'],
    });
  });

  it('sends a plain user_id as requestMetadata and drops other metadata (listed)', () => {
    expect(convert({ messages: [{ role: 'user', content: 'Hi' }], metadata: { user_id: 'user-42@example.com', team: 'x' } }, genericConverseProfile)).toEqual({
      body: { messages: [{ role: 'user', content: [{ text: 'Hi' }] }], requestMetadata: { user_id: 'user-42@example.com' } },
      droppedBetas: [],
      removed: ['metadata.team'],
    });
  });

  it.each([['default' as const], [undefined]])('sends no serviceTier for %j', (serviceTier) => {
    const result = toConverseRequest({ messages: [{ role: 'user', content: 'Hi' }] }, { profile: genericConverseProfile, ...(serviceTier === undefined ? {} : { serviceTier }) });
    expect(result.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'Hi' }] }] });
  });

  it('removes and lists every top-level field Converse has no form for, known or future', () => {
    const request = {
      messages: [{ role: 'user', content: 'Hi' }],
      inference_geo: 'us',
      speed: 'fast',
      diagnostics: { previous_message_id: null },
      fallbacks: 'default',
      mcp_servers: [],
      container: null,
      anthropic_version: '2026-10-21',
      future_field_2031: { x: 1 },
    };
    expect(convert(request, genericConverseProfile)).toEqual({
      body: { messages: [{ role: 'user', content: [{ text: 'Hi' }] }] },
      droppedBetas: [],
      removed: ['inference_geo', 'speed', 'diagnostics', 'fallbacks', 'mcp_servers', 'container', 'anthropic_version', 'future_field_2031'],
    });
  });

  it('refuses more than 4 cache points with Anthropic’s own message', () => {
    const cached = (text: string) => ({ type: 'text', text, cache_control: { type: 'ephemeral' } });
    const request = { system: [cached('a'), cached('b')], messages: [{ role: 'user', content: [cached('c'), cached('d')] }], tools: [{ ...weather, cache_control: { type: 'ephemeral' } }] };
    expect(() => convert(request)).toThrow(expect.objectContaining({ code: 'GW_UNSUPPORTED_FEATURE', status: 400, message: 'A maximum of 4 blocks with cache_control may be provided. Found 5.' }));
    expect(convert(request, genericConverseProfile).removed).toEqual(['system.0.cache_control', 'system.1.cache_control', 'messages.0.content.0.cache_control', 'messages.0.content.1.cache_control', 'tools.0.cache_control']);
  });

  it.each([
    [{ mcp_servers: [{ type: 'url', name: 'x', url: 'https://example.com' }] }, 'mcp_servers: the MCP connector is not available on AWS Bedrock.'],
    [{ container: 'container_011' }, 'container: code-execution and skills containers are not available on AWS Bedrock.'],
    [{ output_config: { format: { type: 'regex', pattern: 'a+' } } }, 'output_config.format: Bedrock Converse takes only {type:"json_schema", schema} output formats.'],
  ])('refuses %j with a 400 naming it', (extra, message) => {
    expect(() => convert({ messages: [{ role: 'user', content: 'Hi' }], ...extra })).toThrow(expect.objectContaining({ code: 'GW_UNSUPPORTED_FEATURE', status: 400, message }));
  });
});
