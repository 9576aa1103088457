import { describe, expect, it } from 'vitest';
import { toOpenAIModelList } from './models.ts';

describe('toOpenAIModelList', () => {
  it('lists models in OpenAI shape, created in unix seconds', () => {
    expect(toOpenAIModelList([{ id: 'claude-sonnet-5-5', created_at: '2026-09-30T00:00:00Z' }, { id: 'gpt-5.2' }], (model) => (model.id.startsWith('gpt') ? 'openai' : 'anthropic'))).toEqual({
      object: 'list',
      data: [
        { id: 'claude-sonnet-5-5', object: 'model', created: 1_790_726_400, owned_by: 'anthropic' },
        { id: 'gpt-5.2', object: 'model', created: 0, owned_by: 'openai' },
      ],
    });
  });
});
