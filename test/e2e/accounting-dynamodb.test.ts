import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounting/key-admin.ts';
import { budgetMonth } from '../../src/store/accounting.ts';
import { createDynamoClient, setupTables, tableName } from '../../src/store/dynamodb/tables.ts';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { startDynalite, type TestDynamo } from '../helpers/dynalite.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * The gateway on STORE=dynamodb (dynalite): keys, budgets, usage records and cooldowns in the
 * tables, prices and model mappings read from them (seeds 002/004 keep theirs there).
 */

let dynamo: TestDynamo;
let fake: FakeAnthropic;
let gateway: TestGateway;
const prefix = 'e2e-';

beforeAll(async () => {
  dynamo = await startDynalite();
  fake = await FakeAnthropic.start();
  const connection = { region: dynamo.region, endpoint: dynamo.endpoint, credentials: dynamo.credentials, tablePrefix: prefix };
  await setupTables(connection);
  const client = createDynamoClient(connection);
  const documents = DynamoDBDocumentClient.from(client);
  // Seed 002's shapes: a price per million tokens and an Anthropic -> Bedrock mapping.
  await documents.send(new PutCommand({ TableName: tableName(prefix, 'pricing'), Item: { model_id: 'claude-sonnet-5-5', input_price: 100, output_price: 1000, cache_read_price: 10 } }));
  await documents.send(new PutCommand({ TableName: tableName(prefix, 'modelMapping'), Item: { anthropic_model_id: 'team-model', model_id: 'team-model', bedrock_model_id: 'us.anthropic.claude-sonnet-5-5-v1:0' } }));
  await documents.send(new PutCommand({ TableName: tableName(prefix, 'pricing'), Item: { model_id: 'broken', input_price: 'cheap' } }));
  client.destroy();
  gateway = await startTestGateway(
    {
      ANTHROPIC_API_BASE: fake.url,
      BEDROCK_ENABLED: 'false',
      AUTH_MODE: 'keys',
      ANTHROPIC_API_KEY: 'sk-ant-api03-gateway',
      STORE: 'dynamodb',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      DYNAMODB_TABLE_PREFIX: prefix,
      AWS_REGION: dynamo.region,
      AWS_ACCESS_KEY_ID: dynamo.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: dynamo.credentials.secretAccessKey,
    },
    { 'store.cooldowns': 'auto' },
  );
});
afterAll(async () => {
  await gateway.close();
  await fake.close();
  await dynamo.stop();
});

async function post(key: string, stream: boolean) {
  const response = await request(`${gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 20, stream, messages: [{ role: 'user', content: 'Hi' }] }),
  });
  await response.body.text();
  return { status: response.statusCode, requestId: response.headers['x-gateway-request-id'] as string };
}

describe('STORE=dynamodb', () => {
  it('keys, usage records priced from the pricing table, and the budget settled in DynamoDB', async () => {
    expect(gateway.accounting.kind).toBe('dynamodb');
    const { key, record } = await createApiKey(gateway.accounting, { user_id: 'dyn', name: 'e2e', monthly_budget_usd: 5 }, { pepper: undefined, now: Date.now() });
    for (const stream of [false, true]) {
      const answer = await post(key, stream);
      expect(answer.status).toBe(200);
      // Durable before the answer ended: no flush needed.
      // text.jsonl: 25 input, 12 output, 1,200 cache-read tokens at $100 / $1,000 / $10 per million.
      expect(await gateway.accounting.getUsage(answer.requestId)).toMatchObject({ state: 'complete', userId: 'dyn', keyId: record.id, stream, costMicros: 2_500 + 12_000 + 12_000 });
    }
    expect(await gateway.accounting.getBudget(record.id, budgetMonth(Date.now()))).toEqual({ spentMicros: 2 * 26_500, reservedMicros: 0 });
    expect(gateway.logs.some((line) => line.includes('"overrides":2') && line.includes('"skipped":1'))).toBe(true);
  });

  it('cooldowns live in the DynamoDB table when there is no Redis', async () => {
    expect(gateway.cooldowns.kind).toBe('dynamodb');
    fake.enqueue({ kind: 'json', status: 429, headers: { 'retry-after': '120' }, body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } } });
    const { key } = await createApiKey(gateway.accounting, { user_id: 'dyn2', name: 'e2e' }, { pepper: undefined, now: Date.now() });
    expect((await post(key, false)).status).toBe(429);
    const cooling = await gateway.cooldowns.list(Date.now());
    expect(cooling.map((entry) => entry.reason)).toContain('rate_limited');
    await gateway.resetCooldowns();
  });
});
