import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanBody, scanRoutingFields } from './body-scan.ts';
import { nestsDeeperThan } from './json-depth.ts';

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
    ['{"mod\\u0065l":"escaped key","stream":true}', { model: 'escaped key', modelIsInvalid: false, stream: true }],
    ['{"\\u006d\\u006f\\u0064\\u0065\\u006c":"m","str\\u0065am":false}', { model: 'm', modelIsInvalid: false, stream: false }],
    ['{"model\\u0000":"not the model","model":"m"}', { model: 'm', modelIsInvalid: false, stream: undefined }],
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
    ['{"mod\\x":"m"}', 'invalid string escape'],
  ])('rejects %j', (text, reason) => {
    expect(scan(text)).toEqual({ ok: false, reason });
  });

  it.each([
    ['{"model":"first","model":"last"}', 'model'],
    ['{"model":"claude-haiku-4-5","mod\\u0065l":"claude-opus-4-8"}', 'model'],
    ['{"stream":false,"messages":[],"\\u0073tream":true}', 'stream'],
    ['{"max_tokens":1,"model":"m","max_tokens":100000}', 'max_tokens'],
    ['{"messages":[{"model":"a","model":"b"}],"a\\/b":1,"a/b":2}', 'a/b'],
  ])('refuses %s, which names a top-level field twice', (text, duplicate) => {
    expect(scan(text)).toMatchObject({ ok: false, duplicate });
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

  it('agrees with JSON.parse on objects with escaped keys, and refuses the ones with a key twice', () => {
    // Keys near the ones the gateway reads, each character written literally or as an escape.
    const keyName = fc.oneof(fc.constantFrom('model', 'stream', 'max_tokens', 'messages', 'mode', 'models', 'Model', 'model '), fc.string({ maxLength: 6 }));
    const encodedKey = keyName.chain((name) =>
      fc.array(fc.constantFrom('literal', 'unicode', 'upper'), { minLength: name.length, maxLength: name.length }).map((styles) => {
        let text = '';
        [...name].forEach((character, index) => {
          const code = character.charCodeAt(0);
          const style = styles[index];
          if (style === 'literal' || character.length > 1) text += JSON.stringify(character).slice(1, -1);
          else text += `\\u${code.toString(16).padStart(4, '0')}`[style === 'upper' ? 'toUpperCase' : 'toLowerCase']().replace('\\U', '\\u');
        });
        return text;
      }),
    );
    const value = fc.oneof(fc.string().map((text) => JSON.stringify(text)), fc.boolean().map(String), fc.jsonValue().map((json) => JSON.stringify(json)));
    const members = fc.array(fc.tuple(encodedKey, value), { maxLength: 6 });
    fc.assert(
      fc.property(members, (pairs) => {
        const text = `{${pairs.map(([key, json]) => `"${key}":${json}`).join(',')}}`;
        const keys = pairs.map(([key]) => JSON.parse(`"${key}"`) as string);
        const result = scan(text);
        if (new Set(keys).size !== keys.length) {
          expect(result).toMatchObject({ ok: false });
          if (!result.ok) expect(keys).toContain(result.duplicate);
          return;
        }
        const parsed = JSON.parse(text) as Record<string, unknown>;
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.fields.model).toBe(typeof parsed.model === 'string' ? parsed.model : undefined);
        expect(result.fields.modelIsInvalid).toBe(Object.hasOwn(parsed, 'model') && typeof parsed.model !== 'string');
        expect(result.fields.stream).toBe(typeof parsed.stream === 'boolean' ? parsed.stream : undefined);
      }),
      { numRuns: 1000 },
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

describe('scanBody depth', () => {
  it.each([
    ['{}', 1],
    ['{"a":1,"b":"[[[{{{"}', 1],
    ['{"a":[]}', 2],
    ['{"a":[[],{"b":[{}]}],"c":{}}', 5],
    ['{"a":"\\"[","b":[["\\\\"]]}', 3],
  ])('%s nests %i deep', (text, depth) => {
    expect(scanBody(Buffer.from(text)).depth).toBe(depth);
  });

  it('is undefined when the scan fails', () => {
    expect(scanBody(Buffer.from('{"a":[[[')).depth).toBeUndefined();
    expect(scanBody(Buffer.from('{"a":1,"a":2}')).depth).toBeUndefined();
  });

  it('agrees with the byte scan on any JSON object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const body = Buffer.from(JSON.stringify(object));
        const depth = scanBody(body).depth as number;
        expect(nestsDeeperThan(body, depth)).toBe(false);
        expect(nestsDeeperThan(body, depth - 1)).toBe(true);
      }),
    );
  });
});
