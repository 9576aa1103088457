import { describe, expect, it } from 'vitest';
import { loadConfig, redactConfig } from './load.ts';
import { openAIEndpoints } from './schema-openai.ts';

describe('openai_compatible configuration', () => {
  it('the seeds’ variables set the built-in providers; a bare OPENROUTER_BASE_URL (seed 001’s default) means its /api/v1', () => {
    const config = loadConfig({ env: { OPENAI_API_KEY: 'sk-o', GROQ_API_KEY: 'gsk', CEREBRAS_API_KEY: 'csk', OPENROUTER_API_KEY: 'sk-or', OPENROUTER_BASE_URL: 'https://openrouter.ai' } });
    const endpoints = openAIEndpoints(config.openai_compatible);
    expect(endpoints.map((endpoint) => [endpoint.name, endpoint.base_url, endpoint.api_key])).toEqual([
      ['openai', 'https://api.openai.com/v1', 'sk-o'],
      ['groq', 'https://api.groq.com/openai/v1', 'gsk'],
      ['cerebras', 'https://api.cerebras.ai/v1', 'csk'],
      ['openrouter', 'https://openrouter.ai/api/v1', 'sk-or'],
    ]);
  });

  it('named endpoints: base_url required, key from api_key_env, extra headers; keys and header values redacted', () => {
    const overrides = { openai_compatible: { vllm: { base_url: 'http://localhost:8000/v1/', api_key_env: 'VLLM_KEY', headers: { 'x-token': 'secret-header' } } } };
    const config = loadConfig({ env: { VLLM_KEY: 'vllm-secret' }, overrides });
    const vllm = openAIEndpoints(config.openai_compatible).find((endpoint) => endpoint.name === 'vllm');
    expect(vllm).toMatchObject({ base_url: 'http://localhost:8000/v1', api_key: 'vllm-secret', headers: { 'x-token': 'secret-header' }, builtin: false });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('vllm-secret');
    expect(shown).not.toContain('secret-header');
    expect(() => loadConfig({ overrides: { openai_compatible: { vllm: {} } } })).toThrow(/openai_compatible\.vllm\.base_url: is required/);
    expect(() => loadConfig({ overrides: { openai_compatible: { bedrock: { base_url: 'http://x' } } } })).toThrow(/is the name of another provider/);
  });

  it('a route target must name a provider the gateway has', () => {
    const routes = [{ match: 'x', targets: [{ provider: 'openroutr', model: 'm' }] }];
    expect(() => loadConfig({ overrides: { routes } })).toThrow(/routes\.0\.targets\.0\.provider: openroutr is no provider/);
    const ok = [{ match: 'x', targets: [{ provider: 'groq', model: 'llama-3.3-70b-versatile' }] }];
    expect(loadConfig({ overrides: { routes: ok } }).routes[0]?.targets[0]?.provider).toBe('groq');
  });
});
