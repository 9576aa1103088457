import { describe, expect, it } from 'vitest';
import { providerQuirks } from './quirks.ts';
import { quirksFor } from './quirks-config.ts';

describe('quirksFor', () => {
  it('a built-in name takes its own preset; any other name generic', () => {
    expect(quirksFor({ name: 'groq', quirks: {} })).toEqual(providerQuirks.groq);
    expect(quirksFor({ name: 'vllm', quirks: {} })).toEqual(providerQuirks.generic);
  });

  it('a preset with overrides', () => {
    const quirks = quirksFor({ name: 'ds', quirks: { preset: 'deepseek', top_k: true, max_completion_tokens_models: '^o', user_field: 'none' } });
    expect(quirks).toMatchObject({ reasoning: 'deepseek', replayReasoning: true, topK: true, maxStopSequences: 16 });
    expect(quirks.userField).toBeUndefined();
  });
});
