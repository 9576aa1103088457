import { describe, expect, it } from 'vitest';
import { openAIModelCatalog } from './openai-model-catalog.ts';
import { createOpenAIModels } from './openai-models.ts';
import { openAIEndpointSchema } from './schema-openai.ts';

const endpoint = (value: unknown) => openAIEndpointSchema.parse(value);

describe('the OpenAI-compatible model catalog', () => {
  it('every built-in price is dated and sourced, and every model has a context window or is knowingly without', () => {
    for (const [provider, { models }] of Object.entries(openAIModelCatalog)) {
      for (const model of models) {
        expect(model.pricing, `${provider}/${model.id}`).toBeDefined();
        expect(model.pricing?.priced_at, `${provider}/${model.id}`).toMatch(/^20\d\d-\d\d$/);
        expect(model.pricing?.source, `${provider}/${model.id}`).toMatch(/^https:\/\//);
        expect(model.pricing?.output).toBeGreaterThanOrEqual(model.pricing?.input ?? 0);
      }
      expect(new Set(models.map((model) => model.id)).size).toBe(models.length);
    }
  });

  it.each([
    ['openai', 'gpt-5.2', { reasoning: true, maxCompletionTokens: true, images: true, pdf: true }],
    ['openai', 'gpt-5.9-preview', { reasoning: true, maxCompletionTokens: true, images: true }],
    ['openai', 'o7-mini', { reasoning: true, maxCompletionTokens: true }],
    ['openai', 'o3-mini', { reasoning: true, maxCompletionTokens: true, images: false, pdf: false }],
    ['openai', 'gpt-4o-2024-08-06', { reasoning: false, images: true, pdf: true }],
    ['openai', 'gpt-3.5-turbo', { reasoning: false }],
    ['groq', 'openai/gpt-oss-120b', { reasoning: true, reasoningEffort: true, images: false }],
    ['groq', 'qwen/qwen3-32b', { reasoning: true }],
    ['groq', 'llama-3.3-70b-versatile', { reasoning: false }],
    ['cerebras', 'llama3.1-8b', { reasoning: false, maxCompletionTokens: true }],
    ['cerebras', 'gpt-oss-120b', { reasoning: true, maxCompletionTokens: true }],
    ['openrouter', 'any/model', {}],
    ['vllm', 'anything', {}],
  ])('%s %s takes %j', (provider, model, expected) => {
    expect(createOpenAIModels().capabilities(provider, model)).toMatchObject(expected);
  });

  it('an endpoint adds and overrides models; a preset lends what models take, not its list or prices', () => {
    const models = createOpenAIModels({
      openai: endpoint({ models: [{ id: 'gpt-4o', pricing: { input: 2, output: 8 } }, { id: 'ft:gpt-4o:acme', display_name: 'Acme GPT-4o', images: true, pricing: { input: 3.75, output: 15 } }] }),
      azure: endpoint({ base_url: 'https://azure.example/v1', quirks: { preset: 'openai' }, models: [{ id: 'prod-gpt5', reasoning: true, max_completion_tokens: true, context_window: 400000 }] }),
      local: endpoint({ base_url: 'http://localhost:8000/v1', quirks: { reasoning: 'effort', reasoning_models: 'r1', max_completion_tokens_models: '^new' } }),
    });
    expect(models.find('openai', 'gpt-4o')).toMatchObject({ id: 'gpt-4o', displayName: 'GPT-4o', contextWindow: 128_000, pricing: { input: 2, output: 8 } });
    expect(models.find('openai', 'ft:gpt-4o:acme')).toMatchObject({ displayName: 'Acme GPT-4o', capabilities: { images: true } });
    expect(models.listed('openai').map((model) => model.id)).toContain('ft:gpt-4o:acme');
    expect(models.listed('azure').map((model) => model.id)).toEqual(['prod-gpt5']);
    expect(models.find('azure', 'gpt-4o')).toBeUndefined();
    expect(models.capabilities('azure', 'o3')).toMatchObject({ reasoning: true, maxCompletionTokens: true });
    expect(models.capabilities('azure', 'gpt-4.1')).toMatchObject({ reasoning: false, images: true });
    expect(models.capabilities('local', 'deepseek-r1')).toEqual({ reasoning: true, maxCompletionTokens: false });
    expect(models.capabilities('local', 'new-llama')).toEqual({ reasoning: false, maxCompletionTokens: true });
    expect(models.listed('local')).toEqual([]);
    expect(models.listed('nowhere')).toEqual([]);
  });
});
