import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { FakeOpenAI } from '../fakes/openai.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { storeKey } from '../helpers/keys.ts';

/**
 * `GET /v1/models` and `/v1/models/{id}` with OpenAI-compatible endpoints configured (issue 12):
 * the catalog's models of the endpoints the gateway has a key for, listed and retrieved by the
 * official `openai` SDK (OpenAI's shapes and errors) and `@anthropic-ai/sdk` (Anthropic's), and
 * a listed model routed to its endpoint by its id alone.
 */

let fake: FakeOpenAI;
let anthropic: FakeAnthropic;
let gateway: TestGateway;
let key = '';

beforeAll(async () => {
  fake = await FakeOpenAI.start();
  anthropic = await FakeAnthropic.start();
  gateway = await startTestGateway(
    // No CEREBRAS_API_KEY: Cerebras's models are neither listed nor routed.
    { AUTH_MODE: 'keys', ANTHROPIC_API_BASE: anthropic.url, ANTHROPIC_API_KEY: 'sk-ant-gateway', OPENAI_API_KEY: 'sk-openai-gateway', GROQ_API_KEY: 'gsk-gateway', BEDROCK_ENABLED: 'false' },
    {
      'openai_compatible.openai.base_url': `${fake.url}/oai/v1`,
      'openai_compatible.groq.base_url': `${fake.url}/groq/v1`,
      'openai_compatible.local': { base_url: `${fake.url}/local/v1`, models: [{ id: 'qwen3-local', display_name: 'Qwen3 (local)', context_window: 32768, pricing: { input: 0, output: 0 } }] },
    },
  );
  ({ key } = await storeKey(gateway.accounting, { userId: 'models' }));
});

afterAll(async () => {
  await gateway.close();
  await fake.close();
  await anthropic.close();
});

beforeEach(() => {
  fake.reset();
  anthropic.reset();
});

const openai = (apiKey = key) => new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
const claude = () => new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0 });

describe('the openai SDK', () => {
  it('models.list(): Anthropic’s models, then each configured endpoint’s, owned by the endpoint', async () => {
    const models = await openai().models.list();
    const owner = new Map(models.data.map((model) => [model.id, model.owned_by]));
    expect(owner.get('claude-opus-5-5')).toBe('anthropic');
    expect(owner.get('gpt-4.1')).toBe('openai');
    expect(owner.get('openai/gpt-oss-120b')).toBe('groq');
    expect(owner.get('qwen3-local')).toBe('local');
    expect(owner.has('gpt-oss-120b')).toBe(false);
    expect(models.data.every((model) => model.object === 'model' && Number.isInteger(model.created))).toBe(true);
  });

  it('models.retrieve(): a catalog model, an Anthropic model; an unknown one is OpenAI’s 404', async () => {
    expect(await openai().models.retrieve('gpt-4.1')).toEqual({ id: 'gpt-4.1', object: 'model', created: 0, owned_by: 'openai' });
    expect(await openai().models.retrieve('claude-opus-5-5')).toMatchObject({ id: 'claude-opus-5-5', object: 'model', owned_by: 'anthropic' });
    const failure = await openai().models.retrieve('no-such-model').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
    expect((failure as InstanceType<typeof OpenAI.NotFoundError>).error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
    expect((failure as InstanceType<typeof OpenAI.NotFoundError>).message).toContain('no-such-model');
  });

  it('errors on the model routes are in OpenAI’s shape: an unknown key is a 401 with invalid_api_key', async () => {
    for (const call of [() => openai('sk-gw-wrong').models.list(), () => openai('sk-gw-wrong').models.retrieve('gpt-4.1')]) {
      const failure = await call().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((failure as InstanceType<typeof OpenAI.AuthenticationError>).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    }
  });

  it('a listed model is routed to its endpoint by its id alone', async () => {
    const completion = await openai().chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hello' }] });
    expect(completion.choices[0]?.message.content).toBe('Hello, world.');
    expect(fake.requests.map((request) => [request.path, request.json?.model])).toEqual([['/oai/v1/chat/completions', 'gpt-4.1']]);
  });
});

describe('the Anthropic SDK', () => {
  it('models.list(): the same models in Anthropic’s page, catalog models with their limits', async () => {
    const page = await claude().models.list({ limit: 1000 });
    const byId = new Map(page.data.map((model) => [model.id, model]));
    expect(byId.get('claude-opus-5-5')).toBeDefined();
    expect(byId.get('gpt-4.1')).toMatchObject({ type: 'model', display_name: 'GPT-4.1', max_input_tokens: 1_047_576, max_tokens: 32_768 });
    expect(byId.get('qwen3-local')).toMatchObject({ display_name: 'Qwen3 (local)', max_input_tokens: 32_768, max_tokens: null });
  });

  it('models.retrieve(): a catalog model from the gateway; an Anthropic one and Anthropic’s 404 relayed', async () => {
    expect(await claude().models.retrieve('openai/gpt-oss-120b')).toMatchObject({ id: 'openai/gpt-oss-120b', display_name: 'gpt-oss 120B', max_input_tokens: 131_072 });
    expect(await claude().models.retrieve('claude-opus-5-5')).toMatchObject({ id: 'claude-opus-5-5' });
    const failure = await claude().models.retrieve('claude-nope').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.NotFoundError);
    expect((failure as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect(anthropic.requests.map((request) => request.url)).toEqual(['/v1/models/claude-opus-5-5', '/v1/models/claude-nope']);
    // An id with a slash nobody lists is the gateway's 404: its encoded slash never goes upstream.
    const slashed = await claude().models.retrieve('acme/unknown').catch((error: unknown) => error);
    expect(slashed).toBeInstanceOf(Anthropic.NotFoundError);
    expect(anthropic.requests).toHaveLength(2);
  });

  it('errors on the model routes are in Anthropic’s shape for Anthropic callers', async () => {
    const failure = await new Anthropic({ apiKey: 'sk-gw-wrong', baseURL: gateway.url, maxRetries: 0 }).models.retrieve('gpt-4.1').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((failure as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });
});
