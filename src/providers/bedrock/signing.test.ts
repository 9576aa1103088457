import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { awsCredentialProvider, bearerSigner, sigV4Signer } from './signing.ts';

const example = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe('sigV4Signer', () => {
  it('matches the AWS SigV4 test suite vector "get-vanilla"', async () => {
    vi.useFakeTimers({ now: new Date('2015-08-30T12:36:00Z'), toFake: ['Date'] });
    const sign = sigV4Signer('us-east-1', example, 'service');
    const headers = await sign({ method: 'GET', url: new URL('https://example.amazonaws.com/'), headers: {}, body: '' });
    expect(headers).toEqual({
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    });
  });

  it('signs a Bedrock request with the session token, the body and an encoded model id', async () => {
    const sign = sigV4Signer('us-west-2', { ...example, sessionToken: 'session-token' });
    const url = new URL('https://bedrock-runtime.us-west-2.amazonaws.com/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke-with-response-stream');
    const headers = await sign({ method: 'POST', url, headers: { 'content-type': 'application/json', accept: 'application/vnd.amazon.eventstream' }, body: '{"max_tokens":1}' });
    expect(headers).toMatchObject({ host: 'bedrock-runtime.us-west-2.amazonaws.com', 'x-amz-security-token': 'session-token', 'content-type': 'application/json' });
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
    const other = await sign({ method: 'POST', url, headers: { 'content-type': 'application/json', accept: 'application/vnd.amazon.eventstream' }, body: '{"max_tokens":2}' });
    expect(other.authorization).not.toBe(headers.authorization);
  });
});

describe('bearerSigner', () => {
  it('adds the Bedrock API key as Bearer and nothing else', async () => {
    const headers = await bearerSigner('bedrock-api-key-123')({ method: 'POST', url: new URL('https://bedrock-runtime.us-east-1.amazonaws.com/model/x/invoke'), headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer bedrock-api-key-123' });
  });
});

describe('awsCredentialProvider', () => {
  it('reads environment credentials through the standard chain', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIATESTCHAIN');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-from-env');
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    const credentials = await awsCredentialProvider({ region: 'us-east-1' })();
    expect(credentials).toMatchObject({ accessKeyId: 'AKIATESTCHAIN', secretAccessKey: 'secret-from-env' });
  });
});

describe('awsCredentialProvider with a cross-account role', () => {
  it('assumes the role once and reuses the credentials until they near expiry', async () => {
    let calls = 0;
    const sts = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        calls++;
        const expiration = new Date(Date.now() + 3_600_000).toISOString();
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end(
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>assumed-token</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::444455556666:assumed-role/BedrockAccessRole/claude-gateway</Arn><AssumedRoleId>AROAEXAMPLE:claude-gateway</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
        );
      });
    });
    await new Promise<void>((resolve) => sts.listen(0, '127.0.0.1', resolve));
    try {
      const provider = awsCredentialProvider({
        region: 'us-east-1',
        roleArn: 'arn:aws:iam::444455556666:role/BedrockAccessRole',
        masterCredentials: { accessKeyId: 'AKIDMASTER', secretAccessKey: 'master-secret' },
        stsEndpoint: `http://127.0.0.1:${(sts.address() as AddressInfo).port}`,
      });
      const first = await provider();
      for (let index = 0; index < 4; index++) await provider();
      expect(first).toMatchObject({ accessKeyId: 'ASIAASSUMED', secretAccessKey: 'assumed-secret', sessionToken: 'assumed-token' });
      expect(calls).toBe(1);
    } finally {
      sts.close();
    }
  });
});
