import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
import { FakeBedrock, messagesScenario } from '../fakes/bedrock.ts';
import { awsEnvironment, startTestGateway, useGatewayWithBedrock } from '../helpers/gateway.ts';

/**
 * Bedrock features around the call: configured routes and catalog mappings, service tiers,
 * count_tokens, the model list, the native Messages API, API-key authentication, size limits.
 */

const context = useGatewayWithBedrock(
  { DEFAULT_SERVICE_TIER: 'flex' },
  {
    routes: [
      { match: 'claude-sonnet-4-5*', targets: [{ provider: 'bedrock', region: 'eu-west-1' }] },
      { match: 'claude-opus-4-7', targets: [{ provider: 'bedrock', api: 'messages', service_tier: 'default' }] },
      { match: 'team-coder', targets: [{ provider: 'bedrock', model: 'qwen.qwen3-coder-480b-a35b-v1:0', service_tier: 'priority' }] },
      { match: 'claude-mythos-*', targets: [{ provider: 'bedrock' }] },
      { match: 'eu.anthropic.*', targets: [{ provider: 'anthropic' }] },
      { match: 'sonnet-latest', targets: [{ provider: 'anthropic', model: 'claude-sonnet-5-5' }] },
    ],
  },
  { region: 'eu-west-1' },
);

function client(): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-api03-client', baseURL: context.gateway.url, maxRetries: 0 });
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${context.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-client', ...headers }, body: JSON.stringify(body) });
}

