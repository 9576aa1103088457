import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { FakeOpenAI, rateLimitedStep } from '../fakes/openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { storeKey } from '../helpers/keys.ts';

/**
 * `/v1/messages` served by OpenAI-compatible targets (issue 12, outbound), through the real
 * gateway with the official SDK as the client and the fake OpenAI-compatible upstream. One fake
 * serves every provider; each provider's base URL has its own path prefix, so the fake's
 * recorded paths say which provider was called.
 */

let fake: FakeOpenAI;
let anthropic: FakeAnthropic;
let gateway: TestGateway;
let client: Anthropic;

const routes = [
  { match: 'oai-*', targets: [{ provider: 'openai', model: 'gpt-test' }] },
  { match: 'chain-*', targets: [{ provider: 'openrouter', model: 'fake-model' }, { provider: 'cerebras', model: 'llama3.1-8b' }] },
  { match: 'local-*', targets: [{ provider: 'local', model: 'qwen3' }] },
  // The gateway has no GROQ_API_KEY: groq is skipped.
  { match: 'nokey-*', targets: [{ provider: 'groq', model: 'llama-3.1-8b-instant' }, { provider: 'cerebras', model: 'llama3.1-8b' }] },
];

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  anthropic = await FakeAnthropic.start();
  gateway = await startTestGateway(
    { ANTHROPIC_API_BASE: anthropic.url, OPENAI_API_KEY: 'sk-openai-gateway', OPENROUTER_API_KEY: 'sk-or-gateway', CEREBRAS_API_KEY: 'csk-gateway', OPENROUTER_BASE_URL: `${fake.url}/or/v1`, LOCAL_LLM_KEY: 'local-key' },
    {
      routes,
      'openai_compatible.openai.base_url': `${fake.url}/oai/v1`,
      'openai_compatible.openai.headers': { 'x-extra': 'from-config' },
      'openai_compatible.cerebras.base_url': `${fake.url}/cb/v1`,
      'openai_compatible.local': { base_url: `${fake.url}/local/v1`, api_key_env: 'LOCAL_LLM_KEY', quirks: { top_k: false } },
    },
  );
  client = new Anthropic({ apiKey: 'sk-ant-client-secret', baseURL: gateway.url, maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await fake.close();
  await anthropic.close();
});

beforeEach(async () => {
  fake.reset();
  anthropic.reset();
  await gateway.resetCooldowns();
});

/** `top_k` (Anthropic takes it; the SDK's types of this version no longer list it). */
function withTopK(body: Anthropic.MessageCreateParamsNonStreaming, topK: number): Anthropic.MessageCreateParamsNonStreaming {
  return { ...body, ...{ top_k: topK } };
}

const hello = [{ role: 'user' as const, content: 'Hello' }];

