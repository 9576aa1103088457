import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanRoutingFields } from './body-scan.ts';

function scan(text: string) {
  return scanRoutingFields(Buffer.from(text, 'utf8'));
}

describe('scanRoutingFields', () => {
  it.each([
    ['{"model":"claude-sonnet-5","stream":true}', { model: 'claude-sonnet-5', modelIsInvalid: false, stream: true }],
    ['{"stream":false,"model":"m"}', { model: 'm', modelIsInvalid: false, stream: false }],
    ['  {\n "model" : "a\\"b\\u00e9" ,\t"stream" : true }  ', { model: 'a"bé', modelIsInvalid: false, stream: true }],
    ['{"messages":[{"role":"user","content":"{\\"model\\":\\"fake\\"}"}],"model":"real"}', { model: 'real', modelIsInvalid: false, stream: undefined }],
    ['{"metadata":{"model":"nested","stream":true},"model":"top"}', { model: 'top', modelIsInvalid: false, stream: undefined }],
    ['{"model":"first","model":"last"}', { model: 'last', modelIsInvalid: false, stream: undefined }],
    ['{"model":42,"stream":"yes"}', { model: undefined, modelIsInvalid: true, stream: undefined }],
    ['{"text":"ends with backslash\\\\","model":"m"}', { model: 'm', modelIsInvalid: false, stream: undefined }],
    ['{}', { model: undefined, modelIsInvalid: false, stream: undefined }],
    ['{"max_tokens":1024,"temperature":1.0e0,"stream":true,"model":"x"}', { model: 'x', modelIsInvalid: false, stream: true }],
  ])('reads %s', (text, expected) => {
    expect(scan(text)).toEqual({ ok: true, fields: expected });
  });

  it.each([
    ['', 'the body is not a JSON object'],
    ['[]', 'the body is not a JSON object'],
    ['"model"', 'the body is not a JSON object'],
    ['{"model":"m"', 'expected a comma or the end of the object'],
    ['{"model":"m', 'unterminated string'],
    ['{"model" "m"}', 'expected a colon after a property name'],
    ['{model:"m"}', 'expected a property name'],
    ['{"messages":[{"a":1}', 'unterminated object or array'],
    ['{"model":"m"} trailing', 'unexpected data after the JSON object'],
    ['{"model":}', 'missing value'],
    ['{"model":"\\x"}', 'invalid string escape'],
  ])('rejects %j', (text, reason) => {
    expect(scan(text)).toEqual({ ok: false, reason });
  });

  it('agrees with JSON.parse on any JSON object', () => {
    const body = fc.record(
      {
        model: fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue()),
        stream: fc.oneof(fc.boolean(), fc.jsonValue()),
        messages: fc.jsonValue(),
        metadata: fc.dictionary(fc.string(), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(body, fc.integer({ min: 0, max: 4 }), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const result = scan(text);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.fields.model).toBe(typeof parsed.model === 'string' ? parsed.model : undefined);
        expect(result.fields.modelIsInvalid).toBe('model' in parsed && typeof parsed.model !== 'string');
        expect(result.fields.stream).toBe(typeof parsed.stream === 'boolean' ? parsed.stream : undefined);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const result = scanRoutingFields(Buffer.from(bytes));
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });
});
