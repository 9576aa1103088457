import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { GatewayConfig } from '../../config/schema.ts';
import { GatewayError } from '../../errors.ts';
import { createDispatcher, sendUpstream, type RawUpstreamResponse } from '../../upstream/http.ts';
import { resolveCredential, toAnthropicHeaders, type UpstreamCredential } from './headers.ts';

/**
 * The Anthropic passthrough transport: the only file of this provider that does I/O. The body
 * bytes go out exactly as received; the response comes back raw for the relay.
 */

export interface AnthropicRequest {
  readonly method: 'GET' | 'POST';
  /** The API path, e.g. `/v1/messages` (the `/user/{id}` prefix already removed). */
  readonly path: string;
  /** The query string with its `?`, or ''. Kept as the client sent it. */
  readonly search: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer | undefined;
  /**
   * The gateway reads the answer (a stream's events, a Message's usage for accounting): ask for
   * `accept-encoding: identity` whatever the client accepts (issue 10 A1).
   */
  readonly uncompressed: boolean;
  readonly signal: AbortSignal;
}

export class AnthropicProvider {
  readonly name = 'anthropic';
  private readonly config: GatewayConfig['anthropic'];
  private readonly origin: string;
  private readonly basePath: string;
  private readonly dispatcher: Dispatcher;

  constructor(config: GatewayConfig['anthropic'], dispatcher?: Dispatcher) {
    this.config = config;
    const base = new URL(config.base_url);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.dispatcher =
      dispatcher ??
      createDispatcher({
        connectTimeoutMs: config.connect_timeout_ms,
        headersTimeoutMs: config.headers_timeout_ms,
        idleTimeoutMs: config.idle_timeout_ms,
        keepAliveMs: config.keep_alive_ms,
      });
  }

  /** The credential that would go upstream for these client headers, if any. */
  credentialFor(headers: IncomingHttpHeaders): UpstreamCredential | undefined {
    return resolveCredential(headers, this.config);
  }

  async send(request: AnthropicRequest): Promise<RawUpstreamResponse> {
    const credential = this.credentialFor(request.headers);
    if (credential === undefined) {
      throw new GatewayError(
        'GW_NO_CREDENTIAL',
        'No credential: send x-api-key or Authorization: Bearer, or configure ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN on the gateway.',
        { provider: this.name },
      );
    }
    // Only a path on the configured base: never an absolute URI or `//host` a client wrote.
    if (!request.path.startsWith('/') || request.path.startsWith('//')) {
      throw new GatewayError('GW_BAD_REQUEST_TARGET', 'The request target must be a path (origin-form, such as /v1/messages).', { provider: this.name });
    }
    const headers = toAnthropicHeaders(request.headers, { credential, identityEncoding: request.uncompressed });
    return sendUpstream(this.dispatcher, { origin: this.origin, path: `${this.basePath}${request.path}${request.search}`, method: request.method, headers, body: request.body, signal: request.signal }, this.name);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
