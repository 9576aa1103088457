import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.ts';

function clockAt(start = 0) {
  const state = { ms: start };
  return { state, clock: { now: () => state.ms, monotonic: () => state.ms } };
}

describe('RetryBudget', () => {
  it('allows the minimum whatever the traffic, then about the ratio of requests', () => {
    const { clock } = clockAt();
    const budget = new RetryBudget({ ratio: 0.2, minimum: 3, windowSeconds: 10 }, clock);
    expect([budget.tryExtra(), budget.tryExtra(), budget.tryExtra(), budget.tryExtra()]).toEqual([true, true, true, false]);
    for (let index = 0; index < 50; index++) budget.request();
    let allowed = 0;
    while (budget.tryExtra()) allowed++;
    expect(allowed).toBe(10 - 3);
  });

  it('forgets what is older than the window', () => {
    const { state, clock } = clockAt(5_000);
    const budget = new RetryBudget({ ratio: 0.2, minimum: 1, windowSeconds: 10 }, clock);
    expect(budget.tryExtra()).toBe(true);
    expect(budget.tryExtra()).toBe(false);
    state.ms += 9_000;
    expect(budget.tryExtra()).toBe(false);
    state.ms += 1_000;
    expect(budget.tryExtra()).toBe(true);
  });
});
