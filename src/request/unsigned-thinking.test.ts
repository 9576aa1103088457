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

  it('a turn that was only unsigned reasoning keeps an empty text block', () => {
    const body = { messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'x' }] }] };
    expect(withoutUnsignedThinking(body).messages).toEqual([{ role: 'assistant', content: [{ type: 'text', text: '' }] }]);
  });

  it('the byte gate', () => {
    expect(mayHoldUnsignedThinking(Buffer.from('{"signature":""}'))).toBe(true);
    expect(mayHoldUnsignedThinking(Buffer.from('{"signature":"abc"}'))).toBe(false);
  });
});
