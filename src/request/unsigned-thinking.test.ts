import { describe, expect, it } from 'vitest';
import { mayHoldUnsignedThinking, withoutUnsignedThinking } from './unsigned-thinking.ts';

describe('withoutUnsignedThinking', () => {
  it('drops thinking blocks without a signature, keeps signed ones and everything else', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'from gpt-oss', signature: '' }, { type: 'text', text: 'Hello' }] },
        { role: 'user', content: 'Again' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'from Claude', signature: 'sig' }, { type: 'text', text: 'Yes' }] },
      ],
    };
    const cleaned = withoutUnsignedThinking(body);
    expect(cleaned.messages).toEqual([body.messages[0], { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] }, body.messages[2], body.messages[3]]);
    expect(body.messages[1]?.content).toHaveLength(2);
    expect(withoutUnsignedThinking(cleaned)).toBe(cleaned);
  });

  it('a turn that was only unsigned reasoning goes (an empty text block is refused by Anthropic)', () => {
    const body = { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 'x' }] }, { role: 'user', content: 'Again' }] };
    expect(withoutUnsignedThinking(body).messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'Again' }] }]);
  });

  it.each([
    ['{"signature":""}', true],
    ['{"signature":"abc"}', false],
    // A thinking block with no signature field at all (doubt from the last session: it reached Anthropic).
    ['{"messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x"}]}]}', true],
    ['{"messages":[{"role":"assistant","content":[{"type": "thinking", "thinking": "x"}]}]}', true],
    ['{"messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"s1"},{"type":"thinking","thinking":"y"}]}]}', true],
    ['{"thinking":{"type":"enabled","budget_tokens":2000},"messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"s1"}]}]}', false],
    ['{"messages":[{"role":"user","content":"no thinking here"}]}', false],
  ])('the byte gate: %s -> %s', (json, expected) => {
    expect(mayHoldUnsignedThinking(Buffer.from(json))).toBe(expected);
    // The gate never misses what the cleaner would drop.
    if (!expected) expect(withoutUnsignedThinking(JSON.parse(json) as Record<string, unknown>)).toEqual(JSON.parse(json));
  });
});
