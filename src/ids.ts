import { randomFillSync } from 'node:crypto';

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
  /** The id of a message the gateway assembles from a translated upstream, `msg_bdrk_…`. */
  messageId(): string;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Random bytes are drawn in blocks: one system call per few hundred ids instead of one each.
const pool = Buffer.alloc(8192);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++] as number;
}

/** `length` base62 characters from a cryptographic source, unbiased (bytes >= 248 are skipped). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += alphabet[byte % 62];
  }
  return out;
}

export const randomIds: IdSource = {
  requestId: () => `req_gw${randomBase62(22)}`,
  messageId: () => `msg_bdrk_${randomBase62(24)}`,
};
