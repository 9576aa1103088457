import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeSse } from './sse-decode.ts';
import { IdlePinger, PING_EVENT } from './keepalive.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('IdlePinger', () => {
  it('pings after each full interval of silence', () => {
    const written: string[] = [];
    const pinger = new IdlePinger(15_000, (text) => written.push(text));
    vi.advanceTimersByTime(14_999);
    expect(written).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(written).toEqual([PING_EVENT]);
    vi.advanceTimersByTime(30_000);
    expect(written).toHaveLength(3);
    pinger.stop();
  });

  it('does not ping while the stream is busy', () => {
    const written: string[] = [];
    const pinger = new IdlePinger(15_000, (text) => written.push(text));
    for (let second = 0; second < 60; second++) {
      vi.advanceTimersByTime(1_000);
      pinger.activity();
    }
    expect(written).toEqual([]);
    vi.advanceTimersByTime(15_000);
    expect(written).toHaveLength(1);
    pinger.stop();
  });

  it('never pings after stop', () => {
    const written: string[] = [];
    const pinger = new IdlePinger(1_000, (text) => written.push(text));
    pinger.stop();
    pinger.activity();
    vi.advanceTimersByTime(10_000);
    expect(written).toEqual([]);
  });

  it('writes a well-formed Anthropic ping event', () => {
    expect(decodeSse(PING_EVENT)).toEqual([{ event: 'ping', data: '{"type":"ping"}' }]);
  });
});
