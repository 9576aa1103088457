import { validateHeaderName, validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerText, MAX_ECHOED_HEADER_CHARS, safeHeaders } from './header-value.ts';

function writable(name: string, value: string): boolean {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}

describe('headerText', () => {
  it.each([
    ['claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ['arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.x-v1:0', 'arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.x-v1:0'],
    ['a\r\nset-cookie: x', 'a%0D%0Aset-cookie:%20x'],
    ['nul\u0000', 'nul%00'],
    ['☃', '%E2%98%83'],
    ['100%', '100%25'],
    ['\ud800', '%EF%BF%BD'],
  ])('%j -> %j', (text, expected) => {
    expect(headerText(text)).toBe(expected);
  });

  it('is bounded, never cutting an escape', () => {
    expect(headerText('m'.repeat(100_000))).toHaveLength(MAX_ECHOED_HEADER_CHARS);
    const cut = headerText(`${'m'.repeat(MAX_ECHOED_HEADER_CHARS - 2)}☃`);
    expect(cut).toBe('m'.repeat(MAX_ECHOED_HEADER_CHARS - 2));
  });

  it('always gives a value Node writes', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
          expect(writable('x-gateway-model', headerText(text))).toBe(true);
        }), { numRuns: 1000 });
  });
});

describe('safeHeaders', () => {
  it('keeps valid headers as they are (the same object)', () => {
    const headers = { 'content-type': 'application/json', 'x-latin1': 'caf\u00e9', 'set-cookie': ['a=1', 'b=2'] };
    expect(safeHeaders(headers)).toBe(headers);
  });

  it('encodes invalid values and drops invalid names', () => {
    expect(safeHeaders({ ok: 'fine', 'x-gateway-model': 'a\nb☃', 'bad name': 'v', list: ['x', 'y\r'] })).toEqual({ ok: 'fine', 'x-gateway-model': 'a%0Ab%E2%98%83', list: ['x', 'y%0D'] });
  });

  it('always gives headers Node writes', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary', minLength: 0, maxLength: 8 }), fc.string({ unit: 'binary' })), (headers) => {
        for (const [name, value] of Object.entries(safeHeaders(headers))) expect(writable(name, value)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
