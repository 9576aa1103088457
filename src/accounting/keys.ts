import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from '../ids.ts';

/**
 * Gateway API keys: `sk-gw-<id>-<secret>-<check>`.
 * - `id`: 16 base62 characters, the key's record id (not secret; lets the record be read
 *   directly and shown to people);
 * - `secret`: 32 base62 characters from a cryptographic source (~190 bits);
 * - `check`: 6 base62 characters of a SHA-256 of everything before it, so secret scanners and
 *   the gateway itself can tell a key from a typo without a lookup.
 * Only a digest of the whole key is stored (SHA-256, or HMAC-SHA-256 with a server-side
 * pepper) with a display prefix; verification compares fixed-length digests in constant time.
 */

export const KEY_PREFIX = 'sk-gw-';
const ID_LENGTH = 16;
const SECRET_LENGTH = 32;
const CHECK_LENGTH = 6;
const KEY_PATTERN = /^sk-gw-([0-9A-Za-z]{16})-([0-9A-Za-z]{32})-([0-9A-Za-z]{6})$/;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface NewKey {
  /** The whole key: shown once, never stored. */
  readonly key: string;
  readonly id: string;
  readonly digest: string;
  readonly prefix: string;
}

export interface ParsedKey {
  readonly id: string;
}

function checksum(body: string): string {
  const hash = createHash('sha256').update(body).digest();
  let out = '';
  for (let index = 0; index < CHECK_LENGTH; index++) out += ALPHABET[(hash[index] as number) % 62];
  return out;
}

/** A new random key, its id, digest and display prefix. */
export function generateKey(pepper: string | undefined): NewKey {
  const id = randomBase62(ID_LENGTH);
  const body = `${KEY_PREFIX}${id}-${randomBase62(SECRET_LENGTH)}`;
  const key = `${body}-${checksum(body)}`;
  return { key, id, digest: digestKey(key, pepper), prefix: displayPrefix(id) };
}

/** What people see of a key: `sk-gw-<id>…`. */
export function displayPrefix(id: string): string {
  return `${KEY_PREFIX}${id}`;
}

/** The key's id when `value` is a well-formed gateway key with a valid checksum; else undefined. */
export function parseKey(value: string): ParsedKey | undefined {
  const match = KEY_PATTERN.exec(value);
  if (match === null) return undefined;
  const id = match[1] as string;
  if (checksum(value.slice(0, KEY_PREFIX.length + ID_LENGTH + 1 + SECRET_LENGTH)) !== match[3]) return undefined;
  return { id };
}

/** Whether `value` looks like a gateway key (the prefix), checksum aside: such values are never forwarded. */
export function looksLikeGatewayKey(value: string): boolean {
  return value.startsWith(KEY_PREFIX);
}

/** Hex SHA-256 of the key, or HMAC-SHA-256 with the pepper. */
export function digestKey(key: string, pepper: string | undefined): string {
  return pepper === undefined ? createHash('sha256').update(key).digest('hex') : createHmac('sha256', pepper).update(key).digest('hex');
}

/** Constant-time comparison of two hex digests of equal length (unequal lengths are unequal, at once). */
export function digestsEqual(left: string, right: string): boolean {
  const a = Buffer.from(left, 'hex');
  const b = Buffer.from(right, 'hex');
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

/** Constant-time comparison of a presented secret with the configured one, through fixed-length digests. */
export function secretsEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
