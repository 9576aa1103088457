import { describe, expect, it } from 'vitest';
import { modelCatalog } from './model-catalog.ts';
import { bedrockModelId, createCatalog, geoPrefixForRegion, isBedrockModelId, stripProfilePrefix } from './models.ts';

const catalog = createCatalog();

describe('model catalog', () => {
  it('has unique ids and aliases, and unique Bedrock base ids', () => {
    const ids = modelCatalog.flatMap((entry) => [entry.id, ...entry.aliases]);
    expect(new Set(ids).size).toBe(ids.length);
    const baseIds = modelCatalog.flatMap((entry) => (entry.bedrock === undefined ? [] : [entry.bedrock.baseId]));
    expect(new Set(baseIds).size).toBe(baseIds.length);
  });

  it.each([
    ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929'],
    ['claude-opus-4-0', 'claude-opus-4-20250514'],
    ['claude-sonnet-5-5', 'claude-sonnet-5-5'],
  ])('finds %s as %s', (id, canonical) => {
    expect(catalog.find(id)?.id).toBe(canonical);
  });

  it.each(['claude-nope', '__proto__', 'constructor', 'toString', ''])('does not know %j', (id) => {
    expect(catalog.find(id)).toBeUndefined();
    expect(catalog.fromBedrockId(id)).toBeUndefined();
  });

  it.each([
    ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5-20251001'],
    ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5-20250929'],
    ['anthropic.claude-opus-4-6-v1', 'claude-opus-4-6'],
    ['apac.anthropic.claude-3-7-sonnet-20250219-v1:0', 'claude-3-7-sonnet-20250219'],
    ['us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5-20250929'],
  ])('normalises the Bedrock id %s back to %s', (bedrockId, id) => {
    expect(catalog.fromBedrockId(bedrockId)?.id).toBe(id);
  });

  it.each([
    ['us-east-1', 'us'],
    ['us-west-2', 'us'],
    ['ca-central-1', 'us'],
    ['us-gov-west-1', 'us-gov'],
    ['eu-west-1', 'eu'],
    ['eu-central-2', 'eu'],
    ['ap-northeast-1', 'jp'],
    ['ap-northeast-3', 'jp'],
    ['ap-southeast-2', 'au'],
    ['ap-southeast-1', 'apac'],
    ['ap-south-1', 'apac'],
    ['sa-east-1', undefined],
  ])('region %s is in the %s geography', (region, prefix) => {
    expect(geoPrefixForRegion(region)).toBe(prefix);
  });

  it.each([
    ['claude-haiku-4-5', 'eu-west-1', 'eu.anthropic.claude-haiku-4-5-20251001-v1:0'],
    ['claude-haiku-4-5', 'ap-southeast-1', 'global.anthropic.claude-haiku-4-5-20251001-v1:0'],
    ['claude-opus-4-6', 'ap-southeast-1', 'apac.anthropic.claude-opus-4-6-v1'],
    ['claude-opus-4-1', 'eu-west-1', 'anthropic.claude-opus-4-1-20250805-v1:0'],
    ['claude-opus-4-1', 'us-east-2', 'us.anthropic.claude-opus-4-1-20250805-v1:0'],
    ['claude-3-7-sonnet-20250219', 'sa-east-1', 'anthropic.claude-3-7-sonnet-20250219-v1:0'],
    ['claude-sonnet-5-5', 'us-west-2', 'global.anthropic.claude-sonnet-5-5'],
  ])('%s from %s is called as %s', (id, region, bedrockId) => {
    const entry = catalog.find(id);
    expect(entry).toBeDefined();
    if (entry !== undefined) expect(bedrockModelId(entry, region)).toBe(bedrockId);
  });

  it('has no Bedrock id for models Bedrock does not serve', () => {
    const entry = catalog.find('claude-mythos-preview');
    expect(entry).toBeDefined();
    if (entry !== undefined) expect(bedrockModelId(entry, 'us-east-1')).toBeUndefined();
  });

  it.each([
    ['us.anthropic.x', 'anthropic.x'],
    ['global.qwen.qwen3-32b-v1:0', 'qwen.qwen3-32b-v1:0'],
    ['qwen.qwen3-coder-480b-a35b-v1:0', 'qwen.qwen3-coder-480b-a35b-v1:0'],
    ['usx.anthropic.y', 'usx.anthropic.y'],
  ])('strips the profile prefix of %s', (id, base) => {
    expect(stripProfilePrefix(id)).toBe(base);
  });

  it.each([
    ['us.anthropic.claude-haiku-4-5-20251001-v1:0', true],
    ['anthropic.claude-opus-4-7', true],
    ['qwen.qwen3-coder-480b-a35b-v1:0', true],
    ['global.amazon.nova-2-lite-v1:0', true],
    ['arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0', true],
    ['claude-sonnet-4-5', false],
    ['gpt-4.1', false],
    ['anthropic.', false],
    ['us.', false],
    ['qwen.qwen3 coder', false],
  ])('recognises %s as a Bedrock id: %s', (id, expected) => {
    expect(isBedrockModelId(id)).toBe(expected);
  });

  it('merges configuration over the built-in entries by id, and adds new ones', () => {
    const merged = createCatalog(undefined, [
      { id: 'claude-haiku-5-5', bedrock: { id: 'anthropic.claude-haiku-5-5', profiles: ['us', 'global'], service_tiers: ['default', 'flex'] }, pricing: { input: 2, output: 8 } },
      { id: 'team-coder', aliases: ['coder'], bedrock: { id: 'us.qwen.qwen3-coder-480b-a35b-v1:0', images: true } },
    ]);
    expect(merged.find('claude-haiku-5-5')).toEqual({
      id: 'claude-haiku-5-5',
      aliases: [],
      displayName: 'Claude Haiku 5.5',
      status: 'active',
      pricing: { input: 2, output: 8 },
      bedrock: {
        baseId: 'anthropic.claude-haiku-5-5',
        profiles: ['us', 'global'],
        verified: false,
        api: 'invoke',
        capabilities: { family: 'claude', images: true, documents: true, reasoning: true, cachePoints: true, topK: 'claude' },
        serviceTiers: ['default', 'flex'],
      },
    });
    expect(merged.find('coder')?.bedrock).toEqual({
      baseId: 'qwen.qwen3-coder-480b-a35b-v1:0',
      profiles: ['us'],
      verified: false,
      api: 'converse',
      capabilities: { family: 'other', images: true, documents: false, reasoning: false, cachePoints: false },
    });
    expect(merged.entries).toHaveLength(modelCatalog.length + 1);
  });

  it('keeps the profile an override names with its id', () => {
    const entry = createCatalog(undefined, [{ id: 'claude-sonnet-4-5-20250929', bedrock: { id: 'global.anthropic.claude-sonnet-4-5-20250929-v1:0' } }]).find('claude-sonnet-4-5');
    expect(entry === undefined ? undefined : bedrockModelId(entry, 'us-east-1')).toBe('global.anthropic.claude-sonnet-4-5-20250929-v1:0');
  });

  it('prices every catalog model, with the date and the source of the price (issue 10 A2)', () => {
    for (const entry of modelCatalog) {
      expect(entry.pricing, entry.id).toMatchObject({ input: expect.any(Number), output: expect.any(Number), source: expect.any(String) });
      expect(entry.pricing?.priced_at, entry.id).toMatch(/^20\d\d-(0[1-9]|1[0-2])$/);
      expect(entry.pricing?.output, entry.id).toBeGreaterThanOrEqual(entry.pricing?.input ?? Infinity);
    }
  });

  it('gives Claude models Anthropic cache prices (reads a tenth of the input, writes 1.25× and 2×)', () => {
    for (const entry of modelCatalog.filter((candidate) => candidate.id.startsWith('claude-'))) {
      const pricing = entry.pricing;
      expect(pricing?.cache_read, entry.id).toBeCloseTo((pricing?.input ?? 0) / 10, 1);
      expect(pricing?.cache_write_5m, entry.id).toBeCloseTo((pricing?.input ?? 0) * 1.25, 1);
      expect(pricing?.cache_write_1h, entry.id).toBeCloseTo((pricing?.input ?? 0) * 2, 1);
    }
  });

  it.each([
    ['claude-3-5-sonnet-20241022', 3, 15],
    ['claude-3-5-sonnet-latest', 3, 15],
    ['claude-3-opus-latest', 15, 75],
    ['qwen.qwen3-coder-480b-a35b-v1:0', 0.22, 1.8],
    ['deepseek.r1-v1:0', 1.35, 5.4],
    ['openai.gpt-oss-120b-1:0', 0.15, 0.6],
    ['amazon.nova-pro-v1:0', 0.8, 3.2],
    ['meta.llama4-maverick-17b-instruct-v1:0', 0.24, 0.97],
  ])('prices %s at $%d / $%d per million tokens', (id, input, output) => {
    expect(catalog.find(id)?.pricing).toMatchObject({ input, output });
  });
});
