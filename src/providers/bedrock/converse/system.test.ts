import { describe, expect, it } from 'vitest';
import { newConversionContext } from './context.ts';
import { claudeConverseProfile, genericConverseProfile, type ConverseModelProfile } from './profile.ts';
import { toConverseSystem } from './system.ts';

function convert(system: unknown, profile: ConverseModelProfile = claudeConverseProfile) {
  const context = newConversionContext(profile);
  return { system: toConverseSystem(system, context), removed: context.removed, cachePoints: context.cachePoints };
}

describe('toConverseSystem', () => {
  it('turns a string into one text block', () => {
    expect(convert('You are Claude Code.')).toEqual({ system: [{ text: 'You are Claude Code.' }], removed: [], cachePoints: 0 });
  });

  it('turns text blocks into text blocks, with a cache point after each breakpoint (ttl only for 1h)', () => {
    const system = [
      { type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.330;' },
      { type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral', ttl: '1h' } },
      { type: 'text', text: 'Project notes.', cache_control: { type: 'ephemeral' } },
    ];
    expect(convert(system)).toEqual({
      system: [
        { text: 'x-anthropic-billing-header: cc_version=2.1.330;' },
        { text: 'You are Claude Code.' },
        { cachePoint: { type: 'default', ttl: '1h' } },
        { text: 'Project notes.' },
        { cachePoint: { type: 'default' } },
      ],
      removed: [],
      cachePoints: 2,
    });
  });

  it('drops and lists empty text and citations', () => {
    const system = [
      { type: 'text', text: '' },
      { type: 'text', text: 'Cited.', citations: [{ type: 'char_location', cited_text: 'x', document_index: 0, document_title: null, start_char_index: 0, end_char_index: 1 }] },
    ];
    expect(convert(system)).toEqual({ system: [{ text: 'Cited.' }], removed: ['system.0', 'system.1.citations'], cachePoints: 0 });
    expect(convert('')).toEqual({ system: [], removed: ['system'], cachePoints: 0 });
  });

  it('leaves cache points out for a model without them, and lists them', () => {
    expect(convert([{ type: 'text', text: 'Sys', cache_control: { type: 'ephemeral' } }], genericConverseProfile)).toEqual({ system: [{ text: 'Sys' }], removed: ['system.0.cache_control'], cachePoints: 0 });
  });

  it('is empty when there is no system prompt', () => {
    expect(convert(undefined)).toEqual({ system: [], removed: [], cachePoints: 0 });
  });

  it.each([
    [[{ type: 'image', source: {} }], 'system.0: system blocks on Bedrock Converse must be text blocks.'],
    [[{ type: 'text' }], 'system.0.text: expected a string.'],
    [42, 'system: expected a string or a list of text blocks.'],
  ])('refuses %j with a 400', (system, message) => {
    expect(() => convert(system)).toThrow(expect.objectContaining({ code: 'GW_UNSUPPORTED_FEATURE', status: 400, message }));
  });
});
