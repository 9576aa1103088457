import { describe, expect, it } from 'vitest';
import { frameScenario, openAIScenarios } from '../../../test/fakes/openai-scenarios.ts';
import { ForwardedChatMeter } from './chat-meter.ts';

function metered(bytes: Buffer, split: number | 'whole'): ForwardedChatMeter {
  const meter = new ForwardedChatMeter('fake', 7);
  if (split === 'whole') meter.push(bytes);
  else for (let offset = 0; offset < bytes.length; offset += split) meter.push(bytes.subarray(offset, offset + split));
  return meter;
}

describe('ForwardedChatMeter', () => {
  it.each([1, 3, 64, 'whole'] as const)('reads the usage chunk whatever the chunk boundaries (%s)', (split) => {
    const meter = metered(Buffer.from(frameScenario(openAIScenarios.text, true)), split);
    expect(meter.usage(true)).toEqual({ usage: { input: 4, output: 4, cacheRead: 8, cacheWrite5m: 0, cacheWrite1h: 0 }, estimated: false });
    expect(meter.done).toBe(true);
    expect(meter.firstItem).toEqual({ kind: 'content' });
  });

  it('reads Groq’s x_groq.usage', () => {
    expect(metered(Buffer.from(frameScenario(openAIScenarios.groq, true)), 5).usage(true)).toEqual({ usage: { input: 9, output: 6, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, estimated: false });
  });

  it('without a usage: the estimate (input given, output from the text and tool arguments), marked', () => {
    const withoutUsage = openAIScenarios['tool-whole'].filter((item) => !('chunk' in item) || !Array.isArray(item.chunk.choices) || item.chunk.choices.length > 0);
    const meter = metered(Buffer.from(frameScenario(withoutUsage, true)), 2);
    expect(meter.usage(false)).toBeUndefined();
    // "Checking." (9) + "get_weather" (11) + '{"city":"Rome"}' (15) = 35 characters: 9 tokens.
    expect(meter.usage(true)).toEqual({ usage: { input: 7, output: 9, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, estimated: true });
  });

  it('an error chunk first is told; data that is not JSON only stops the meter', () => {
    expect(metered(Buffer.from('data: {"error":{"message":"busy","code":503}}\n\n'), 'whole').firstItem).toEqual({ kind: 'error', error: { message: 'busy', code: 503 } });
    const meter = metered(Buffer.from('data: not json\n\ndata: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}\n\n'), 'whole');
    expect(meter.usage(true)?.estimated).toBe(true);
  });

  it('a JSON body: its usage, or an estimate from its messages', () => {
    const meter = new ForwardedChatMeter('fake', 3);
    meter.whole({ choices: [{ message: { content: 'Hello' } }], usage: { prompt_tokens: 10, completion_tokens: 2 } });
    expect(meter.usage(true)).toEqual({ usage: { input: 10, output: 2, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, estimated: false });
    const bare = new ForwardedChatMeter('fake', 3);
    bare.whole({ choices: [{ message: { content: 'Hello, world.' } }, { message: { content: 'Hi' } }] });
    expect(bare.usage(true)).toEqual({ usage: { input: 3, output: 4, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, estimated: true });
  });
});