describe('OpenAI-compatible targets through /v1/messages', () => {
  it('streams: the SDK’s finalMessage() is the converted answer; the gateway’s key goes upstream, never the client’s', async () => {
    const stream = client.messages.stream({ model: 'oai-text', max_tokens: 100, messages: hello });
    const message = await stream.finalMessage();
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello, world.' })]);
    expect(message).toMatchObject({ role: 'assistant', model: 'oai-text', stop_reason: 'end_turn', usage: { input_tokens: 4, output_tokens: 4, cache_read_input_tokens: 8 } });
    const upstream = fake.requests[0];
    expect(upstream?.path).toBe('/oai/v1/chat/completions');
    expect(upstream?.headers.authorization).toBe('Bearer sk-openai-gateway');
    expect(upstream?.headers['x-api-key']).toBeUndefined();
    expect(upstream?.headers['x-extra']).toBe('from-config');
    expect(JSON.stringify(upstream?.headers)).not.toContain('sk-ant-client-secret');
    expect(upstream?.json).toMatchObject({ model: 'gpt-test', stream: true, stream_options: { include_usage: true } });
  });

  it('non-streaming: a Message; dropped fields are named in x-gateway-dropped-fields', async () => {
    const { data, response } = await client.messages.create(withTopK({ model: 'oai-text', max_tokens: 100, messages: hello }, 5)).withResponse();
    expect(data.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello, world.' })]);
    expect(response.headers.get('x-gateway-provider')).toBe('openai');
    expect(response.headers.get('x-gateway-dropped-fields')).toBe('top_k');
    expect(fake.requests[0]?.json?.top_k).toBeUndefined();
  });

  it('a missing usage is estimated and marked', async () => {
    fake.enqueue({ kind: 'json', body: { id: 'x', object: 'chat.completion', model: 'gpt-test', choices: [{ index: 0, message: { role: 'assistant', content: 'No usage here.' }, finish_reason: 'stop' }] } });
    const { data, response } = await client.messages.create({ model: 'oai-text', max_tokens: 100, messages: hello }).withResponse();
    expect(response.headers.get('x-gateway-usage-estimated')).toBe('true');
    expect(data.usage.output_tokens).toBeGreaterThan(0);
  });

  it('a tool round trip: tool-call ids come back sanitised and go upstream as they were', async () => {
    fake.enqueueScenario('tool-whole');
    const tools = [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }];
    const first = await client.messages.stream({ model: 'oai-tools', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Weather in Rome?' }] }).finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const toolUse = first.content.find((block) => block.type === 'tool_use');
    expect(toolUse).toMatchObject({ name: 'get_weather', input: { city: 'Rome' } });
    const id = (toolUse as { id: string }).id;
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await client.messages.create({
      model: 'oai-tools',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Rome?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'Sunny, 24 C' }] },
      ],
    });
    expect(second.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello, world.' })]);
    const messages = fake.requests[1]?.json?.messages as { role: string; tool_call_id?: string; tool_calls?: { id: string }[] }[];
    expect(messages.find((message) => message.role === 'assistant')?.tool_calls?.[0]?.id).toBe('functions.get_weather:0');
    expect(messages.find((message) => message.role === 'tool')).toMatchObject({ tool_call_id: 'functions.get_weather:0', content: 'Sunny, 24 C' });
  });

  it('reasoning comes back as a thinking block without a signature', async () => {
    fake.enqueueScenario('deepseek');
    const message = await client.messages.stream({ model: 'oai-think', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: hello }).finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'thinking', signature: '' });
    expect((message.content[0] as { thinking: string }).thinking.length).toBeGreaterThan(0);
  });

  it('a 429 with reset headers falls over to the next target, which then serves at once while the first cools', async () => {
    fake.enqueue(rateLimitedStep('6m0s', '1s'));
    const { data, response } = await client.messages.create({ model: 'chain-a', max_tokens: 100, messages: hello }).withResponse();
    expect(data.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello, world.' })]);
    expect(response.headers.get('x-gateway-provider')).toBe('cerebras');
    expect(response.headers.get('x-gateway-fallback')).toBe('rate_limited');
    expect(fake.requests.map((request) => request.path)).toEqual(['/or/v1/chat/completions', '/cb/v1/chat/completions']);
    const cooling = await gateway.cooldowns.list(Date.now());
    expect(cooling.some((entry) => entry.key.includes('openrouter'))).toBe(true);
    // The reset of the exhausted bucket (tokens: 6 minutes) is the cooldown, not the requests' 1 s.
    const until = cooling.find((entry) => entry.key.includes('openrouter'))?.until ?? 0;
    expect(until - Date.now()).toBeGreaterThan(300_000);

    await client.messages.create({ model: 'chain-b', max_tokens: 100, messages: hello });
    expect(fake.requests.map((request) => request.path).slice(2)).toEqual(['/cb/v1/chat/completions']);
  });

  it('a 402 (the gateway’s OpenRouter credits spent) moves on and cools the target; alone, it is the gateway’s 500, not the provider’s words', async () => {
    fake.enqueue({ kind: 'json', status: 402, body: { error: { code: 402, message: 'Insufficient credits. Add more at https://openrouter.ai/settings/credits' } } });
    const { data, response } = await client.messages.create({ model: 'chain-credits', max_tokens: 100, messages: hello }).withResponse();
    expect(data.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello, world.' })]);
    expect(response.headers.get('x-gateway-provider')).toBe('cerebras');
    expect(response.headers.get('x-gateway-fallback')).toBe('credentials');
    expect((await gateway.cooldowns.list(Date.now())).some((entry) => entry.key.includes('openrouter'))).toBe(true);

    fake.enqueue({ kind: 'json', status: 402, body: { error: { code: 402, message: 'Insufficient credits' } } });
    const failure = await client.messages.create({ model: 'oai-credits', max_tokens: 100, messages: hello }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.InternalServerError);
    const error = (failure as InstanceType<typeof Anthropic.InternalServerError>).error as { error: { type: string; message: string } };
    expect(error.error.type).toBe('api_error');
    expect(error.error.message).toContain('account has no credits');
    expect(error.error.message).not.toContain('openrouter.ai/settings');
  });

  it('an error chunk after the commit point is exactly one error event, and the stream ends', async () => {
    fake.enqueueScenario('mid-stream-error');
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-client-secret', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'oai-error', max_tokens: 100, stream: true, messages: hello }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = [...text.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);
    expect(events.filter((event) => event === 'error')).toHaveLength(1);
    expect(events.at(-1)).toBe('error');
    expect(events).not.toContain('message_stop');
    expect(text).toContain('Partial');
  });

  it('count_tokens on an OpenAI-compatible target is the gateway’s estimate; nothing is sent upstream', async () => {
    const counted = await client.messages.countTokens({ model: 'oai-count', messages: hello });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(fake.requests).toHaveLength(0);
  });

  it('a built-in provider the gateway has no key for is never called; routing moves on', async () => {
    const { response } = await client.messages.create({ model: 'nokey-a', max_tokens: 100, messages: hello }).withResponse();
    expect(response.headers.get('x-gateway-provider')).toBe('cerebras');
    expect(fake.requests.map((request) => request.path)).toEqual(['/cb/v1/chat/completions']);
  });

  it('a named endpoint: its key from api_key_env, its quirks from generic with overrides', async () => {
    await client.messages.create(withTopK({ model: 'local-x', max_tokens: 100, messages: hello }, 3));
    const upstream = fake.requests[0];
    expect(upstream?.path).toBe('/local/v1/chat/completions');
    expect(upstream?.headers.authorization).toBe('Bearer local-key');
    expect(upstream?.json).toMatchObject({ model: 'qwen3', max_tokens: 100 });
    expect(upstream?.json?.top_k).toBeUndefined();
  });
});