describe('routes and the model catalog', () => {
  it('serves a routed Anthropic id from the inference profile of the target region, with the configured tier', async () => {
    const message = await client().messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const request = context.bedrock.last();
    expect(request.modelId).toBe('eu.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(request.signatureValid).toBe(true);
    expect(request.serviceTier).toBe('flex');
    expect(message.content).toEqual([{ type: 'text', text: expect.any(String) }]);
    expect(context.fake.requests).toHaveLength(0);
  });

  it('leaves unrouted models on Anthropic', async () => {
    await client().messages.create({ model: 'claude-opus-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(context.fake.requests).toHaveLength(1);
    expect(context.bedrock.requests).toHaveLength(0);
  });

  it('sends a Bedrock-form Claude id routed to Anthropic under its Anthropic id, the rest of the body unchanged', async () => {
    const body = { model: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], future_field: { kept: [1, 2.5] } };
    const response = await post('/v1/messages', body);
    expect(response.status).toBe(200);
    expect(JSON.parse(context.fake.last().body.toString('utf8'))).toEqual({ ...body, model: 'claude-haiku-4-5-20251001' });
    const alias = await post('/v1/messages', { ...body, model: 'sonnet-latest' });
    expect(alias.status).toBe(200);
    expect(JSON.parse(context.fake.last().body.toString('utf8'))).toMatchObject({ model: 'claude-sonnet-5-5' });
    expect(context.bedrock.requests).toHaveLength(0);
  });

  it('answers 404 naming a routed model Bedrock does not serve, without calling anyone', async () => {
    const response = await post('/v1/messages', { model: 'claude-mythos-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { type: string; message: string } }).error).toMatchObject({ type: 'not_found_error', message: expect.stringContaining('claude-mythos-5') });
    expect(context.bedrock.requests).toHaveLength(0);
    expect(context.fake.requests).toHaveLength(0);
  });

  it('serves an alias routed to a Converse model, answering with the name the client used', async () => {
    const message = await client().messages.create({ model: 'team-coder', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(context.bedrock.last()).toMatchObject({ operation: 'converse', modelId: 'qwen.qwen3-coder-480b-a35b-v1:0', serviceTier: 'priority' });
    expect(message.model).toBe('team-coder');
  });
});

describe('service tiers', () => {
  it('retries once at the default tier when the model rejects the configured one, and reports the tier used', async () => {
    context.bedrock.rejectServiceTiers = ['flex'];
    const response = await post('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-service-tier')).toBe('default');
    expect(context.bedrock.requests.map((request) => request.serviceTier ?? 'default')).toEqual(['flex', 'default']);
  });

  it('does not retry other validation errors', async () => {
    context.bedrock.enqueue({ kind: 'exception', name: 'ValidationException', message: 'messages: field required', status: 400 });
    const response = await post('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [] });
    expect(response.status).toBe(400);
    expect(context.bedrock.requests).toHaveLength(1);
  });

  it('reports the tier Bedrock served for Converse streams too', async () => {
    const response = await post('/v1/messages', { model: 'team-coder', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.headers.get('x-gateway-service-tier')).toBe('priority');
    expect(decodeSse(await response.text()).at(-1)?.event).toBe('message_stop');
  });
});

describe('count_tokens', () => {
  it('uses Bedrock CountTokens for Claude, with the InvokeModel body at the base model id', async () => {
    const params = { model: 'claude-sonnet-4-5', messages: [{ role: 'user' as const, content: 'How many tokens is this?' }], system: 'Be brief.' };
    const counted = await client().messages.countTokens(params);
    const request = context.bedrock.last();
    expect(request.operation).toBe('count-tokens');
    expect(request.modelId).toBe('anthropic.claude-sonnet-4-5-20250929-v1:0');
    const invokeBody = JSON.parse(Buffer.from((request.json as { input: { invokeModel: { body: string } } }).input.invokeModel.body, 'base64').toString('utf8')) as Record<string, unknown>;
    expect(invokeBody).toEqual({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 1, messages: params.messages, system: 'Be brief.' });
    expect(counted.input_tokens).toBe(Math.ceil(Buffer.byteLength(JSON.stringify(invokeBody)) / 4));
  });

  it('estimates when Bedrock CountTokens fails, and says so', async () => {
    context.bedrock.enqueue({ kind: 'exception', name: 'ValidationException', message: 'The provided model does not support counting tokens.', status: 400 });
    const response = await post('/v1/messages/count_tokens', { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x'.repeat(400) }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-token-count')).toBe('estimate');
    expect(await response.json()).toEqual({ input_tokens: 104 });
    expect(context.gateway.logs.some((line) => line.includes('Bedrock CountTokens failed'))).toBe(true);
  });

  it('estimates for Converse models, and says so', async () => {
    const response = await post('/v1/messages/count_tokens', { model: 'team-coder', messages: [{ role: 'user', content: 'x'.repeat(400) }] });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-token-count')).toBe('estimate');
    expect(await response.json()).toEqual({ input_tokens: 104 });
    expect(context.bedrock.requests).toHaveLength(0);
  });
});

describe('the model list', () => {
  it('lists what Anthropic lists for the client, then what only Bedrock serves, paginated', async () => {
    const all: string[] = [];
    for await (const model of client().models.list({ limit: 7 })) all.push(model.id);
    expect(all.slice(0, 3)).toEqual(['claude-opus-5-5', 'claude-sonnet-5-5', 'claude-haiku-5-5']);
    expect(all).toContain('claude-3-7-sonnet-20250219');
    expect(all).toContain('qwen.qwen3-coder-480b-a35b-v1:0');
    expect(all).toContain('amazon.nova-pro-v1:0');
    expect(new Set(all).size).toBe(all.length);
    expect(all).not.toContain('claude-mythos-5');
  });

  it('logs and counts the lists it answers itself', async () => {
    await fetch(`${context.gateway.url}/v1/models`);
    expect(context.gateway.logs.some((line) => line.includes('"path":"/v1/models"') && line.includes('"provider":"gateway"'))).toBe(true);
    expect(await (await fetch(`${context.gateway.url}/metrics`)).text()).toMatch(/gateway_requests_total\{route="models",provider="gateway",status_class="2xx"\} [1-9]/);
  });

  it('asks Anthropic for an uncompressed list whatever the client accepts', async () => {
    const response = await fetch(`${context.gateway.url}/v1/models?limit=1000`, { headers: { 'x-api-key': 'k', 'accept-encoding': 'gzip, deflate, br, zstd' } });
    expect(response.status).toBe(200);
    expect(context.fake.last().headers['accept-encoding']).toBe('identity');
  });

  it('still lists Bedrock models when the client has no Anthropic credential', async () => {
    const response = await fetch(`${context.gateway.url}/v1/models?limit=1000`);
    const page = (await response.json()) as { data: { id: string }[] };
    expect(page.data.map((model) => model.id)).toContain('claude-sonnet-4-5-20250929');
    expect(context.fake.requests).toHaveLength(0);
  });

  it('describes a Bedrock model by its id', async () => {
    const model = await client().models.retrieve('us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(model).toMatchObject({ type: 'model', id: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', display_name: 'Claude Haiku 4.5' });
    expect((await client().models.retrieve('claude-sonnet-5-5')).id).toBe('claude-sonnet-5-5');
    expect(context.fake.requests).toHaveLength(1);
  });
});

describe('the native Messages API on Bedrock', () => {
  it('sends the Anthropic body with the Bedrock id and relays the SSE unchanged', async () => {
    context.bedrock.enqueue(messagesScenario('tool-use', true, 'eu.anthropic.claude-opus-4-7'));
    const stream = client().messages.stream({ model: 'claude-opus-4-7', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'anthropic-beta': 'context-1m-2025-08-07,claude-code-20250219' } });
    const message = await stream.finalMessage();
    const request = context.bedrock.last();
    expect(request).toMatchObject({ operation: 'messages', path: '/anthropic/v1/messages', auth: 'sigv4', signatureValid: true });
    expect(request.json).toEqual({ model: 'eu.anthropic.claude-opus-4-7', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(request.headers['anthropic-beta']).toBe('context-1m-2025-08-07');
    expect(request.headers['anthropic-version']).toBe('2023-06-01');
    expect(message.content.map((block) => block.type)).toEqual(['text', 'tool_use', 'tool_use']);
  });
});

describe('limits and authentication', () => {
  it('refuses a body over Bedrock’s 20 MB limit before calling it', async () => {
    const response = await post('/v1/messages', { model: 'team-coder', max_tokens: 10, messages: [{ role: 'user', content: 'x'.repeat(21 * 1024 * 1024) }] });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('request_too_large');
    expect(context.bedrock.requests).toHaveLength(0);
  });

  it('uses a Bedrock API key as Bearer when one is configured', async () => {
    const bedrock = await FakeBedrock.start({ apiKey: 'bedrock-api-key-123' });
    const gateway = await startTestGateway({ BEDROCK_ENDPOINT: bedrock.url, AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key-123' });
    try {
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-ant-oat01-client-oauth' },
        body: JSON.stringify({ model: 'qwen.qwen3-32b-v1:0', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(200);
      expect(bedrock.last()).toMatchObject({ auth: 'bearer', signatureValid: true });
      expect(bedrock.last().headers.authorization).toBe('Bearer bedrock-api-key-123');
    } finally {
      await gateway.close();
      await bedrock.close();
    }
  });

  it('signs with a session token when the keys are temporary', async () => {
    const credentials = { accessKeyId: 'ASIATEMPORARY', secretAccessKey: 'temporary-secret', sessionToken: 'session-token-value' };
    const bedrock = await FakeBedrock.start({ credentials });
    const gateway = await startTestGateway(awsEnvironment(bedrock));
    try {
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
        body: JSON.stringify({ model: 'qwen.qwen3-32b-v1:0', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(200);
      expect(bedrock.last()).toMatchObject({ auth: 'sigv4', signatureValid: true });
      expect(bedrock.last().headers['x-amz-security-token']).toBe('session-token-value');
    } finally {
      await gateway.close();
      await bedrock.close();
    }
  });
});

describe('image URLs', () => {
  it('are refused by name while URL fetching is off, and inlined as bytes when it is on', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const images = createServer((_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png));
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(images.address() as AddressInfo).port}/cat.png`;
    const body = { model: 'amazon.nova-pro-v1:0', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url } }, { type: 'text', text: 'What is it?' }] }] };
    const off = await post('/v1/messages', body);
    expect(off.status).toBe(400);
    expect(((await off.json()) as { error: { message: string } }).error.message).toMatch(/messages\.0\.content\.0/);
    const gateway = await startTestGateway({ ...awsEnvironment(context.bedrock), URL_FETCH_ENABLED: 'true' }, { 'url_fetch.allow_private_hosts': ['127.0.0.1'] });
    try {
      const on = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'k' }, body: JSON.stringify(body) });
      expect(on.status).toBe(200);
      const sent = context.bedrock.last().json as { messages: { content: unknown[] }[] };
      expect(sent.messages[0]?.content[0]).toEqual({ image: { format: 'png', source: { bytes: png.toString('base64') } } });
    } finally {
      await gateway.close();
      images.close();
    }
  });
});

describe('secrets (X1) on the Bedrock path', () => {
  it('AWS secrets and the client credential appear in no log line, error body or debug output', async () => {
    const canary = { secret: 'CANARY-aws-secret-5e1d9a', token: 'CANARY-session-token-77b2', client: 'sk-ant-api03-CANARY-client-c0ffee' };
    const bedrock = await FakeBedrock.start({ credentials: { accessKeyId: 'ASIACANARY', secretAccessKey: canary.secret, sessionToken: canary.token } });
    const gateway = await startTestGateway({ ...awsEnvironment(bedrock) });
    try {
      const bodies: string[] = [];
      const send = async (model: string, stream: boolean) => {
        const response = await fetch(`${gateway.url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': canary.client },
          body: JSON.stringify({ model, max_tokens: 10, stream, messages: [{ role: 'user', content: 'hi' }] }),
        });
        bodies.push(await response.text());
      };
      await send('qwen.qwen3-32b-v1:0', false);
      await send('us.anthropic.claude-haiku-4-5-20251001-v1:0', true);
      bedrock.enqueue({ kind: 'exception', name: 'ValidationException', message: 'bad', status: 400 });
      await send('qwen.qwen3-32b-v1:0', true);
      const wrong = await startTestGateway({ ...awsEnvironment(bedrock), AWS_SECRET_ACCESS_KEY: `${canary.secret}-wrong` });
      const failed = await fetch(`${wrong.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': canary.client }, body: JSON.stringify({ model: 'qwen.qwen3-32b-v1:0', max_tokens: 1, messages: [] }) });
      bodies.push(await failed.text(), await (await fetch(`${wrong.url}/debug`)).text());
      await wrong.close();
      bodies.push(await (await fetch(`${gateway.url}/debug`)).text());
      expect(bedrock.requests.every((request) => !JSON.stringify(request.headers).includes('CANARY-client'))).toBe(true);
      const everything = [...gateway.logs, ...wrong.logs, ...bodies].join('\n');
      expect(gateway.logs.length).toBeGreaterThan(2);
      for (const secret of Object.values(canary)) expect(everything).not.toContain(secret.slice(-12));
    } finally {
      await gateway.close();
      await bedrock.close();
    }
  });
});

