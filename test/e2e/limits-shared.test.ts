import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/accounting/keys.ts';
import type { ApiKeyRecord } from '../../src/store/accounting.ts';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { startRedisServer, type TestRedisServer } from '../helpers/redis-server.ts';

/**
 * C2 (reliability.md §5.3): two gateway instances sharing Redis enforce one key's requests per
 * minute together, exactly; when Redis goes away, the configured fail-open or fail-closed
 * behaviour holds for every request.
 */

let fake: FakeAnthropic;
let redis: TestRedisServer;
let dataDir: string;
const gateways: TestGateway[] = [];

async function createKey(gateway: TestGateway, rpm: number): Promise<string> {
  const made = generateKey(undefined);
  const now = Date.now();
  const record: ApiKeyRecord = { id: made.id, digest: made.digest, prefix: made.prefix, userId: 'team', name: 'shared', status: 'active', rpmLimit: rpm, createdAt: now, updatedAt: now };
  await gateway.accounting.createKey(record);
  return made.key;
}

async function post(gateway: TestGateway, key: string): Promise<number> {
  const response = await request(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await response.body.dump();
  return response.statusCode;
}

beforeAll(async () => {
  fake = await FakeAnthropic.start();
  redis = await startRedisServer();
  dataDir = mkdtempSync(join(tmpdir(), 'gateway-c2-'));
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await redis.stop();
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function pair(extra: Record<string, string>): Promise<[TestGateway, TestGateway]> {
  const env = { ANTHROPIC_API_BASE: fake.url, BEDROCK_ENABLED: 'false', AUTH_MODE: 'keys', ANTHROPIC_API_KEY: 'sk-ant-api03-gw', REDIS_URL: redis.url, GATEWAY_DATA_DIR: dataDir, ...extra };
  const first = await startTestGateway(env, { 'store.data_dir': dataDir });
  const second = await startTestGateway(env, { 'store.data_dir': dataDir });
  gateways.push(first, second);
  return [first, second];
}

describe('requests per minute across instances (C2)', () => {
  it('two instances sharing Redis admit exactly the limit between them', async () => {
    const [first, second] = await pair({});
    for (let run = 0; run < 3; run++) {
      const key = await createKey(first, 40);
      const statuses = await Promise.all(Array.from({ length: 150 }, (_unused, index) => post(index % 2 === 0 ? first : second, key)));
      expect(statuses.filter((status) => status === 200)).toHaveLength(40);
      expect(statuses.filter((status) => status === 429)).toHaveLength(110);
    }
  });

  it('with Redis gone: fail-open admits every request, fail-closed refuses every one with 529', async () => {
    const [open] = await pair({});
    const [closed] = await pair({ LIMITS_ON_STORE_ERROR: 'closed' });
    const openKey = await createKey(open, 5);
    const closedKey = await createKey(closed, 5);
    await redis.stop();
    const opened = await Promise.all(Array.from({ length: 12 }, () => post(open, openKey)));
    expect(opened).toEqual(Array.from({ length: 12 }, () => 200));
    const refused = await Promise.all(Array.from({ length: 12 }, () => post(closed, closedKey)));
    expect(refused).toEqual(Array.from({ length: 12 }, () => 529));
  });
});