describe('history hygiene toward Claude', () => {
  it('reasoning from an OpenAI-compatible answer (no signature) is not replayed to Anthropic; other bodies go out byte for byte', async () => {
    fake.enqueueScenario('deepseek');
    const first = await client.messages.stream({ model: 'oai-think', max_tokens: 2000, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: hello }).finalMessage();
    expect(first.content[0]).toMatchObject({ type: 'thinking', signature: '' });
    await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [...hello, { role: 'assistant', content: first.content }, { role: 'user', content: 'And now?' }],
    });
    const sent = JSON.parse(anthropic.requests[0]?.body.toString('utf8') ?? '{}') as { messages: { content: unknown }[] };
    const replayed = sent.messages[1]?.content as { type: string }[];
    expect(replayed.map((block) => block.type)).not.toContain('thinking');
    expect(replayed.length).toBeGreaterThan(0);

    const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'x', signature: 'claude-sig' }] }] });
    await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-client', 'anthropic-version': '2023-06-01' }, body });
    expect(anthropic.requests[1]?.body.toString('utf8')).toBe(body);
  });

  it('a thinking block with no signature field at all is not sent to Anthropic either; a turn left empty goes', async () => {
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'from gpt-oss' }] },
      { role: 'user', content: 'Go on' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'again' }, { type: 'text', text: 'Sure.' }] },
      { role: 'user', content: 'Thanks' },
    ];
    const answer = await fetch(`${gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-client', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages }) });
    expect(answer.status).toBe(200);
    const sent = JSON.parse(anthropic.requests[0]?.body.toString('utf8') ?? '{}') as { messages: unknown[] };
    expect(sent.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'Go on' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Sure.' }] },
      { role: 'user', content: 'Thanks' },
    ]);
  });
});

describe('budgets and OpenAI-compatible models', () => {
  it('a budgeted key cannot use a model without a price (GW_MODEL_UNPRICED) until the configuration prices it', async () => {
    const models = [{ id: 'gpt-priced', pricing: { input: 1, output: 2 } }];
    const routes = [{ match: 'oai-*', targets: [{ provider: 'openai' }] }, { match: 'gpt-*', targets: [{ provider: 'openai' }] }];
    const keyed = await startTestGateway({ AUTH_MODE: 'keys', OPENAI_API_KEY: 'sk-openai-gateway', BEDROCK_ENABLED: 'false' }, { routes, models, 'openai_compatible.openai.base_url': `${fake.url}/oai/v1` });
    try {
      const { key } = await storeKey(keyed.accounting, { userId: 'budgeted', monthlyBudgetMicros: 100_000 });
      const ask = (model: string) =>
        fetch(`${keyed.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model, max_tokens: 100, messages: hello }) });
      const refused = await ask('oai-unpriced');
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('oai-unpriced');
      expect(fake.requests).toHaveLength(0);
      // The requested id is passed through to openai; gpt-priced has a price under models:.
      const served = await ask('gpt-priced');
      expect(served.status).toBe(200);
      expect(fake.requests[0]?.json?.model).toBe('gpt-priced');
    } finally {
      await keyed.close();
    }
  });
});

