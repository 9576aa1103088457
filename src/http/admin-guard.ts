import type { FastifyRequest } from 'fastify';
import { GatewayError, isGatewayError } from '../errors.ts';

/**
 * Master-key guessing is slowed and seen (issue 15, reliability.md X5): every failed admin
 * authentication (a credential sent that is not the master key) is logged with its source
 * address, never the credential, and an address past `auth.admin_failures_per_minute` (10) in a minute is
 * refused every admin authentication, the right key included, until the minute ends (so guesses
 * meanwhile learn nothing). Per instance, in memory; a gateway behind a proxy sees the proxy's
 * address unless Fastify's trustProxy is set.
 */

const WINDOW_MS = 60_000;
/** Addresses remembered at most; past it the windows that ended are dropped first. */
const MAX_ADDRESSES = 10_000;

export class AdminGuard {
  readonly #failures = new Map<string, { windowStart: number; count: number }>();
  readonly #now: () => number;
  /** `auth.admin_failures_per_minute`; 0: no limit. */
  readonly #limit: number;

  constructor(now: () => number, limit: number) {
    this.#now = now;
    this.#limit = limit;
  }

  /** Runs `authenticate` (which throws the refusal) for `request`, counting and logging failures. */
  check(request: FastifyRequest, authenticate: () => void): void {
    const address = request.ip;
    const wait = this.#blockedFor(address);
    if (wait !== undefined) {
      throw new GatewayError('GW_ADMIN_AUTH_RATE_LIMITED', `Too many failed admin authentications from this address; retry in ${Math.ceil(wait / 1000)} s.`, { retryAfterMs: wait });
    }
    try {
      authenticate();
    } catch (error) {
      if (isGatewayError(error) && error.code === 'GW_FORBIDDEN') {
        const count = this.#record(address);
        request.log.warn({ request_id: request.id, source: address, path: request.url.split('?')[0], failures_this_minute: count }, 'admin authentication failed');
      }
      throw error;
    }
  }

  #blockedFor(address: string): number | undefined {
    const entry = this.#failures.get(address);
    const now = this.#now();
    if (this.#limit === 0 || entry === undefined || now - entry.windowStart >= WINDOW_MS || entry.count < this.#limit) return undefined;
    return entry.windowStart + WINDOW_MS - now;
  }

  #record(address: string): number {
    const now = this.#now();
    if (this.#failures.size >= MAX_ADDRESSES) for (const [key, entry] of this.#failures) if (now - entry.windowStart >= WINDOW_MS) this.#failures.delete(key);
    const entry = this.#failures.get(address);
    if (entry === undefined || now - entry.windowStart >= WINDOW_MS) {
      this.#failures.set(address, { windowStart: now, count: 1 });
      return 1;
    }
    entry.count++;
    return entry.count;
  }
}
