import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsSecret, headerCarryingSecret, holdsSeveralCredentials, targetCarriesSecret } from './credential-headers.ts';

describe('holdsSeveralCredentials', () => {
  it.each([
    ['x-api-key', 'sk-ant-a', false],
    ['x-api-key', 'sk-ant-a, sk-gw-b', true],
    ['x-api-key', ['sk-ant-a', 'sk-ant-b'], true],
    ['key', 'sk-gw-a,sk-gw-b', true],
    ['authorization', 'Bearer sk-ant-a', false],
    ['authorization', 'Bearer sk-ant-a, Bearer sk-ant-b', true],
    ['authorization', 'sk-ant-a,sk-ant-b', true],
    ['authorization', 'Digest username="a", realm="b"', false],
    ['authorization', undefined, false],
  ] as const)('%s: %j -> %s', (header, value, expected) => {
    expect(holdsSeveralCredentials(header, value as string | string[] | undefined)).toBe(expected);
  });
});

describe('containsSecret', () => {
  it('agrees with String.includes', () => {
    const alphabet = fc.constantFrom('a', 'b', 'é', '☃');
    const text = fc.array(alphabet, { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.array(alphabet, { minLength: 1, maxLength: 5 }).map((parts) => parts.join('')), (haystack, needle) => {
        expect(containsSecret(haystack, needle)).toBe(haystack.includes(needle));
      }),
      { numRuns: 2000 },
    );
    expect(containsSecret('xx-the-master-xx', 'the-master')).toBe(true);
    expect(containsSecret('the-maste', 'the-master')).toBe(false);
    expect(containsSecret('anything', '')).toBe(false);
  });
});

describe('headerCarryingSecret', () => {
  const options = { keyPrefix: 'sk-gw-', masterKey: 'the-master' };
  it.each([
    [{ 'x-api-key': 'sk-ant-fine', 'anthropic-beta': 'a,b' }, undefined],
    [{ authorization: 'sk-gw-raw' }, 'authorization'],
    [{ authorization: 'the-master' }, 'authorization'],
    [{ authorization: `Basic ${Buffer.from('u:the-master').toString('base64')}` }, 'authorization'],
    [{ authorization: `basic ${Buffer.from('sk-gw-x:').toString('base64')}` }, 'authorization'],
    [{ 'x-anything': ['ok', 'has the-master inside'] }, 'x-anything'],
    // Never forwarded, so not a leak: the cookie and forwarding headers are not looked at.
    [{ cookie: 'session=sk-gw-x', 'x-forwarded-for': 'the-master' }, undefined],
  ])('%j -> %s', (headers, expected) => {
    expect(headerCarryingSecret(headers, options)).toBe(expected);
  });
});

describe('targetCarriesSecret', () => {
  const options = { keyPrefix: 'sk-gw-', masterKey: 'the-master-key' };
  it('finds a secret in a path or query, as sent or percent-decoded any number of times up to four', () => {
    const escape = (text: string) => [...text].map((character) => `%${character.charCodeAt(0).toString(16)}`).join('');
    for (const secret of ['sk-gw-abc', 'the-master-key']) {
      expect(targetCarriesSecret(`/v1/messages?k=${secret}`, options)).toBe(true);
      expect(targetCarriesSecret(`/v1/models/${secret}`, options)).toBe(true);
      expect(targetCarriesSecret(`/v1/messages?k=${escape(secret)}`, options)).toBe(true);
      expect(targetCarriesSecret(`/v1/messages?k=${encodeURIComponent(escape(secret))}`, options)).toBe(true);
      expect(targetCarriesSecret(`/v1/messages?bad=%zz&k=${escape(secret)}%`, options)).toBe(true);
    }
  });

  it('passes ordinary targets', () => {
    for (const target of ['/v1/messages', '/v1/messages?beta=true', '/v1/models/claude-sonnet-4-5', '/v1/models?limit=5&after_id=x', '/v1/messages?q=%E2%98%83%zz', '/v1/messages?k=the-master']) {
      expect(targetCarriesSecret(target, options)).toBe(false);
    }
    expect(targetCarriesSecret('/v1/messages?k=the-master-key', { keyPrefix: 'sk-gw-', masterKey: undefined })).toBe(false);
  });
});
