import { describe, expect, it } from 'vitest';
import { withModelSpliced } from './splice-model.ts';

describe('withModelSpliced', () => {
  it.each([
    ['{"model":"gpt-x","messages":[]}', '{"model":"gpt-4.1","messages":[]}'],
    ['{ "messages" : [ {"model":"inner"} ] ,\n  "model" :  "claude-haiku-4-5" , "x_unknown": {"a": 1.50} }', '{ "messages" : [ {"model":"inner"} ] ,\n  "model" :  "gpt-4.1" , "x_unknown": {"a": 1.50} }'],
    ['{"mod\\u0065l":"a"}', '{"mod\\u0065l":"gpt-4.1"}'],
  ])('replaces only the top-level model value: %s', (body, expected) => {
    expect(withModelSpliced(Buffer.from(body), 'gpt-4.1')?.toString()).toBe(expected);
  });

  it('a model id with characters JSON escapes is written escaped', () => {
    expect(withModelSpliced(Buffer.from('{"model":"a"}'), 'we"ird\n')?.toString()).toBe('{"model":"we\\"ird\\n"}');
  });

  it.each(['{"messages":[]}', '[1]', '{"model":'])('no top-level model: undefined (%s)', (body) => {
    expect(withModelSpliced(Buffer.from(body), 'gpt-4.1')).toBeUndefined();
  });
});
