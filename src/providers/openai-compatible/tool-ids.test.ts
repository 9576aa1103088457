import { describe, expect, it } from 'vitest';
import { fromAnthropicToolId, toAnthropicToolId } from './tool-ids.ts';

describe('tool-call ids', () => {
  it.each([
    ['call_abc123', 'call_abc123'],
    ['toolu_01A09q90qw90lq917835lq9', 'toolu_01A09q90qw90lq917835lq9'],
    ['functions.get_weather:0', 'oai_functions_2eget_5fweather_3a0'],
    ['call 1', 'oai_call_201'],
    ['é', 'oai__c3_a9'],
  ])('%s <-> %s', (upstream, anthropic) => {
    expect(toAnthropicToolId(upstream)).toBe(anthropic);
    expect(toAnthropicToolId(upstream)).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(fromAnthropicToolId(anthropic)).toBe(upstream);
  });

  it('keeps ids that only look encoded', () => {
    expect(fromAnthropicToolId('oai_plain')).toBe('oai_plain');
    expect(fromAnthropicToolId('oai_5f')).toBe('oai_5f');
    expect(fromAnthropicToolId('oai_zz_')).toBe('oai_zz_');
  });
});
