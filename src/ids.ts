import { randomBytes } from 'node:crypto';

/** Time and identifiers come from here, so tests can make them deterministic. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** A monotonic reading in milliseconds, for durations. */
  monotonic(): number;
}

export interface IdSource {
  /** A gateway request id, `req_…`, used when the gateway answers itself. */
  requestId(): string;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` base62 characters from a cryptographic source (rejection-free: 62*4 = 248 < 256). */
export function randomBase62(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let index = 0; index < bytes.length && out.length < length; index++) {
    const byte = bytes[index] as number;
    if (byte < 248) out += alphabet[byte % 62];
  }
  return out.length === length ? out : out + randomBase62(length - out.length);
}

export const randomIds: IdSource = {
  requestId: () => `req_gw${randomBase62(22)}`,
};