describe('pricing a Claude model served by an OpenAI-compatible target', () => {
  it('is priced at the served model’s catalog price, never the Claude price; a served model without one is unpriced', async () => {
    const routes = [
      { match: 'claude-sonnet-4-5', targets: [{ provider: 'openai', model: 'gpt-4.1' }] },
      { match: 'claude-opus-4-5', targets: [{ provider: 'openai', model: 'mystery-model' }] },
    ];
    const keyed = await startTestGateway({ AUTH_MODE: 'keys', OPENAI_API_KEY: 'sk-openai-gateway', BEDROCK_ENABLED: 'false' }, { routes, 'openai_compatible.openai.base_url': `${fake.url}/oai/v1` });
    try {
      const { key } = await storeKey(keyed.accounting, { userId: 'priced', monthlyBudgetMicros: 1_000_000 });
      const ask = (model: string) =>
        fetch(`${keyed.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model, max_tokens: 100, messages: hello }) });
      const served = await ask('claude-sonnet-4-5');
      expect(served.status).toBe(200);
      await served.text();
      // The fake's usage: 4 uncached input, 8 cached, 4 output, at gpt-4.1's $2 / $0.50 / $8 per million
      // (Claude Sonnet 4.5's $3 / $0.30 / $15 would be 74).
      const record = await keyed.accounting.getUsage(served.headers.get('x-gateway-request-id') as string);
      expect(record).toMatchObject({ modelRequested: 'claude-sonnet-4-5', modelServed: 'gpt-4.1', provider: 'openai', costMicros: 44 });
      const refused = await ask('claude-opus-4-5');
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('served as \\"mystery-model\\"');
      expect(fake.requests).toHaveLength(1);
    } finally {
      await keyed.close();
    }
  });
});

describe('seed 001’s config.yaml with OpenRouter and Cerebras variants', () => {
  const seedFile = `
server:
  port: "3001"
providers:
  bedrock:
    region: us-west-2
routing:
  enable: true
  models:
  - model: "haiku"
    provider_sequence:
      - name: "openrouter"
        variants:
          - model: anthropic/claude-3.5-haiku
      - name: "cerebras"
        variants:
          - model: llama3.1-8b
  retry_timeout_millis: 1000
  rate_limit_seconds: 10
`;

  it('loads as it is; a 429 from OpenRouter falls over to Cerebras', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'seed-001-'));
    const file = join(directory, 'config.yaml');
    writeFileSync(file, seedFile);
    const seeded = await startTestGateway(
      // Seed 001's OPENROUTER_BASE_URL is the bare site; the API is under /api/v1.
      { GATEWAY_CONFIG: file, OPENROUTER_API_KEY: 'sk-or-seed', OPENROUTER_BASE_URL: fake.url, CEREBRAS_API_KEY: 'csk-seed' },
      { 'openai_compatible.cerebras.base_url': `${fake.url}/cb/v1`, 'server.port': 0 },
    );
    try {
      fake.enqueue(rateLimitedStep('20s', '20s'));
      const seedClient = new Anthropic({ apiKey: 'unused', baseURL: seeded.url, maxRetries: 0 });
      const { data, response } = await seedClient.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: hello }).withResponse();
      expect(data.content).toEqual([expect.objectContaining({ type: 'text', text: 'Hello, world.' })]);
      expect(response.headers.get('x-gateway-provider')).toBe('cerebras');
      expect(fake.requests.map((request) => [request.path, request.json?.model])).toEqual([
        ['/api/v1/chat/completions', 'anthropic/claude-3.5-haiku'],
        ['/cb/v1/chat/completions', 'llama3.1-8b'],
      ]);
      expect(fake.requests[0]?.headers.authorization).toBe('Bearer sk-or-seed');
    } finally {
      await seeded.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
