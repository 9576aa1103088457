import { describe, expect, it } from 'vitest';
import { createCatalog } from '../config/models.ts';
import { configSchema } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import { createResolver } from './resolve.ts';

function resolver(config: Record<string, unknown> = {}) {
  const parsed = configSchema.parse(config);
  return createResolver(parsed, createCatalog(undefined, parsed.models, parsed.openai_compatible));
}

const claude = { family: 'claude', images: true, documents: true, reasoning: true, cachePoints: true, topK: 'claude' };

describe('createResolver', () => {
  it('sends Anthropic ids to Anthropic when nothing is configured', () => {
    expect(resolver().resolve('claude-sonnet-5-5')).toEqual([{ provider: 'anthropic', model: 'claude-sonnet-5-5' }]);
    expect(resolver().resolve('claude-from-the-future-9')).toEqual([{ provider: 'anthropic', model: 'claude-from-the-future-9' }]);
  });

  it('sends a Bedrock id straight to Bedrock, as it is, with the catalog capabilities', () => {
    expect(resolver({ bedrock: { region: 'eu-west-1' } }).resolve('us.anthropic.claude-haiku-4-5-20251001-v1:0')).toEqual([
      { provider: 'bedrock', model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', options: { region: 'eu-west-1', api: 'invoke', serviceTier: 'default', capabilities: claude } },
    ]);
    expect(resolver().resolve('qwen.qwen3-coder-480b-a35b-v1:0')).toEqual([
      { provider: 'bedrock', model: 'qwen.qwen3-coder-480b-a35b-v1:0', options: { region: 'us-east-1', api: 'converse', serviceTier: 'default', capabilities: { family: 'other', images: false, documents: false, reasoning: false, cachePoints: false } } },
    ]);
  });

  it('serves an unknown Bedrock model through Converse with permissive capabilities (Bedrock decides)', () => {
    expect(resolver().resolve('amazon.nova-9-ultra-v1:0')[0]).toMatchObject({ provider: 'bedrock', model: 'amazon.nova-9-ultra-v1:0', options: { api: 'converse', capabilities: { family: 'other', images: true, cachePoints: false } } });
  });

  it('maps a routed Anthropic id to the inference profile of the target region', () => {
    const routes = [{ match: 'claude-sonnet-*', targets: [{ provider: 'bedrock', region: 'eu-central-1', service_tier: 'flex' }] }];
    expect(resolver({ routes }).resolve('claude-sonnet-4-5')).toEqual([
      { provider: 'bedrock', model: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0', options: { region: 'eu-central-1', api: 'invoke', serviceTier: 'flex', capabilities: claude } },
    ]);
    expect(resolver({ routes }).resolve('claude-sonnet-5-5')[0]).toMatchObject({ model: 'global.anthropic.claude-sonnet-5-5' });
    expect(resolver({ routes }).resolve('claude-opus-5-5')).toEqual([{ provider: 'anthropic', model: 'claude-opus-5-5' }]);
  });

  it('matches a route by catalog alias, and `default` matches everything', () => {
    const routes = [
      { match: 'claude-haiku-4-5-20251001', targets: [{ provider: 'bedrock', api: 'converse' }] },
      { match: 'default', targets: [{ provider: 'anthropic' }, { provider: 'bedrock' }] },
    ];
    expect(resolver({ routes }).resolve('claude-haiku-4-5')[0]).toMatchObject({ provider: 'bedrock', model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', options: { api: 'converse' } });
    expect(resolver({ routes }).resolve('claude-opus-4-7').map((target) => target.provider)).toEqual(['anthropic', 'bedrock']);
  });

  it('matches a bare family word by containment, after the routes before it', () => {
    const routes = [{ match: 'claude-haiku-5-5', targets: [{ provider: 'anthropic' }] }, { match: 'haiku', targets: [{ provider: 'bedrock' }] }];
    expect(resolver({ routes }).resolve('claude-haiku-5-5')[0]?.provider).toBe('anthropic');
    expect(resolver({ routes }).resolve('claude-haiku-4-5')[0]).toMatchObject({ provider: 'bedrock', model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0' });
    expect(resolver({ routes }).resolve('claude-sonnet-4-5')[0]?.provider).toBe('anthropic');
  });

  it('never lets a catch-all route capture a provider’s own model id', () => {
    const routes = [{ match: 'default', targets: [{ provider: 'bedrock', model: 'us.anthropic.claude-opus-4-1-20250805-v1:0' }] }, { match: 'qwen', targets: [{ provider: 'anthropic' }] }];
    expect(resolver({ routes }).resolve('qwen.qwen3-32b-v1:0')[0]).toMatchObject({ provider: 'bedrock', model: 'qwen.qwen3-32b-v1:0' });
    expect(resolver({ routes: [{ match: 'qwen.*', targets: [{ provider: 'bedrock', region: 'eu-west-1' }] }] }).resolve('qwen.qwen3-32b-v1:0')[0]).toMatchObject({ options: { region: 'eu-west-1' } });
    expect(resolver({ routes: [{ match: 'qwen.qwen3-32b-v1:0', targets: [{ provider: 'bedrock', region: 'us-west-2' }] }] }).resolve('qwen.qwen3-32b-v1:0')[0]).toMatchObject({ options: { region: 'us-west-2' } });
  });

  it('uses the configured Claude API and a configured model mapping', () => {
    const config = {
      bedrock: { claude_api: 'messages' },
      models: [{ id: 'team-coder', bedrock: { id: 'qwen.qwen3-coder-480b-a35b-v1:0' } }],
      routes: [{ match: 'team-coder', targets: [{ provider: 'bedrock' }] }, { match: 'claude-opus-4-7', targets: [{ provider: 'bedrock' }] }],
    };
    expect(resolver(config).resolve('claude-opus-4-7')[0]).toMatchObject({ model: 'us.anthropic.claude-opus-4-7', options: { api: 'messages' } });
    expect(resolver(config).resolve('team-coder')[0]).toMatchObject({ model: 'qwen.qwen3-coder-480b-a35b-v1:0', options: { api: 'converse', capabilities: { family: 'other', images: false } } });
  });

  it('leaves out targets that cannot serve the model instead of failing the whole route', () => {
    const routes = [{ match: 'claude-*', targets: [{ provider: 'anthropic' }, { provider: 'bedrock' }] }];
    expect(resolver({ routes }).resolve('claude-sonnet-9-preview')).toEqual([{ provider: 'anthropic', model: 'claude-sonnet-9-preview' }]);
    expect(resolver({ routes, bedrock: { enabled: false } }).resolve('claude-sonnet-5-5')).toEqual([{ provider: 'anthropic', model: 'claude-sonnet-5-5' }]);
    expect(resolver({ routes }).resolve('claude-sonnet-5-5').map((target) => target.provider)).toEqual(['anthropic', 'bedrock']);
  });

  it('is a 404 naming the model when Bedrock cannot serve it, never a substitute', () => {
    const routes = [{ match: 'claude-*', targets: [{ provider: 'bedrock' }] }];
    expect(() => resolver({ routes }).resolve('claude-mythos-5')).toThrow(GatewayError);
    expect(() => resolver({ routes }).resolve('claude-mythos-5')).toThrow(/claude-mythos-5 is not available on AWS Bedrock/);
    expect(() => resolver({ bedrock: { enabled: false } }).resolve('qwen.qwen3-32b-v1:0')).toThrow(/disabled/);
  });

  it('an OpenAI-compatible target takes the model as written, else the requested one, passed through', () => {
    const routes = [{ match: 'claude-haiku-*', targets: [{ provider: 'cerebras', model: 'llama3.1-8b' }, { provider: 'groq' }] }];
    expect(resolver({ routes }).resolve('claude-haiku-4-5')).toEqual([
      { provider: 'cerebras', model: 'llama3.1-8b', options: { wire: 'openai' } },
      { provider: 'groq', model: 'claude-haiku-4-5', options: { wire: 'openai' } },
    ]);
  });

  it('zero configuration: OpenAI-compatible providers with a key and a fallback_model come last; openai_fallback: false leaves them out', () => {
    const openai_compatible = { groq: { api_key: 'gsk', fallback_model: 'llama-3.3-70b-versatile' }, openai: { fallback_model: 'gpt-5' }, vllm: { base_url: 'http://localhost:8000/v1', fallback_model: 'qwen3' } };
    expect(resolver({ openai_compatible }).resolve('claude-sonnet-4-5')).toEqual([
      { provider: 'anthropic', model: 'claude-sonnet-4-5' },
      { provider: 'groq', model: 'llama-3.3-70b-versatile', options: { wire: 'openai' } },
      { provider: 'vllm', model: 'qwen3', options: { wire: 'openai' } },
    ]);
    expect(resolver({ openai_compatible, routing: { openai_fallback: false } }).resolve('claude-sonnet-4-5')).toEqual([{ provider: 'anthropic', model: 'claude-sonnet-4-5' }]);
  });

  it('a model the catalog lists for an endpoint with a key goes to every such endpoint, in order; routes still win', () => {
    const openai_compatible = {
      openai: { api_key: 'sk' },
      openrouter: { api_key: 'sk-or', models: [{ id: 'gpt-4.1' }] },
      vllm: { base_url: 'http://localhost:8000/v1', models: [{ id: 'qwen3-local' }] },
    };
    expect(resolver({ openai_compatible }).resolve('gpt-4.1')).toEqual([
      { provider: 'openai', model: 'gpt-4.1', options: { wire: 'openai' } },
      { provider: 'openrouter', model: 'gpt-4.1', options: { wire: 'openai' } },
    ]);
    expect(resolver({ openai_compatible }).resolve('qwen3-local')).toEqual([{ provider: 'vllm', model: 'qwen3-local', options: { wire: 'openai' } }]);
    // groq has no key: its models are not listed, so not routed to it.
    expect(resolver({ openai_compatible }).resolve('llama-3.3-70b-versatile')).toEqual([{ provider: 'anthropic', model: 'llama-3.3-70b-versatile' }]);
    const routes = [{ match: 'gpt-4.1', targets: [{ provider: 'openrouter' }] }];
    expect(resolver({ openai_compatible, routes }).resolve('gpt-4.1')).toEqual([{ provider: 'openrouter', model: 'gpt-4.1', options: { wire: 'openai' } }]);
  });
});
