import { describe, expect, it } from 'vitest';
import { cleanHistoryForBedrock } from './history.ts';

describe('cleanHistoryForBedrock', () => {
  const signed = { type: 'thinking', thinking: 'Claude thought', signature: 'EqQBsig==' };
  const unsigned = { type: 'thinking', thinking: 'Qwen thought', signature: '' };

  it('drops unsigned thinking for Claude, keeps signed thinking, and fixes tool ids in pairs', () => {
    const body = {
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [unsigned, signed, { type: 'tool_use', id: 'call:abc.1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call:abc.1', content: 'ok' }] },
      ],
    };
    expect(cleanHistoryForBedrock(body, true)).toEqual({
      model: 'm',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [signed, { type: 'tool_use', id: 'call_abc_1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_abc_1', content: 'ok' }] },
      ],
    });
    expect(body.messages[1]?.content).toHaveLength(3);
  });

  it('leaves thinking to the converter for other families, and an already valid history untouched', () => {
    const body = { messages: [{ role: 'assistant', content: [unsigned, { type: 'tool_use', id: 'toolu_01', name: 'f', input: {} }] }] };
    expect(cleanHistoryForBedrock(body, false)).toBe(body);
  });

  it('a Claude turn that was only unsigned thinking (no signature field at all) goes, and the user turns around it are joined', () => {
    const body = { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 'gpt-oss thought' }] }, { role: 'user', content: [{ type: 'text', text: 'Again' }] }] };
    expect(cleanHistoryForBedrock(body, true).messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'Again' }] }]);
    expect(cleanHistoryForBedrock(body, false)).toBe(body);
  });
});
