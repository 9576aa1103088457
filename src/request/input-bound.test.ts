import { describe, expect, it } from 'vitest';
import { ANTHROPIC_TOOL, CONTEXT_TOKENS, IMAGE_TOKENS, inputTokenBound, REQUEST_OVERHEAD, TOOLS_PROMPT } from './input-bound.ts';
import { jsonLength } from './json-size.ts';

const user = (content: unknown) => ({ model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user', content }] });

describe('inputTokenBound', () => {
  it('is the UTF-8 bytes of the request JSON plus the fixed overhead: at least a token per byte of any text', () => {
    for (const text of ['Hello there', '你好，世界。'.repeat(500), 'const x = {a: [1, 2, 3]};\n'.repeat(200), '🙂'.repeat(300)]) {
      const request = user(text);
      const bound = inputTokenBound(request);
      expect(bound.tokens).toBe(jsonLength(request, 'bytes') + REQUEST_OVERHEAD);
      expect(bound.tokens).toBeGreaterThanOrEqual(Buffer.byteLength(text));
      expect(bound.cacheWrite).toBe('none');
    }
  });

  it('counts every image as IMAGE_TOKENS whatever its payload, tool results included', () => {
    const image = (data: string) => ({ type: 'image', source: { type: 'base64', media_type: 'image/png', data } });
    const small = inputTokenBound(user([image('A'.repeat(10)), { type: 'text', text: 'what is it?' }]));
    const large = inputTokenBound(user([image('A'.repeat(5_000_000)), { type: 'text', text: 'what is it?' }]));
    expect(large.tokens - small.tokens).toBe(0);
    const nested = inputTokenBound(user([{ type: 'tool_result', tool_use_id: 't', content: [image('A'), image('B')] }]));
    expect(nested.tokens).toBeGreaterThan(2 * IMAGE_TOKENS);
    expect(nested.tokens).toBeLessThan(2 * IMAGE_TOKENS + 300);
  });

  it('counts an object typed image as text where the API reads JSON as text (tool inputs, schemas, unknown places)', () => {
    const text = 'x'.repeat(100_000);
    const hidden = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: text } };
    const requests = [
      user([{ type: 'tool_use', id: 't', name: 'f', input: hidden }]),
      user([{ type: 'tool_use', id: 't', name: 'f', input: { nested: [hidden] } }]),
      { ...user('hi'), tools: [{ name: 'f', input_schema: { type: 'object', properties: { x: hidden } } }] },
      { ...user('hi'), system: [hidden] },
      { ...user('hi'), type: 'image' },
      { ...user('hi'), messages: [{ role: 'user', content: 'hi', type: 'image', extra: text }] },
      user([{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'a', content: [hidden] }] }]),
    ];
    for (const request of requests) expect(inputTokenBound(request).tokens).toBeGreaterThanOrEqual(jsonLength(request, 'bytes'));
  });

  it('reads plain-text documents, and bounds a request with a PDF or file document by the context window', () => {
    const text = inputTokenBound(user([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x'.repeat(10_000) } }]));
    expect(text.tokens).toBeGreaterThan(10_000);
    expect(text.tokens).toBeLessThan(10_500);
    for (const source of [{ type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' }, { type: 'url', url: 'https://example.com/a.pdf' }, { type: 'file', file_id: 'file_1' }]) {
      expect(inputTokenBound(user([{ type: 'document', source }])).tokens).toBe(CONTEXT_TOKENS);
    }
  });

  it('adds the tool-use system prompt, and more for each Anthropic-defined tool', () => {
    const custom = { name: 'f', input_schema: { type: 'object' } };
    const request = { ...user('hi'), tools: [custom] };
    const withCustom = inputTokenBound(request);
    expect(withCustom.tokens).toBe(jsonLength(request, 'bytes') + REQUEST_OVERHEAD + TOOLS_PROMPT);
    const computer = { type: 'computer_20250124', name: 'computer', display_width_px: 1024, display_height_px: 768 };
    const withComputer = inputTokenBound({ ...user('hi'), tools: [custom, computer] });
    expect(withComputer.tokens - withCustom.tokens).toBeGreaterThan(ANTHROPIC_TOOL);
  });

  it('caps at the context window', () => {
    expect(inputTokenBound(user('x'.repeat(3_000_000))).tokens).toBe(CONTEXT_TOKENS);
  });

  it('says when the input may be written to the cache, and for how long', () => {
    expect(inputTokenBound({ ...user('hi'), system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }] }).cacheWrite).toBe('5m');
    expect(inputTokenBound({ ...user([{ type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl: '1h' } }]), cache_control: { type: 'ephemeral' } }).cacheWrite).toBe('1h');
    expect(inputTokenBound({ ...user([{ type: 'image', source: { type: 'base64', data: 'A' }, cache_control: { type: 'ephemeral' } }]) }).cacheWrite).toBe('5m');
    // A PDF does not stop the search for cache_control after it.
    expect(inputTokenBound(user([{ type: 'document', source: { type: 'base64', data: 'A' } }, { type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl: '1h' } }])).cacheWrite).toBe('1h');
  });

  it('walks a million levels of nesting without recursion', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 1_000_000; level++) deep = [deep];
    expect(inputTokenBound(user(deep)).tokens).toBe(CONTEXT_TOKENS);
  });
});

describe('jsonLength', () => {
  it.each([[{}], [[]], [{ a: [1, 'two', null, true, { b: 'ü' }] }], ['plain'], [[[[]]]]])('matches JSON.stringify for %j', (value) => {
    expect(jsonLength(value, 'characters')).toBe(JSON.stringify(value).length);
    expect(jsonLength(value, 'bytes')).toBe(Buffer.byteLength(JSON.stringify(value)));
  });
});
