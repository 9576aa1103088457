import type { IncomingHttpHeaders } from 'node:http';

/**
 * Which headers cross the gateway, for every HTTP upstream: request headers that never go
 * upstream (hop-by-hop, the client's host, forwarding headers, cookies and the credential
 * headers, which a provider sets itself), and response headers that never go back to the client
 * (hop-by-hop, cookies). Every other end-to-end header crosses verbatim (an open list: future
 * `anthropic-*` headers need no release). Pure.
 */

const notForwarded: ReadonlySet<string> = new Set([
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

/** Whether a client request header may go upstream (`connection` names more hop-by-hop ones per request). */
export function isForwardedRequestHeader(name: string, connectionTokens: readonly string[] = []): boolean {
  return !notForwarded.has(name) && !connectionTokens.includes(name);
}

/** The request headers to forward, by name (credential headers are the provider's to add). */
export function forwardedRequestHeaders(incoming: IncomingHttpHeaders): string[] {
  const tokens = incoming.connection?.toLowerCase().split(',').map((token) => token.trim()) ?? [];
  return Object.keys(incoming).filter((name) => isForwardedRequestHeader(name, tokens));
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
