import type { Dispatcher } from 'undici';
import type { OpenAIEndpoint } from '../../config/schema-openai.ts';
import { GatewayError } from '../../errors.ts';
import { createDispatcher, sendUpstream, type RawUpstreamResponse } from '../../upstream/http.ts';

/**
 * The OpenAI-compatible transport: the only file of this provider folder that does I/O. One
 * keep-alive pool per endpoint; every request carries the gateway's own key for the endpoint
 * (`Authorization: Bearer`), never a credential of the client's, and the endpoint's extra
 * headers. A 401 from the provider is therefore the gateway's problem (errors.ts), and nothing
 * the client sent reaches the provider but the converted body.
 */

export class OpenAICompatibleTransport {
  readonly name: string;
  private readonly endpoint: OpenAIEndpoint;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly dispatcher: Dispatcher;

  constructor(endpoint: OpenAIEndpoint, dispatcher?: Dispatcher) {
    this.name = endpoint.name;
    this.endpoint = endpoint;
    const base = new URL(endpoint.base_url);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.dispatcher =
      dispatcher ??
      createDispatcher({
        connectTimeoutMs: endpoint.connect_timeout_ms,
        headersTimeoutMs: endpoint.headers_timeout_ms,
        idleTimeoutMs: endpoint.idle_timeout_ms,
        keepAliveMs: endpoint.keep_alive_ms,
      });
  }

  /** POSTs a Chat Completions body; the answer comes back raw (the provider reads it). */
  async chatCompletions(body: string | Buffer, stream: boolean, signal: AbortSignal): Promise<RawUpstreamResponse> {
    const key = this.endpoint.api_key;
    // A built-in provider always needs a key; a local endpoint (vLLM, Ollama) may take none.
    if (key === undefined && this.endpoint.builtin) {
      throw new GatewayError('GW_UPSTREAM_CREDENTIALS', `The gateway has no key for ${this.name} (set ${this.name.toUpperCase()}_API_KEY or openai_compatible.${this.name}.api_key).`, { provider: this.name });
    }
    const headers: Record<string, string> = {
      ...this.endpoint.headers,
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      'accept-encoding': 'identity',
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
    };
    return sendUpstream(this.dispatcher, { origin: this.origin, path: `${this.basePath}/chat/completions`, method: 'POST', headers, body, signal }, this.name);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
