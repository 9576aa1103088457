import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from './load.ts';
import { fromSeed001, isSeed001 } from './seed-001.ts';

/**
 * The file from seed 001's README. The README's snippet indents `provider_sequence` one column
 * too far, which no YAML parser accepts (PyYAML, which the seed used, rejects it too); this is
 * that file indented as a working one would be, leading indentation kept.
 */
const seedFile = `
  server:
    port: "3001"
    read_timeout: "300s"
    write_timeout: "300s"
    idle_timeout: "300s"

  providers:
    bedrock:
      region: us-west-2

  routing:
    enable: true
    models:
    -  model: "default"
       provider_sequence:
          - name: "bedrock"
            variants:
              - model: us.anthropic.claude-opus-4-1-20250805-v1:0
                region: us-west-2
              - model: us.anthropic.claude-opus-4-20250514-v1:0
                region: us-west-2
    -  model: "haiku"
       provider_sequence:
          - name: "bedrock"
            variants:
              - model: us.anthropic.claude-3-5-haiku-20241022-v1:0
                region: us-west-2
              - model: us.anthropic.claude-3-5-haiku-20241022-v1:0
                region: us-east-1

    retry_timeout_millis: 1000
    rate_limit_seconds: 10
`;

describe('seed 001 configuration', () => {
  it('is recognised, and translated to routes and settings', () => {
    const tree = parse(seedFile) as Record<string, unknown>;
    expect(isSeed001(tree)).toBe(true);
    expect(fromSeed001(tree)).toEqual({
      server: { port: '3001' },
      anthropic: { idle_timeout_ms: 300_000 },
      bedrock: { idle_timeout_ms: 300_000, region: 'us-west-2' },
      routing: { routes_enabled: true, max_retry_wait_ms: 1000, cooldown_ms: 10_000 },
      routes: [
        { match: '*haiku*', targets: [{ provider: 'bedrock', model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', region: 'us-west-2' }, { provider: 'bedrock', model: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', region: 'us-east-1' }] },
        { match: 'default', targets: [{ provider: 'bedrock', model: 'us.anthropic.claude-opus-4-1-20250805-v1:0', region: 'us-west-2' }, { provider: 'bedrock', model: 'us.anthropic.claude-opus-4-20250514-v1:0', region: 'us-west-2' }] },
      ],
    });
  });

  it('loads as it is through the ordinary loader', () => {
    const config = loadConfig({ configFile: 'config.yaml', readFile: () => seedFile });
    expect(config.server.port).toBe(3001);
    expect(config.bedrock.region).toBe('us-west-2');
    expect(config.routing).toMatchObject({ max_retry_wait_ms: 1000, cooldown_ms: 10_000 });
    expect(config.routes.map((route) => route.match)).toEqual(['*haiku*', 'default']);
  });

  it('tries exact keys before keys contained in the model, as seed 001 did', () => {
    const tree = { routing: { models: [{ model: 'claude-sonnet-4', provider_sequence: [{ name: 'bedrock', variants: [{ model: 'a.x' }] }] }, { model: 'claude-sonnet-4-5', provider_sequence: [{ name: 'bedrock', variants: [{ model: 'b.y' }] }] }] } };
    expect((fromSeed001(tree).routes as { match: string }[]).map((route) => route.match)).toEqual(['claude-sonnet-4', 'claude-sonnet-4-5', '*claude-sonnet-4*', '*claude-sonnet-4-5*']);
  });

  it('routing.enable: false keeps the routes but uses none (as ROUTING_ENABLE=false)', () => {
    const config = loadConfig({ configFile: 'config.yaml', readFile: () => seedFile.replace('enable: true', 'enable: false') });
    expect(config.routing.routes_enabled).toBe(false);
    expect(config.routes).toHaveLength(2);
  });

  it('leaves this gateway’s own files alone', () => {
    expect(isSeed001({ routing: { cooldown_ms: 1000 }, routes: [] })).toBe(false);
  });

  it('provider_sequence names openrouter, cerebras, groq and openai with variants[].model, loading as they are', () => {
    const tree = { routing: { models: [{ model: 'haiku', provider_sequence: [{ name: 'openrouter', variants: [{ model: 'anthropic/claude-3.5-haiku' }] }, { name: 'cerebras', variants: [{ model: 'llama3.1-8b' }] }, { name: 'groq', variants: [{ model: 'llama-3.1-8b-instant' }] }, { name: 'openai', variants: [{ model: 'gpt-5-mini' }] }] }] } };
    const config = loadConfig({ configFile: 'config.yaml', readFile: () => JSON.stringify(tree), env: { OPENROUTER_API_KEY: 'sk-or' } });
    expect(config.routes[0]?.targets).toEqual([
      { provider: 'openrouter', model: 'anthropic/claude-3.5-haiku' },
      { provider: 'cerebras', model: 'llama3.1-8b' },
      { provider: 'groq', model: 'llama-3.1-8b-instant' },
      { provider: 'openai', model: 'gpt-5-mini' },
    ]);
  });
});
