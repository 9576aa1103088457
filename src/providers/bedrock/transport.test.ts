import { Readable } from 'node:stream';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { readErrorText, type RawUpstreamResponse } from '../../upstream/http.ts';
import { BedrockTransport, readBedrockError } from './transport.ts';

const dispatcher = new Agent();

function response(status: number, headers: Record<string, string>, body: string | Buffer): RawUpstreamResponse {
  return { status, headers, body: Readable.from([Buffer.from(body)]) as unknown as RawUpstreamResponse['body'] };
}

describe('BedrockTransport', () => {
  it('uses the regional endpoint unless one is configured or given per target', () => {
    const regional = new BedrockTransport({ defaultRegion: 'us-east-1', dispatcher, apiKey: 'k' });
    expect(regional.endpointFor('eu-west-1')).toBe('https://bedrock-runtime.eu-west-1.amazonaws.com');
    expect(regional.endpointFor('eu-west-1', 'https://vpce.example')).toBe('https://vpce.example');
    expect(new BedrockTransport({ defaultRegion: 'us-east-1', dispatcher, endpoint: 'http://127.0.0.1:1' }).endpointFor('eu-west-1')).toBe('http://127.0.0.1:1');
  });

  it('reports missing credentials with a fixed message, keeping the chain’s words for the log only', async () => {
    const failing = async () => {
      throw new Error('Could not load credentials: role arn:aws:iam::444455556666:role/secret-name denied');
    };
    const transport = new BedrockTransport({ defaultRegion: 'us-east-1', dispatcher, credentials: failing });
    const error = await transport
      .send({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', path: '/model/x/invoke', headers: {}, body: '{}', signal: new AbortController().signal })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'GW_UPSTREAM_CREDENTIALS', status: 500, message: 'The gateway has no usable AWS credentials for Bedrock.' });
    expect(((error as { cause: Error }).cause).message).toContain('444455556666');
    expect(await transport.checkCredentials()).toBe(false);
  });
});

describe('reading Bedrock errors', () => {
  it('maps by x-amzn-ErrorType, then __type, then the status', async () => {
    expect(await readBedrockError(response(429, { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/' }, '{"message":"slow down"}'))).toMatchObject({ status: 429, message: 'slow down' });
    expect(await readBedrockError(response(400, {}, '{"__type":"com.amazon.coral.validate#ValidationException","Message":"bad"}'))).toMatchObject({ status: 400, message: 'bad' });
    expect(await readBedrockError(response(503, {}, '<html>proxy</html>'))).toMatchObject({ status: 529, type: 'overloaded_error' });
  });

  it('reads at most the cap of an error body', async () => {
    expect(await readErrorText(response(500, {}, Buffer.alloc(200_000, 97)), 1_000)).toHaveLength(1_000);
  });
});
