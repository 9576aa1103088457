import type { RawUpstreamResponse } from '../upstream/http.ts';
import type { TokenUsage } from '../usage/usage.ts';

/**
 * What a provider hands back to the HTTP layer for a Messages call. Anthropic-family upstreams
 * that already speak the Anthropic wire format are relayed byte for byte (`raw`); translated
 * providers return a finished Anthropic JSON body (`json`) or an async iterable of Anthropic SSE
 * text (`events`), whose failures are thrown GatewayErrors.
 */
export type ProviderResponse =
  | { readonly kind: 'raw'; readonly upstream: RawUpstreamResponse; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'json'; readonly body: string | Buffer; readonly headers: Readonly<Record<string, string>>; /** When the provider already has it (no second parse). */ readonly usage?: TokenUsage }
  | { readonly kind: 'events'; readonly events: AsyncIterable<string>; readonly headers: Readonly<Record<string, string>> };
