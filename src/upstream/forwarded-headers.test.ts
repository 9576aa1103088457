import { describe, expect, it } from 'vitest';
import { toClientHeaders } from './forwarded-headers.ts';

describe('toClientHeaders', () => {
  it('relays all but hop-by-hop headers and cookies', () => {
    const upstream = {
      'request-id': 'req_1',
      'retry-after': '12',
      'x-should-retry': 'true',
      'anthropic-ratelimit-unified-status': 'rejected',
      'content-type': 'application/json',
      'content-length': '42',
      connection: 'keep-alive',
      'transfer-encoding': 'chunked',
      'set-cookie': ['a=b'],
      'keep-alive': 'timeout=5',
    };
    expect(toClientHeaders(upstream, { dropContentLength: false })).toEqual({
      'request-id': 'req_1',
      'retry-after': '12',
      'x-should-retry': 'true',
      'anthropic-ratelimit-unified-status': 'rejected',
      'content-type': 'application/json',
      'content-length': '42',
    });
    expect(toClientHeaders(upstream, { dropContentLength: true })).not.toHaveProperty('content-length');
  });
});
