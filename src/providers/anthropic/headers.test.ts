import { describe, expect, it } from 'vitest';
import { resolveCredential, toAnthropicHeaders, withOAuthBeta } from './headers.ts';

describe('resolveCredential', () => {
  const none = {};
  it.each([
    ['client x-api-key', { 'x-api-key': 'sk-ant-api03-k' }, none, { header: 'x-api-key', value: 'sk-ant-api03-k', oauth: false, source: 'client' }],
    ['client API key as Bearer (SDK 1.x)', { authorization: 'Bearer sk-ant-api03-k' }, none, { header: 'authorization', value: 'Bearer sk-ant-api03-k', oauth: false, source: 'client' }],
    ['client OAuth as Bearer', { authorization: 'bearer  sk-ant-oat01-t' }, none, { header: 'authorization', value: 'Bearer sk-ant-oat01-t', oauth: true, source: 'client' }],
    ['client OAuth in x-api-key moves to Bearer', { 'x-api-key': 'sk-ant-oat01-t' }, none, { header: 'authorization', value: 'Bearer sk-ant-oat01-t', oauth: true, source: 'client' }],
    ['x-api-key wins when both are sent (apiKeyHelper)', { 'x-api-key': 'sk-a', authorization: 'Bearer sk-b' }, none, { header: 'x-api-key', value: 'sk-a', oauth: false, source: 'client' }],
    ['a non-Bearer Authorization passes as sent', { authorization: 'Basic abc' }, none, { header: 'authorization', value: 'Basic abc', oauth: false, source: 'client' }],
    ['client credential beats the gateway one', { 'x-api-key': 'sk-client' }, { api_key: 'sk-gw' }, { header: 'x-api-key', value: 'sk-client', oauth: false, source: 'client' }],
    ['gateway API key', {}, { api_key: 'sk-gw', oauth_token: 'sk-ant-oat01-gw' }, { header: 'x-api-key', value: 'sk-gw', oauth: false, source: 'gateway' }],
    ['gateway auth token', {}, { auth_token: 'tok', oauth_token: 'sk-ant-oat01-gw' }, { header: 'authorization', value: 'Bearer tok', oauth: false, source: 'gateway' }],
    ['gateway OAuth token', {}, { oauth_token: 'sk-ant-oat01-gw' }, { header: 'authorization', value: 'Bearer sk-ant-oat01-gw', oauth: true, source: 'gateway' }],
    ['empty headers count as absent', { 'x-api-key': ' ', authorization: '' }, { api_key: 'sk-gw' }, { header: 'x-api-key', value: 'sk-gw', oauth: false, source: 'gateway' }],
  ])('%s', (_name, headers, gateway, expected) => {
    expect(resolveCredential(headers, gateway)).toEqual(expected);
  });

  it('is undefined when nobody has a credential', () => {
    expect(resolveCredential({}, {})).toBeUndefined();
  });
});

describe('withOAuthBeta', () => {
  it.each([
    [undefined, 'oauth-2025-04-20'],
    ['', 'oauth-2025-04-20'],
    ['claude-code-20250219,interleaved-thinking-2025-05-14', 'claude-code-20250219,interleaved-thinking-2025-05-14,oauth-2025-04-20'],
    ['a, oauth-2025-04-20 ,b', 'a, oauth-2025-04-20 ,b'],
    ['future-beta-2030-01-01', 'future-beta-2030-01-01,oauth-2025-04-20'],
  ])('%j -> %j', (input, expected) => {
    expect(withOAuthBeta(input)).toBe(expected);
  });
});

describe('toAnthropicHeaders', () => {
  const apiKey = { header: 'x-api-key', value: 'sk-client', oauth: false, source: 'client' } as const;

  it('forwards end-to-end headers verbatim and exactly one credential', () => {
    const endToEnd = {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'accept-encoding': 'gzip, br',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'future-beta-2099-01-01,claude-code-20250219',
      'anthropic-future-header': 'kept',
      'x-claude-code-session-id': 'abc',
      'user-agent': 'claude-cli/2.1.330',
    };
    const incoming = {
      ...endToEnd,
      host: 'gateway:8080',
      connection: 'keep-alive, x-hop',
      'x-hop': 'dropped because Connection names it',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'content-length': '123',
      'x-api-key': 'sk-client',
      authorization: 'Bearer other',
      cookie: 'a=b',
      'x-forwarded-for': '10.0.0.1',
      'proxy-authorization': 'Basic x',
    };
    expect(toAnthropicHeaders(incoming, { credential: apiKey, identityEncoding: false })).toEqual({ ...endToEnd, 'x-api-key': 'sk-client' });
  });

  it('adds the OAuth beta and asks for identity encoding on streams', () => {
    const oauth = { header: 'authorization', value: 'Bearer sk-ant-oat01-t', oauth: true, source: 'client' } as const;
    const headers = toAnthropicHeaders({ 'anthropic-beta': 'x', 'x-api-key': 'sk-ant-oat01-t', 'accept-encoding': 'br' }, { credential: oauth, identityEncoding: true });
    expect(headers).toEqual({ 'anthropic-beta': 'x,oauth-2025-04-20', authorization: 'Bearer sk-ant-oat01-t', 'accept-encoding': 'identity' });
  });

  it('never shares state between calls', () => {
    const first = toAnthropicHeaders({ a: '1' }, { credential: apiKey, identityEncoding: false });
    first.a = 'mutated';
    expect(toAnthropicHeaders({ a: '1' }, { credential: apiKey, identityEncoding: false }).a).toBe('1');
  });
});
