import type { IncomingHttpHeaders } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { decodings } from '../../request/percent-decode.ts';

/**
 * What goes upstream to Anthropic, as pure functions: which request headers are forwarded,
 * which credential is used, and the OAuth beta. Every end-to-end header is forwarded verbatim
 * (an open list: future `anthropic-*` headers need no release); hop-by-hop headers, the client's
 * host and forwarding headers are not; exactly one credential header leaves.
 */

export const OAUTH_BETA = 'oauth-2025-04-20';
const OAUTH_TOKEN_PREFIX = 'sk-ant-oat';

const notForwarded = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'expect',
  'cookie',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-real-ip',
  'x-api-key',
  'authorization',
]);

export interface GatewayCredentials {
  readonly api_key?: string | undefined;
  readonly auth_token?: string | undefined;
  readonly oauth_token?: string | undefined;
}

export interface UpstreamCredential {
  readonly header: 'x-api-key' | 'authorization';
  readonly value: string;
  /** An OAuth access token: sent as Bearer, with the OAuth beta added. */
  readonly oauth: boolean;
  readonly source: 'client' | 'gateway';
}

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

function fromToken(token: string, header: 'x-api-key' | 'authorization', source: 'client' | 'gateway'): UpstreamCredential {
  if (token.startsWith(OAUTH_TOKEN_PREFIX)) return { header: 'authorization', value: `Bearer ${token}`, oauth: true, source };
  return header === 'x-api-key' ? { header, value: token, oauth: false, source } : { header, value: `Bearer ${token}`, oauth: false, source };
}

/**
 * The client's credential as it sent it (x-api-key first, then Authorization), an OAuth token
 * moved to Bearer wherever it came; otherwise the gateway's own, in the order API key, auth
 * token, OAuth token. Undefined when there is none.
 */
export function resolveCredential(headers: IncomingHttpHeaders, gateway: GatewayCredentials): UpstreamCredential | undefined {
  const apiKey = single(headers['x-api-key']);
  if (apiKey !== undefined) return fromToken(apiKey, 'x-api-key', 'client');
  const authorization = single(headers.authorization);
  if (authorization !== undefined) {
    const token = bearerToken(authorization);
    if (token === undefined) return { header: 'authorization', value: authorization, oauth: false, source: 'client' };
    return fromToken(token, 'authorization', 'client');
  }
  if (gateway.api_key !== undefined) return fromToken(gateway.api_key, 'x-api-key', 'gateway');
  if (gateway.auth_token !== undefined) return fromToken(gateway.auth_token, 'authorization', 'gateway');
  if (gateway.oauth_token !== undefined) return fromToken(gateway.oauth_token, 'authorization', 'gateway');
  return undefined;
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
    if (notForwarded.has(name) && name !== 'x-api-key' && name !== 'authorization') continue;
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

/** Appends the OAuth beta to the client's list unless present; never replaces the list. */
export function withOAuthBeta(beta: string | undefined): string {
  if (beta === undefined || beta.trim() === '') return OAUTH_BETA;
  const present = beta.split(',').some((value) => value.trim().toLowerCase() === OAUTH_BETA);
  return present ? beta : `${beta},${OAUTH_BETA}`;
}

export interface UpstreamHeaderOptions {
  readonly credential: UpstreamCredential;
  /** Ask for an uncompressed response (streams are framed by event, so they must be readable). */
  readonly identityEncoding: boolean;
}

/** The headers sent to Anthropic. A new object every call: nothing is shared between requests. */
export function toAnthropicHeaders(incoming: IncomingHttpHeaders, options: UpstreamHeaderOptions): Record<string, string> {
  const connectionTokens = single(incoming.connection)?.toLowerCase().split(',').map((token) => token.trim()) ?? [];
  const outgoing: Record<string, string> = {};
  for (const name of Object.keys(incoming)) {
    if (notForwarded.has(name) || connectionTokens.includes(name)) continue;
    const value = incoming[name];
    if (value === undefined) continue;
    outgoing[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (options.identityEncoding) outgoing['accept-encoding'] = 'identity';
  outgoing[options.credential.header] = options.credential.value;
  if (options.credential.oauth) outgoing['anthropic-beta'] = withOAuthBeta(outgoing['anthropic-beta']);
  return outgoing;
}

const responseNotForwarded = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
]);

/** Upstream response headers relayed to the client: all but hop-by-hop and cookies. */
export function toClientHeaders(
  upstream: Readonly<Record<string, string | string[] | undefined>>,
  options: { readonly dropContentLength: boolean },
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name of Object.keys(upstream)) {
    const value = upstream[name];
    if (value === undefined || responseNotForwarded.has(name)) continue;
    if (options.dropContentLength && name === 'content-length') continue;
    headers[name] = value;
  }
  return headers;
}
