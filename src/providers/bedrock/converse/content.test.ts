import { describe, expect, it } from 'vitest';
import { toConverseContent } from './content.ts';
import { newConversionContext } from './context.ts';
import { claudeConverseProfile, genericConverseProfile, type ConverseModelProfile } from './profile.ts';

function convert(content: unknown, profile: ConverseModelProfile = claudeConverseProfile) {
  const context = newConversionContext(profile);
  return { content: toConverseContent(content, 'messages.1.content', context), removed: context.removed, cachePoints: context.cachePoints };
}

const signature = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxDfakeSignature==';
const png = { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' };

describe('toConverseContent', () => {
  it('turns string content into one text block, and an empty string into nothing (listed)', () => {
    expect(convert('Hello')).toEqual({ content: [{ text: 'Hello' }], removed: [], cachePoints: 0 });
    expect(convert('')).toEqual({ content: [], removed: ['messages.1.content'], cachePoints: 0 });
    expect(convert(' \n\t')).toEqual({ content: [], removed: ['messages.1.content'], cachePoints: 0 });
  });

  it('treats whitespace-only text as empty, which Bedrock rejects', () => {
    const content = [
      { type: 'text', text: '\n\n' },
      { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: {} },
      { type: 'tool_result', tool_use_id: 'toolu_01', content: '\n' },
      { type: 'tool_result', tool_use_id: 'toolu_02', content: [{ type: 'text', text: '  ' }] },
    ];
    expect(convert(content)).toEqual({
      content: [
        { toolUse: { toolUseId: 'toolu_01', name: 'get_weather', input: {} } },
        { toolResult: { toolUseId: 'toolu_01', content: [{ text: '(empty)' }], status: 'success' } },
        { toolResult: { toolUseId: 'toolu_02', content: [{ text: '(empty)' }], status: 'success' } },
      ],
      removed: ['messages.1.content.0', 'messages.1.content.3.content.0'],
      cachePoints: 0,
    });
  });

  it('maps text, dropping empty text and citations (listed), with cache points after breakpoints', () => {
    const content = [
      { type: 'text', text: '' },
      { type: 'text', text: 'Cited', citations: [{ type: 'char_location' }] },
      { type: 'text', text: 'Cached', cache_control: { type: 'ephemeral', ttl: '1h' } },
    ];
    expect(convert(content)).toEqual({
      content: [{ text: 'Cited' }, { text: 'Cached' }, { cachePoint: { type: 'default', ttl: '1h' } }],
      removed: ['messages.1.content.0', 'messages.1.content.1.citations'],
      cachePoints: 1,
    });
  });

  it('maps tool_use, dropping a direct caller silently and listing anything else', () => {
    const content = [
      { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' }, caller: { type: 'direct' } },
      { type: 'tool_use', id: 'toolu_02', name: 'get_time', input: {}, caller: { type: 'code_execution_20250825', tool_id: 'srvtoolu_1' }, toolset_name: 'clock' },
      { type: 'tool_use', id: 'toolu_03', name: 'no_input' },
    ];
    expect(convert(content)).toEqual({
      content: [
        { toolUse: { toolUseId: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } } },
        { toolUse: { toolUseId: 'toolu_02', name: 'get_time', input: {} } },
        { toolUse: { toolUseId: 'toolu_03', name: 'no_input', input: {} } },
      ],
      removed: ['messages.1.content.1.caller', 'messages.1.content.1.toolset_name'],
      cachePoints: 0,
    });
  });

  it('maps tool_result content of every kind, with status, never empty', () => {
    const content = [
      { type: 'tool_result', tool_use_id: 'toolu_01', content: '18°C' },
      { type: 'tool_result', tool_use_id: 'toolu_02', content: 'boom', is_error: true },
      { type: 'tool_result', tool_use_id: 'toolu_03' },
      { type: 'tool_result', tool_use_id: 'toolu_04', content: '' },
      { type: 'tool_result', tool_use_id: 'toolu_05', content: [{ type: 'text', text: '' }] },
      {
        type: 'tool_result',
        tool_use_id: 'toolu_06',
        content: [
          { type: 'text', text: '{"ok":true}' },
          { type: 'image', source: png },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'log' }, title: 'build.log' },
          { type: 'search_result', source: 'https://example.com', title: 'Example', content: [{ type: 'text', text: 'Result' }] },
        ],
      },
    ];
    expect(convert(content)).toEqual({
      content: [
        { toolResult: { toolUseId: 'toolu_01', content: [{ text: '18°C' }], status: 'success' } },
        { toolResult: { toolUseId: 'toolu_02', content: [{ text: 'boom' }], status: 'error' } },
        { toolResult: { toolUseId: 'toolu_03', content: [{ text: '(empty)' }], status: 'success' } },
        { toolResult: { toolUseId: 'toolu_04', content: [{ text: '(empty)' }], status: 'success' } },
        { toolResult: { toolUseId: 'toolu_05', content: [{ text: '(empty)' }], status: 'success' } },
        {
          toolResult: {
            toolUseId: 'toolu_06',
            content: [
              { text: '{"ok":true}' },
              { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } },
              { document: { format: 'txt', name: 'build log', source: { text: 'log' } } },
              { searchResult: { source: 'https://example.com', title: 'Example', content: [{ text: 'Result' }] } },
            ],
            status: 'success',
          },
        },
      ],
      removed: ['messages.1.content.4.content.0'],
      cachePoints: 0,
    });
  });

  it('puts a cache point after a tool result whose own or nested block has cache_control', () => {
    const content = [
      { type: 'tool_result', tool_use_id: 'toolu_01', content: [{ type: 'text', text: 'a', cache_control: { type: 'ephemeral' } }] },
      { type: 'tool_result', tool_use_id: 'toolu_02', content: 'b', cache_control: { type: 'ephemeral', ttl: '1h' } },
    ];
    expect(convert(content)).toEqual({
      content: [
        { toolResult: { toolUseId: 'toolu_01', content: [{ text: 'a' }], status: 'success' } },
        { cachePoint: { type: 'default' } },
        { toolResult: { toolUseId: 'toolu_02', content: [{ text: 'b' }], status: 'success' } },
        { cachePoint: { type: 'default', ttl: '1h' } },
      ],
      removed: [],
      cachePoints: 2,
    });
  });

  it('replays thinking and redacted thinking to Claude as reasoning content', () => {
    const content = [
      { type: 'thinking', thinking: 'Let me think.', signature },
      { type: 'redacted_thinking', data: 'EmwKAhgB==' },
    ];
    expect(convert(content)).toEqual({
      content: [{ reasoningContent: { reasoningText: { text: 'Let me think.', signature } } }, { reasoningContent: { redactedContent: 'EmwKAhgB==' } }],
      removed: [],
      cachePoints: 0,
    });
  });

  it('drops thinking blocks (listed) for a model whose family cannot check their signatures', () => {
    const content = [{ type: 'thinking', thinking: 'Hmm.', signature }, { type: 'redacted_thinking', data: 'EmwK' }, { type: 'text', text: 'Answer' }];
    expect(convert(content, { ...genericConverseProfile, reasoning: true })).toEqual({ content: [{ text: 'Answer' }], removed: ['messages.1.content.0', 'messages.1.content.1'], cachePoints: 0 });
  });

  it('maps a search result with citations and a cache point', () => {
    const block = { type: 'search_result', source: 'https://example.com/a', title: 'A', content: [{ type: 'text', text: 'One' }, { type: 'text', text: 'Two' }], citations: { enabled: true }, cache_control: { type: 'ephemeral' } };
    expect(convert([block])).toEqual({
      content: [{ searchResult: { source: 'https://example.com/a', title: 'A', content: [{ text: 'One' }, { text: 'Two' }], citations: { enabled: true } } }, { cachePoint: { type: 'default' } }],
      removed: [],
      cachePoints: 1,
    });
  });

  it('leaves cache points out for a model without them, listing each', () => {
    expect(convert([{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }], genericConverseProfile)).toEqual({ content: [{ text: 'Hi' }], removed: ['messages.1.content.0.cache_control'], cachePoints: 0 });
  });

  it.each([
    [{ type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }, "messages.1.content.0: server_tool_use blocks have no Bedrock Converse equivalent (server tools, MCP and containers run only on Anthropic's API)."],
    [{ type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] }, "messages.1.content.0: web_search_tool_result blocks have no Bedrock Converse equivalent (server tools, MCP and containers run only on Anthropic's API)."],
    [{ type: 'container_upload', file_id: 'file_1' }, "messages.1.content.0: container_upload blocks have no Bedrock Converse equivalent (server tools, MCP and containers run only on Anthropic's API)."],
    [{ type: 'mcp_tool_use', id: 'mcptoolu_1', name: 'x', server_name: 's', input: {} }, "messages.1.content.0: mcp_tool_use blocks have no Bedrock Converse equivalent (server tools, MCP and containers run only on Anthropic's API)."],
    [{ type: 'mcp_future_block', id: 'x' }, "messages.1.content.0: mcp_future_block blocks have no Bedrock Converse equivalent (server tools, MCP and containers run only on Anthropic's API)."],
    [{ type: 'web_crawl_tool_result', tool_use_id: 'srvtoolu_1' }, "messages.1.content.0: web_crawl_tool_result blocks have no Bedrock Converse equivalent (server tools, MCP and containers run only on Anthropic's API)."],
    [{ type: 'hologram', data: 'x' }, 'messages.1.content.0: the content block type "hologram" is not supported on Bedrock Converse.'],
    [{ type: 'tool_use', id: 'toolu_1', name: 'mcp__server.tool', input: {} }, 'messages.1.content.0.name: the tool name "mcp__server.tool" does not match ^[a-zA-Z0-9_-]{1,64}$, which Bedrock Converse requires.'],
    [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'tool_reference', tool_name: 'x' }] }, 'messages.1.content.0.content.0: "tool_reference" blocks inside a tool result are not supported on Bedrock Converse.'],
    [{ type: 'tool_use', name: 'x', input: {} }, 'messages.1.content.0.id: expected a string.'],
    ['text', 'messages.1.content.0: expected a content block object.'],
  ])('refuses %j with a 400 naming it', (block, message) => {
    expect(() => convert([block])).toThrow(expect.objectContaining({ code: 'GW_UNSUPPORTED_FEATURE', status: 400, message }));
  });
});
