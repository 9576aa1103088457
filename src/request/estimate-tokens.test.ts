import { describe, expect, it } from 'vitest';
import { estimateInputTokens } from './estimate-tokens.ts';

describe('estimateInputTokens', () => {
  it('counts about four characters per token plus framing', () => {
    const text = 'x'.repeat(400);
    expect(estimateInputTokens({ messages: [{ role: 'user', content: text }] })).toBe(4 + 100);
    expect(estimateInputTokens({ system: text, messages: [{ role: 'user', content: [{ type: 'text', text }] }] })).toBe(4 + 4 + 200);
  });

  it('counts an image as a flat 1,600 tokens and a base64 document by its decoded size', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(100_000) } };
    expect(estimateInputTokens({ messages: [{ role: 'user', content: [image] }] })).toBe(4 + 4 + 1_600);
    const pdf = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'A'.repeat(12_000) } };
    expect(estimateInputTokens({ messages: [{ role: 'user', content: [pdf] }] })).toBe(4 + 4 + 3_000);
  });

  it('counts tool inputs and schemas as their JSON text, and ignores signatures', () => {
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } }];
    const estimate = estimateInputTokens({ messages: [{ role: 'user', content: 'hi' }], tools });
    expect(estimate).toBe(4 + 4 + Math.ceil(('hi' + 'get_weather' + 'Weather' + '{"type":"object"}').length / 4));
    const withSignature = estimateInputTokens({ messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'abcd', signature: 'S'.repeat(4000) }] }] });
    expect(withSignature).toBe(4 + 4 + 1);
  });

  it('is at least one', () => {
    expect(estimateInputTokens({})).toBe(1);
  });
});
