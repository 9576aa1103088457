import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { startTestGateway, useGatewayWithBedrock } from '../helpers/gateway.ts';

/**
 * Seeds 002 and 004 ran on Bedrock alone, with gateway keys and no Anthropic credential. Their
 * environment, unchanged (AUTH_MODE=keys through REQUIRE_API_KEY, AWS credentials, no
 * ANTHROPIC_API_KEY), must serve Claude model ids: the gateway, which would call Anthropic with
 * its own credential and has none, leaves Anthropic out of the chain while Bedrock can answer.
 */

const MASTER = 'sk-master-keys-without-anthropic';
const context = useGatewayWithBedrock({ REQUIRE_API_KEY: 'true', MASTER_API_KEY: MASTER });

async function createKey(): Promise<string> {
  const response = await fetch(`${context.gateway.url}/admin/keys`, { method: 'POST', headers: { 'x-api-key': MASTER, 'content-type': 'application/json' }, body: JSON.stringify({ user_id: 'alice', name: 'seed-004' }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

describe('keys mode without an Anthropic credential (seeds 002/004)', () => {
  it('serves a Claude model id from Bedrock, through the official SDK, streaming and not', async () => {
    const client = new Anthropic({ baseURL: context.gateway.url, apiKey: await createKey(), maxRetries: 0 });
    const message = await client.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });
    expect(message.type).toBe('message');
    const streamed = await client.messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(streamed.type).toBe('message');
    expect(context.fake.requests).toHaveLength(0);
    expect(context.bedrock.requests).toHaveLength(2);
    expect(context.bedrock.last()).toMatchObject({ modelId: 'global.anthropic.claude-sonnet-5-5', signatureValid: true });
  });

  it('says so in x-gateway-provider, with no fallback: Anthropic was never a candidate', async () => {
    const response = await fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': await createKey() },
      body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-provider')).toBe('bedrock');
    expect(response.headers.get('x-gateway-fallback')).toBeNull();
    expect(context.fake.requests).toHaveLength(0);
  });
});

describe('keys mode without an Anthropic credential and nothing else to serve', () => {
  it('answers 500 GW_UPSTREAM_CREDENTIAL_MISSING with x-should-retry: false, so the SDK does not retry what an operator must fix', async () => {
    const gateway = await startTestGateway({ ANTHROPIC_API_BASE: context.fake.url, AUTH_MODE: 'keys', MASTER_API_KEY: MASTER, BEDROCK_ENABLED: 'false' });
    try {
      let calls = 0;
      const counting: typeof fetch = (input, init) => {
        calls++;
        return fetch(input, init);
      };
      const client = new Anthropic({ baseURL: gateway.url, apiKey: MASTER, maxRetries: 2, fetch: counting });
      const failure = await client.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Anthropic.InternalServerError);
      expect((failure as InstanceType<typeof Anthropic.InternalServerError>).message).toContain('ANTHROPIC_API_KEY');
      expect(calls).toBe(1);
      expect(context.fake.requests).toHaveLength(0);
    } finally {
      await gateway.close();
    }
  });
});
