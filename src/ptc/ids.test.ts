import { describe, expect, it } from 'vitest';
import { codeCallId, executionKey, parseCodeCallId, randomPtcIds } from './ids.ts';

describe('code call ids', () => {
  it('are derived from the execution, the batch and the index, and parsed back', () => {
    const id = codeCallId('srvtoolu_gwABC123', 2, 1);
    expect(id).toBe('toolu_ptc_gwABC123_2_1');
    expect(parseCodeCallId(id)).toEqual({ execution: executionKey('srvtoolu_gwABC123'), batch: 2, index: 1 });
  });

  it('other ids are not ours', () => {
    for (const id of ['toolu_01A', 'toolu_ptc_x_1', 'call_abc', 'toolu_ptc_a_b_1']) expect(parseCodeCallId(id)).toBeUndefined();
  });

  it('random ids have the API prefixes', () => {
    expect(randomPtcIds.containerId()).toMatch(/^container_gw[A-Za-z0-9]{22}$/);
    expect(randomPtcIds.serverToolUseId()).toMatch(/^srvtoolu_gw[A-Za-z0-9]{22}$/);
  });
});
