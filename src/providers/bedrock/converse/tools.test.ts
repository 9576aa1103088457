import { describe, expect, it } from 'vitest';
import { newConversionContext } from './context.ts';
import type { ConverseMessage } from './messages.ts';
import { claudeConverseProfile, genericConverseProfile, type ConverseModelProfile } from './profile.ts';
import { toConverseToolConfig, toolNamesInHistory } from './tools.ts';

const weather = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const weatherSpec = { toolSpec: { name: 'get_weather', description: 'Weather for a city', inputSchema: { json: weather.input_schema } } };

const toolHistory: ConverseMessage[] = [
  { role: 'user', content: [{ text: 'Weather?' }] },
  { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'get_weather', input: {} } }, { toolUse: { toolUseId: 't2', name: 'get_time', input: {} } }, { toolUse: { toolUseId: 't3', name: 'get_weather', input: {} } }] },
  { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'sunny' }], status: 'success' } }] },
];
const plainHistory: ConverseMessage[] = [{ role: 'user', content: [{ text: 'Hi' }] }];

function convert(request: Record<string, unknown>, history: ConverseMessage[] = plainHistory, profile: ConverseModelProfile = claudeConverseProfile) {
  const context = newConversionContext(profile);
  return { toolConfig: toConverseToolConfig(request, history, context), removed: context.removed, cachePoints: context.cachePoints };
}

describe('toConverseToolConfig', () => {
  it('maps custom tools with strict and a cache point, listing fields Converse lacks', () => {
    const tools = [
      { ...weather, type: 'custom', strict: true, input_examples: [{ city: 'Paris' }], defer_loading: false, eager_input_streaming: null },
      { name: 'get_time', description: '', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } },
    ];
    expect(convert({ tools })).toEqual({
      toolConfig: {
        tools: [{ toolSpec: { ...weatherSpec.toolSpec, strict: true } }, { toolSpec: { name: 'get_time', inputSchema: { json: { type: 'object' } } } }, { cachePoint: { type: 'default' } }],
      },
      removed: ['tools.0.input_examples', 'tools.0.defer_loading'],
      cachePoints: 1,
    });
  });

  it.each([
    [{ type: 'auto' }, { auto: {} }],
    [{ type: 'any' }, { any: {} }],
    [{ type: 'tool', name: 'get_weather' }, { tool: { name: 'get_weather' } }],
  ])('maps tool_choice %j', (tool_choice, toolChoice) => {
    expect(convert({ tools: [weather], tool_choice })).toEqual({ toolConfig: { tools: [weatherSpec], toolChoice }, removed: [], cachePoints: 0 });
  });

  it('drops disable_parallel_tool_use and lists it', () => {
    expect(convert({ tools: [weather], tool_choice: { type: 'auto', disable_parallel_tool_use: true } })).toEqual({
      toolConfig: { tools: [weatherSpec], toolChoice: { auto: {} } },
      removed: ['tool_choice.disable_parallel_tool_use'],
      cachePoints: 0,
    });
  });

  it('omits toolConfig for tool_choice none when the history has no tool blocks', () => {
    expect(convert({ tools: [weather], tool_choice: { type: 'none' } })).toEqual({ toolConfig: undefined, removed: [], cachePoints: 0 });
  });

  it('keeps the tools without a choice for tool_choice none when the history has tool blocks, listing the choice', () => {
    expect(convert({ tools: [weather], tool_choice: { type: 'none' } }, toolHistory)).toEqual({ toolConfig: { tools: [weatherSpec] }, removed: ['tool_choice'], cachePoints: 0 });
  });

  it('synthesises tools from the history when the request declares none', () => {
    expect(convert({}, toolHistory, genericConverseProfile)).toEqual({
      toolConfig: {
        tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object' } } } }, { toolSpec: { name: 'get_time', inputSchema: { json: { type: 'object' } } } }],
      },
      removed: [],
      cachePoints: 0,
    });
  });

  it('omits toolConfig when there are neither tools nor tool blocks', () => {
    expect(convert({ tools: [] })).toEqual({ toolConfig: undefined, removed: [], cachePoints: 0 });
  });

  it.each([
    [{ type: 'bash_20250124', name: 'bash' }, "tools.0: the Anthropic-defined tool bash_20250124 has no Bedrock Converse form; it needs Bedrock's native InvokeModel API."],
    [{ type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' }, "tools.0: the Anthropic-defined tool text_editor_20250728 has no Bedrock Converse form; it needs Bedrock's native InvokeModel API."],
    [{ type: 'computer_20251124', name: 'computer', display_width_px: 1024, display_height_px: 768 }, "tools.0: the Anthropic-defined tool computer_20251124 has no Bedrock Converse form; it needs Bedrock's native InvokeModel API."],
    [{ type: 'web_search_20250305', name: 'web_search' }, 'tools.0: the server tool web_search_20250305 is not available on AWS Bedrock.'],
    [{ type: 'code_execution_20250825', name: 'code_execution' }, 'tools.0: the server tool code_execution_20250825 is not available on AWS Bedrock.'],
    [{ type: 'tool_search_tool_regex_20251119', name: 'tool_search_tool_regex' }, 'tools.0: the server tool tool_search_tool_regex_20251119 is not available on AWS Bedrock.'],
    [{ name: 'mcp__github__create.issue', input_schema: { type: 'object' } }, 'tools.0.name: the tool name "mcp__github__create.issue" does not match ^[a-zA-Z0-9_-]{1,64}$, which Bedrock Converse requires.'],
    [{ name: 'x'.repeat(65), input_schema: { type: 'object' } }, `tools.0.name: the tool name "${'x'.repeat(65)}" does not match ^[a-zA-Z0-9_-]{1,64}$, which Bedrock Converse requires.`],
    [{ name: 'no_schema' }, 'tools.0.input_schema: expected a JSON Schema object.'],
  ])('refuses the tool %j with a 400 naming it', (tool, message) => {
    expect(() => convert({ tools: [tool] })).toThrow(expect.objectContaining({ code: 'GW_UNSUPPORTED_FEATURE', status: 400, message }));
  });

  it('refuses an unknown tool_choice', () => {
    expect(() => convert({ tools: [weather], tool_choice: { type: 'sometimes' } })).toThrow(expect.objectContaining({ message: 'tool_choice.type: the tool choice "sometimes" is not supported on Bedrock Converse.' }));
  });
});

describe('toolNamesInHistory', () => {
  it.each([
    ['no tool blocks', plainHistory, undefined],
    ['tool uses, names once each in first-seen order', toolHistory, ['get_weather', 'get_time']],
    ['only a tool result', [{ role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'x' }] } }] }], []],
  ])('reads %s', (_name, history, expected) => {
    expect(toolNamesInHistory(history as ConverseMessage[])).toEqual(expected);
  });
});
