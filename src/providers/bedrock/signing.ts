import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * How requests to Bedrock are authorised: SigV4 (service `bedrock`) with the standard AWS
 * credential chain (environment keys, AWS_PROFILE and shared config, SSO, container and instance
 * roles), optionally through a cross-account role; or a Bedrock API key as Bearer. The chain is
 * the SDK's own, memoised: credentials are fetched once and refreshed before they expire, never
 * per request. The client's Anthropic credential never reaches this module.
 */

export interface SignableRequest {
  readonly method: string;
  readonly url: URL;
  /** Headers to sign and send (lowercase names); `host` is added. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | string;
}

/** Returns the complete headers to send for `request`. */
export type RequestSigner = (request: SignableRequest) => Promise<Record<string, string>>;

export interface CredentialOptions {
  readonly region: string;
  /** `BEDROCK_CROSS_ACCOUNT_ROLE_ARN`: assume this role with the chain's credentials. */
  readonly roleArn?: string;
  /** A profile of the shared config files (`AWS_PROFILE`). */
  readonly profile?: string;
  /** Credentials to assume the role with, instead of the chain (static keys from configuration). */
  readonly masterCredentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** An STS endpoint instead of the regional one (VPC endpoints, tests). */
  readonly stsEndpoint?: string;
}

export function awsCredentialProvider(options: CredentialOptions): AwsCredentialIdentityProvider {
  const chain = options.masterCredentials ?? fromNodeProviderChain(options.profile === undefined ? {} : { profile: options.profile });
  if (options.roleArn === undefined) {
    return typeof chain === 'function' ? chain : async () => chain;
  }
  // fromTemporaryCredentials calls STS on every invocation: memoise it, refreshing before expiry.
  const assumed = fromTemporaryCredentials({
    masterCredentials: chain,
    params: { RoleArn: options.roleArn, RoleSessionName: 'claude-gateway' },
    clientConfig: { region: options.region, ...(options.stsEndpoint === undefined ? {} : { endpoint: options.stsEndpoint }) },
  });
  return memoizeIdentityProvider(assumed, isIdentityExpired, doesIdentityRequireRefresh) as AwsCredentialIdentityProvider;
}

export function sigV4Signer(region: string, credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider, service = 'bedrock'): RequestSigner {
  const signer = new SignatureV4({ credentials, region, service, sha256: Hash.bind(null, 'sha256'), applyChecksum: false });
  return async (request) => {
    const query: Record<string, string> = {};
    for (const [key, value] of request.url.searchParams) query[key] = value;
    const signed = await signer.sign({
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      ...(request.url.port === '' ? {} : { port: Number(request.url.port) }),
      // The path as it goes on the wire (a `:` in a model id is already %3A); the signer applies
      // the second encoding AWS expects in the canonical request for non-S3 services.
      path: request.url.pathname,
      query,
      headers: { ...request.headers, host: request.url.host },
      body: request.body,
    });
    return signed.headers;
  };
}

/** A Bedrock API key (`AWS_BEARER_TOKEN_BEDROCK`), sent as `Authorization: Bearer`. */
export function bearerSigner(apiKey: string): RequestSigner {
  return async (request) => ({ ...request.headers, authorization: `Bearer ${apiKey}` });
}
