import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startTestGateway } from '../helpers/gateway.ts';

/**
 * Master-key guessing is limited per source and logged (issue 15, reliability.md X5): ten wrong
 * credentials in a minute, and the address is refused admin authentication, the right key
 * included, with a `retry-after`; each failure is a log line naming the source, never the key.
 */

const MASTER = 'master-guard-test-3f9a-never-logged';

describe('failed admin authentications', () => {
  it('are logged and, past ten a minute from one address, refuse even the right key', async () => {
    const gateway = await startTestGateway({ MASTER_API_KEY: MASTER, BEDROCK_ENABLED: 'false' });
    try {
      const get = async (path: string, key: string) => {
        const response = await request(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
        return { status: response.statusCode, retryAfter: response.headers['retry-after'], body: (await response.body.json()) as { error: { type: string; message: string } } };
      };
      expect((await get('/admin/keys', MASTER)).status).toBe(200);
      for (let guess = 0; guess < 10; guess++) {
        const path = guess % 2 === 0 ? '/admin/keys' : '/v1/usage?days=1';
        expect((await get(path, `wrong-guess-${guess}`)).status).toBe(403);
      }
      const refused = await get('/admin/keys', MASTER);
      expect(refused.status).toBe(429);
      expect(refused.body.error.type).toBe('rate_limit_error');
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
      expect((await get('/v1/usage?days=1', MASTER)).status).toBe(429);
      const lines = gateway.logs.filter((line) => line.includes('admin authentication failed'));
      expect(lines).toHaveLength(10);
      for (const line of lines) {
        expect(JSON.parse(line)).toMatchObject({ source: '127.0.0.1' });
        expect(line).not.toContain('wrong-guess');
      }
      expect(gateway.logs.join('\n')).not.toContain(MASTER);
    } finally {
      await gateway.close();
    }
  });
});
