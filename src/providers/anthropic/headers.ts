import type { IncomingHttpHeaders } from 'node:http';
import { bearerToken, single } from '../../request/credential-headers.ts';
import { forwardedRequestHeaders } from '../../upstream/forwarded-headers.ts';

/**
 * What goes upstream to Anthropic, as pure functions: which credential is used, the OAuth beta,
 * and the forwarded headers (upstream/forwarded-headers.ts says which cross); exactly one
 * credential header leaves.
 */

export const OAUTH_BETA = 'oauth-2025-04-20';
const OAUTH_TOKEN_PREFIX = 'sk-ant-oat';

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
  const outgoing: Record<string, string> = {};
  for (const name of forwardedRequestHeaders(incoming)) {
    const value = incoming[name];
    if (value === undefined) continue;
    outgoing[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (options.identityEncoding) outgoing['accept-encoding'] = 'identity';
  outgoing[options.credential.header] = options.credential.value;
  if (options.credential.oauth) outgoing['anthropic-beta'] = withOAuthBeta(outgoing['anthropic-beta']);
  return outgoing;
}
