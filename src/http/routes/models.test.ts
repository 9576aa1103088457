import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../errors.ts';
import { paginate, type ModelInfo } from './models.ts';

const models: ModelInfo[] = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ type: 'model', id, display_name: id.toUpperCase(), created_at: '1970-01-01T00:00:00Z' }));
const ids = (page: { data: readonly ModelInfo[] }) => page.data.map((model) => model.id);

describe('paginate', () => {
  it.each([
    [{}, ['a', 'b', 'c', 'd', 'e'], false],
    [{ limit: '2' }, ['a', 'b'], true],
    [{ limit: '2', after_id: 'b' }, ['c', 'd'], true],
    [{ limit: '2', after_id: 'd' }, ['e'], false],
    [{ limit: '2', before_id: 'e' }, ['c', 'd'], true],
    [{ limit: '3', before_id: 'c' }, ['a', 'b'], false],
    [{ after_id: 'e' }, [], false],
  ])('%j -> %j (has_more %s)', (query, expected, hasMore) => {
    const page = paginate(models, query);
    expect(ids(page)).toEqual(expected);
    expect(page.has_more).toBe(hasMore);
    expect(page.first_id).toBe(expected[0] ?? null);
    expect(page.last_id).toBe(expected.at(-1) ?? null);
  });

  it.each(['0', '1001', 'x', '2.5'])('rejects limit=%s', (limit) => {
    expect(() => paginate(models, { limit })).toThrow(GatewayError);
  });
});
