import type { IncomingHttpHeaders } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { isForwardedRequestHeader } from '../upstream/forwarded-headers.ts';
import { decodings } from './percent-decode.ts';

/**
 * The client's credential headers, as pure functions: reading a header and a Bearer token,
 * refusing a header that holds several credentials, and finding a gateway secret (a gateway key
 * or the master key) in any header or request target that would be forwarded. Shared by
 * authentication and by every provider that forwards the client's headers.
 */

/** A header's first value, trimmed; undefined when absent or blank. */
export function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const trimmed = text?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** The token of an `Authorization: Bearer …` value, trimmed. */
export function bearerToken(authorization: string): string | undefined {
  const match = /^bearer\s+(.+)$/i.exec(authorization);
  return match?.[1]?.trim();
}

/**
 * A credential header's value that holds more than one credential: two `x-api-key` headers
 * (Node joins them with ", "), or a comma inside an API key or Bearer token, which no real one
 * has. Which of them counts would be anyone's guess (the gateway reads the first, an upstream
 * may read the whole), so such a request is refused.
 */
export function holdsSeveralCredentials(header: 'x-api-key' | 'authorization' | 'key', value: string | string[] | undefined): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.length > 1 || holdsSeveralCredentials(header, value[0]);
  if (header !== 'authorization') return value.includes(',');
  // A scheme with parameters (`Digest a=b, c=d`) may hold commas; a token alone or a Bearer token may not.
  const token = bearerToken(value.trim()) ?? (/\s/.test(value.trim()) ? undefined : value);
  return token?.includes(',') === true;
}

/**
 * Whether `text` contains `secret`, in time that depends on their lengths only (a rolling hash
 * over every window, then a constant-time comparison where the hash matches), so a header
 * probed byte by byte tells nothing about the secret.
 */
export function containsSecret(text: string, secret: string): boolean {
  const needle = Buffer.from(secret, 'utf8');
  const haystack = Buffer.from(text, 'utf8');
  const length = needle.length;
  if (length === 0 || haystack.length < length) return false;
  const BASE = 257;
  const MOD = 2_147_483_647;
  let power = 1;
  for (let index = 1; index < length; index++) power = (power * BASE) % MOD;
  let target = 0;
  let rolling = 0;
  for (let index = 0; index < length; index++) {
    target = (target * BASE + (needle[index] as number)) % MOD;
    rolling = (rolling * BASE + (haystack[index] as number)) % MOD;
  }
  let found = false;
  for (let start = 0; ; start++) {
    if (rolling === target && timingSafeEqual(haystack.subarray(start, start + length), needle)) found = true;
    if (start + length >= haystack.length) break;
    rolling = (rolling - ((haystack[start] as number) * power) % MOD + MOD) % MOD;
    rolling = (rolling * BASE + (haystack[start + length] as number)) % MOD;
  }
  return found;
}

/** The decoded `user:password` of a Basic authorization value, or undefined. */
function basicCredentials(value: string): string | undefined {
  const match = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(value.trim());
  return match === null ? undefined : Buffer.from(match[1] as string, 'base64').toString('utf8');
}

/**
 * The first header that would leave for the upstream carrying a secret: a value (or, for
 * Basic authorization, its decoded credentials) that contains `sk-gw-` (a gateway key) or the
 * master key. Headers the gateway never forwards (host, cookie, forwarding headers) are not
 * looked at; credential headers and every other end-to-end header are.
 */
export function headerCarryingSecret(headers: IncomingHttpHeaders, options: { readonly keyPrefix: string; readonly masterKey: string | undefined }): string | undefined {
  for (const name of Object.keys(headers)) {
    if (!isForwardedRequestHeader(name) && name !== 'x-api-key' && name !== 'authorization') continue;
    const value = headers[name];
    if (value === undefined) continue;
    for (const text of Array.isArray(value) ? value : [value]) {
      const decoded = name === 'authorization' ? basicCredentials(text) : undefined;
      for (const candidate of decoded === undefined ? [text] : [text, decoded]) {
        if (candidate.includes(options.keyPrefix)) return name;
        if (options.masterKey !== undefined && containsSecret(candidate, options.masterKey)) return name;
      }
    }
  }
  return undefined;
}

/**
 * Whether a request target that would be forwarded (its path and query string) carries a
 * gateway key or the master key, as sent or after percent-decoding (repeatedly: `%252D` is
 * `-` to a server that decodes twice).
 */
export function targetCarriesSecret(target: string, options: { readonly keyPrefix: string; readonly masterKey: string | undefined }): boolean {
  return decodings(target).some((text) => text.includes(options.keyPrefix) || (options.masterKey !== undefined && containsSecret(text, options.masterKey)));
}
