import { describe, expect, it } from 'vitest';
import { accumulate } from '../anthropic/accumulate.ts';
import { encodeSseEvent } from '../anthropic/sse-encode.ts';
import { loadScenario } from '../../test/fakes/anthropic.ts';
import { costUsd } from './cost.ts';
import type { AnthropicStreamEvent } from '../anthropic/types.ts';
import { EventUsageMeter, SseUsageMeter, usageFromMessage } from './usage.ts';

describe('usage', () => {
  it.each(['text', 'tool-use', 'thinking'])('the %s stream and its message give the same usage, at any event grouping', (scenario) => {
    const events = loadScenario(scenario, 'claude-sonnet-5-5');
    const expected = usageFromMessage(accumulate(events));
    const whole = new SseUsageMeter();
    whole.push(events.map((event) => encodeSseEvent(event)).join(''));
    const oneByOne = new SseUsageMeter();
    for (const event of events) oneByOne.push(Buffer.from(encodeSseEvent(event).replaceAll('\n', '\r\n')));
    expect(whole.usage).toEqual(expected);
    expect(oneByOne.usage).toEqual(expected);
  });

  it('keeps the input of a stream cut after message_start, and knows nothing before it', () => {
    const meter = new SseUsageMeter();
    expect(meter.usage).toBeUndefined();
    meter.push(encodeSseEvent(loadScenario('thinking', 'm')[0] as { type: string }));
    expect(meter.usage).toEqual({ input: 58, output: 3, cacheRead: 0, cacheWrite5m: 2048, cacheWrite1h: 0 });
  });

  it('bounds the output of a stream cut before message_delta by the bytes of content relayed, whatever the text', () => {
    for (const text of ['plain English text, ', '東京の天気は晴れです。', 'line\n"quoted"\ttab\\', '🙂']) {
      const events = loadScenario('text', 'm') as { type: string }[];
      const [start, blockStart] = events;
      const [blockStop, delta, stop] = events.slice(-3);
      for (const asString of [false, true]) {
        const meter = new SseUsageMeter();
        const push = (event: { type: string }) => meter.push(asString ? encodeSseEvent(event) : Buffer.from(encodeSseEvent(event)));
        push(start as { type: string });
        push(blockStart as { type: string });
        for (let index = 0; index < 50; index++) push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } as { type: string });
        push({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: text } } as { type: string });
        push(blockStop as { type: string });
        const relayed = 51 * Buffer.byteLength(text);
        const output = meter.usage?.output ?? 0;
        expect(output).toBeGreaterThanOrEqual(relayed);
        expect(output).toBeLessThan(relayed * 2 + 51 * 20);
        // The final count, once it comes, is the answer's count.
        push(delta as { type: string });
        push(stop as { type: string });
        expect(meter.usage?.output).toBe(usageFromMessage(accumulate(loadScenario('text', 'm')))?.output);
      }
    }
  });

  it.each(['text', 'tool-use', 'thinking'])('the typed meter reads the %s stream by event type, as the SSE meter reads its text', (scenario) => {
    const events = loadScenario(scenario, 'claude-sonnet-5-5');
    const typed = new EventUsageMeter();
    for (const event of events) typed.push(event);
    expect(typed.usage).toEqual(usageFromMessage(accumulate(events)));
  });

  it('the typed meter bounds a stream cut before message_delta, and a text naming an event is only text', () => {
    const [start, blockStart] = loadScenario('text', 'm') as AnthropicStreamEvent[];
    const meter = new EventUsageMeter();
    expect(meter.usage).toBeUndefined();
    meter.push(start as AnthropicStreamEvent);
    meter.push(blockStart as AnthropicStreamEvent);
    const decoy = 'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":1}}\n\n';
    for (let index = 0; index < 10; index++) meter.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: decoy } } as AnthropicStreamEvent);
    expect(meter.usage?.output).toBe(10 * Buffer.byteLength(decoy));
    meter.push({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 12 } } as AnthropicStreamEvent);
    expect(meter.usage?.output).toBe(12);
  });

  it('reads the 1h/5m cache split when there is one', () => {
    expect(usageFromMessage({ usage: { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 3, cache_creation_input_tokens: 30, cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 } } })).toEqual({
      input: 1,
      output: 2,
      cacheRead: 3,
      cacheWrite5m: 10,
      cacheWrite1h: 20,
    });
    expect(usageFromMessage({ type: 'error' })).toBeUndefined();
  });

  it('prices per million tokens with cache and tier multipliers', () => {
    const usage = { input: 1_000_000, output: 1_000_000, cacheRead: 1_000_000, cacheWrite5m: 1_000_000, cacheWrite1h: 1_000_000 };
    expect(costUsd(usage, { input: 3, output: 15 })).toBeCloseTo(3 + 15 + 0.3 + 3.75 + 6);
    expect(costUsd(usage, { input: 3, output: 15, cache_read: 1, cache_write_5m: 2, cache_write_1h: 4 }, 'flex')).toBeCloseTo((3 + 15 + 1 + 2 + 4) * 0.5);
    expect(costUsd({ input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, { input: 3, output: 15 }, 'priority')).toBe(0);
  });
});
