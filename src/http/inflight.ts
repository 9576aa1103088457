import { GatewayError } from '../errors.ts';

/**
 * The requests in flight, so shutdown can wait for them and, at its deadline, end each one
 * cleanly: a committed stream gets an Anthropic `error` event, an uncommitted request a 529.
 */

export interface InflightRequest {
  /** Aborted when the client disconnects or the gateway terminates the request. */
  readonly signal: AbortSignal;
  /** The reason the gateway ended this request, if it did. */
  termination(): GatewayError | undefined;
  /** Client went away: abort the upstream. */
  abort(): void;
  done(): void;
}

export class InflightRequests {
  private readonly active = new Set<Entry>();
  private idleWaiters: (() => void)[] = [];

  get size(): number {
    return this.active.size;
  }

  track(): InflightRequest {
    const entry = new Entry(this);
    this.active.add(entry);
    return entry;
  }

  /** Ends every request in flight with `error`. */
  terminateAll(error: GatewayError): void {
    for (const entry of this.active) entry.terminate(error);
  }

  /** Resolves when nothing is in flight. */
  async idle(): Promise<void> {
    if (this.active.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** @internal */
  remove(entry: Entry): void {
    if (!this.active.delete(entry) || this.active.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

class Entry implements InflightRequest {
  private readonly controller = new AbortController();
  private reason: GatewayError | undefined;
  private readonly owner: InflightRequests;

  constructor(owner: InflightRequests) {
    this.owner = owner;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  termination(): GatewayError | undefined {
    return this.reason;
  }

  abort(): void {
    this.controller.abort();
  }

  terminate(error: GatewayError): void {
    this.reason ??= error;
    this.controller.abort();
  }

  done(): void {
    this.owner.remove(this);
  }
}

export function shutdownError(): GatewayError {
  return new GatewayError('GW_SHUTTING_DOWN', 'The gateway is shutting down; retry the request.');
}
