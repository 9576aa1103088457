import type { Dispatcher } from 'undici';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { GatewayError } from '../../errors.ts';
import { readErrorText, sendUpstream, type RawUpstreamResponse } from '../../upstream/http.ts';
import { fromBedrockError } from './errors.ts';
import { awsCredentialProvider, bearerSigner, sigV4Signer, type RequestSigner } from './signing.ts';

/**
 * HTTP to the Bedrock runtime: endpoint per region (or the configured override), one keep-alive
 * pool per origin (an undici Agent), a request signer per region sharing one memoised credential
 * provider, and Bedrock's error responses turned into gateway errors.
 */

export type BedrockOperation = 'invoke' | 'invoke-with-response-stream' | 'converse' | 'converse-stream' | 'count-tokens';

export interface TransportOptions {
  readonly defaultRegion: string;
  readonly endpoint?: string;
  readonly apiKey?: string;
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly profile?: string;
  readonly roleArn?: string;
  readonly dispatcher: Dispatcher;
}

export interface BedrockHttpRequest {
  readonly region: string;
  /** Overrides the configured endpoint for this call (a route target's endpoint). */
  readonly endpoint?: string;
  /** The path with the model id already percent-encoded. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal: AbortSignal;
}

export class BedrockTransport {
  private readonly options: TransportOptions;
  private readonly signers = new Map<string, RequestSigner>();
  private credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;

  constructor(options: TransportOptions) {
    this.options = options;
  }

  /** The runtime base URL for `region`, e.g. https://bedrock-runtime.us-west-2.amazonaws.com. */
  endpointFor(region: string, override?: string): string {
    return override ?? this.options.endpoint ?? `https://bedrock-runtime.${region}.amazonaws.com`;
  }

  /** How requests are authorised: `bearer` (API key) or `sigv4`. */
  get authentication(): 'bearer' | 'sigv4' {
    return this.options.apiKey === undefined ? 'sigv4' : 'bearer';
  }

  /** Resolves the credentials once (they are memoised and refreshed by the provider). */
  async checkCredentials(): Promise<boolean> {
    if (this.options.apiKey !== undefined) return true;
    const credentials = this.credentialSource();
    try {
      if (typeof credentials === 'function') await credentials();
      return true;
    } catch {
      return false;
    }
  }

  async send(request: BedrockHttpRequest): Promise<RawUpstreamResponse> {
    const url = new URL(`${this.endpointFor(request.region, request.endpoint)}${request.path}`);
    let headers: Record<string, string>;
    try {
      headers = await this.signer(request.region)({ method: 'POST', url, headers: request.headers, body: request.body });
    } catch (error) {
      // The chain's message can name accounts and roles: it goes to the log (cause), not the client.
      throw new GatewayError('GW_UPSTREAM_CREDENTIALS', 'The gateway has no usable AWS credentials for Bedrock.', { provider: 'bedrock', cause: error });
    }
    return sendUpstream(this.options.dispatcher, { origin: url.origin, path: `${url.pathname}${url.search}`, method: 'POST', headers, body: request.body, signal: request.signal }, 'bedrock');
  }

  private credentialSource(): AwsCredentialIdentity | AwsCredentialIdentityProvider {
    this.credentials ??=
      this.options.credentials !== undefined && this.options.roleArn === undefined
        ? this.options.credentials
        : awsCredentialProvider({
            region: this.options.defaultRegion,
            ...(this.options.roleArn === undefined ? {} : { roleArn: this.options.roleArn }),
            ...(this.options.profile === undefined ? {} : { profile: this.options.profile }),
            ...(this.options.credentials === undefined ? {} : { masterCredentials: this.options.credentials }),
          });
    return this.credentials;
  }

  private signer(region: string): RequestSigner {
    let signer = this.signers.get(region);
    if (signer === undefined) {
      signer = this.options.apiKey === undefined ? sigV4Signer(region, this.credentialSource()) : bearerSigner(this.options.apiKey);
      this.signers.set(region, signer);
    }
    return signer;
  }
}

/** The AWS request id of a response, for logs and error messages. */
export function awsRequestId(headers: RawUpstreamResponse['headers']): string | undefined {
  const value = headers['x-amzn-requestid'];
  return typeof value === 'string' ? value : undefined;
}

/** Reads a failed Bedrock answer (at most 64 KB of its body) and maps it (errors.ts). */
export async function readBedrockError(response: RawUpstreamResponse): Promise<GatewayError> {
  return fromBedrockError(response.status, response.headers, await readErrorText(response));
}
