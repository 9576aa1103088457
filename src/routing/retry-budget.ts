import type { Clock } from '../ids.ts';

/**
 * Bounds the extra upstream attempts (retries and fallbacks) to a share of the live traffic, so
 * a failing upstream is not hammered (reliability.md F6): over a sliding window, extra attempts
 * may be at most `ratio` of the requests, and at least `minimum` whatever the traffic. Counts
 * are kept per second in a ring, so memory is constant.
 */
export class RetryBudget {
  private readonly requests: number[];
  private readonly extras: number[];
  private readonly stamps: number[];
  private readonly ratio: number;
  private readonly minimum: number;
  private readonly clock: Clock;

  constructor(options: { ratio: number; minimum: number; windowSeconds: number }, clock: Clock) {
    this.requests = new Array<number>(options.windowSeconds).fill(0);
    this.extras = new Array<number>(options.windowSeconds).fill(0);
    this.stamps = new Array<number>(options.windowSeconds).fill(-1);
    this.ratio = options.ratio;
    this.minimum = options.minimum;
    this.clock = clock;
  }

  /** A request arrived. */
  request(): void {
    this.requests[this.slot()] = (this.requests[this.slot()] ?? 0) + 1;
  }

  /** Takes one extra attempt from the budget; false when it is spent. */
  tryExtra(): boolean {
    const slot = this.slot();
    const { requests, extras } = this.totals();
    if (extras >= Math.max(this.minimum, Math.floor(requests * this.ratio))) return false;
    this.extras[slot] = (this.extras[slot] ?? 0) + 1;
    return true;
  }

  private slot(): number {
    const second = Math.floor(this.clock.monotonic() / 1000);
    const slot = second % this.stamps.length;
    if (this.stamps[slot] !== second) {
      this.stamps[slot] = second;
      this.requests[slot] = 0;
      this.extras[slot] = 0;
    }
    return slot;
  }

  private totals(): { requests: number; extras: number } {
    const now = Math.floor(this.clock.monotonic() / 1000);
    let requests = 0;
    let extras = 0;
    for (let index = 0; index < this.stamps.length; index++) {
      if (now - (this.stamps[index] ?? -Infinity) >= this.stamps.length) continue;
      requests += this.requests[index] ?? 0;
      extras += this.extras[index] ?? 0;
    }
    return { requests, extras };
  }
}
