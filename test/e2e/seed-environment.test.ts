import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { dynamoConnection } from '../../src/main.ts';
import { createDynamoClient, setupTables } from '../../src/store/dynamodb/tables.ts';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import type { SeedVariables } from '../fixtures/seeds/extract-seed-variables.ts';
import { fixturePath } from '../fixtures/seeds/extract-seed-variables.ts';
import { startDynalite } from '../helpers/dynalite.ts';
import { awsEnvironment, eventually, startTestGateway, useGatewayWithBedrock, useGatewayWithFake } from '../helpers/gateway.ts';

/**
 * Issue 10 D24: the seeds' variables that were not read, honoured with the seed's meaning,
 * through the real gateway against the fakes (src/config/env.test.ts walks every variable).
 */

const model = 'claude-sonnet-5-5';

async function post(url: string, body: Record<string, unknown>, headers: Record<string, string> = {}, path = '/v1/messages'): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-seed', ...headers },
    body: JSON.stringify({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

describe('ENABLE_TOOL_USE, ENABLE_EXTENDED_THINKING, ENABLE_DOCUMENT_SUPPORT = False (seeds 002/004)', () => {
  const context = useGatewayWithFake({ ENABLE_TOOL_USE: 'False', ENABLE_EXTENDED_THINKING: 'False', ENABLE_DOCUMENT_SUPPORT: 'False' });
  const document = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'A contract.' } };

  it.each([
    ['tools', { tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] }, 'ENABLE_TOOL_USE', '/v1/messages'],
    ['tools, to count_tokens', { tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] }, 'ENABLE_TOOL_USE', '/v1/messages/count_tokens'],
    ['thinking', { thinking: { type: 'enabled', budget_tokens: 1024 } }, 'ENABLE_EXTENDED_THINKING', '/v1/messages'],
    ['a document', { messages: [{ role: 'user', content: [document, { type: 'text', text: 'Summarise.' }] }] }, 'ENABLE_DOCUMENT_SUPPORT', '/v1/messages'],
  ])('a request with %s is refused with a 400 naming the feature, and nothing goes upstream', async (_name, body, variable, path) => {
    const response = await post(context.gateway.url, body, {}, path);
    expect(response.status).toBe(400);
    expect(response.headers.get('request-id')).toBeTruthy();
    const answer = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(answer).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(answer.error.message).toContain(`(${variable}=false)`);
    expect(context.fake.requests).toHaveLength(0);
  });

  it('a request without them goes through byte for byte', async () => {
    const response = await post(context.gateway.url, { thinking: { type: 'disabled' } });
    expect(response.status).toBe(200);
    expect(context.fake.requests).toHaveLength(1);
  });
});

describe('RATE_LIMIT_ENABLED and RATE_LIMIT_WINDOW (seeds 002/004)', () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await FakeAnthropic.start();
  });
  afterAll(async () => {
    await fake.close();
  });

  async function statuses(env: Record<string, string>, count: number): Promise<number[]> {
    const gateway = await startTestGateway({ ANTHROPIC_API_BASE: fake.url, ...env });
    try {
      const seen: number[] = [];
      for (let index = 0; index < count; index++) seen.push((await post(gateway.url, {})).status);
      return seen;
    } finally {
      await gateway.close();
    }
  }

  it('RATE_LIMIT_ENABLED=False: no rate limit applies', async () => {
    expect(await statuses({ RATE_LIMIT_REQUESTS: '1' }, 2)).toEqual([200, 429]);
    expect(await statuses({ RATE_LIMIT_REQUESTS: '1', RATE_LIMIT_ENABLED: 'False' }, 3)).toEqual([200, 200, 200]);
  });

  it('RATE_LIMIT_WINDOW: RATE_LIMIT_REQUESTS counts over it (2 per 120 s is 1 per minute)', async () => {
    expect(await statuses({ RATE_LIMIT_REQUESTS: '2' }, 2)).toEqual([200, 200]);
    expect(await statuses({ RATE_LIMIT_REQUESTS: '2', RATE_LIMIT_WINDOW: '120' }, 2)).toEqual([200, 429]);
  });
});

describe('with Bedrock behind Anthropic', () => {
  const context = useGatewayWithBedrock({
    RATE_LIMIT_TRACKING_ENABLED: 'false',
    PROMPT_CACHING_ENABLED: 'False',
    BETA_HEADER_MAPPING: JSON.stringify({ 'my-beta-2026-01-01': ['context-1m-2025-08-07'], 'interleaved-thinking-2025-05-14': [] }),
  });
  const rateLimited = { kind: 'json' as const, status: 429, headers: { 'retry-after': '120' }, body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } } };

  it('RATE_LIMIT_TRACKING_ENABLED=false (seed 000): a 429 falls back but is not remembered', async () => {
    context.fake.enqueue(rateLimited);
    expect((await post(context.gateway.url, {})).headers.get('x-gateway-provider')).toBe('bedrock');
    expect((await post(context.gateway.url, {})).headers.get('x-gateway-provider')).toBe('anthropic');
    expect(context.fake.requests).toHaveLength(2);
  });

  it('PROMPT_CACHING_ENABLED=False (seeds 002/004): a Converse model gets no cache points', async () => {
    const response = await post(context.gateway.url, {
      model: 'amazon.nova-pro-v1:0',
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
    });
    expect(response.status).toBe(200);
    expect(context.bedrock.last().operation).toBe('converse');
    expect(JSON.stringify(context.bedrock.last().json)).not.toContain('cachePoint');
  });

  it('BETA_HEADER_MAPPING (seed 004): betas mapped on InvokeModel, over the built-in mapping', async () => {
    const response = await post(context.gateway.url, { model: 'global.anthropic.claude-sonnet-5-5' }, { 'anthropic-beta': 'my-beta-2026-01-01,interleaved-thinking-2025-05-14,advanced-tool-use-2025-11-20' });
    expect(response.status).toBe(200);
    const body = context.bedrock.last().json as { anthropic_beta?: string[] };
    expect(body.anthropic_beta).toEqual(['context-1m-2025-08-07', 'tool-examples-2025-10-29', 'tool-search-tool-2025-10-19']);
  });

  it('ROUTING_ENABLE=false (seed 001): the configured routes are not used', async () => {
    const routes = [{ match: model, targets: [{ provider: 'bedrock' }] }];
    const env = { ANTHROPIC_API_BASE: context.fake.url, ...awsEnvironment(context.bedrock) };
    for (const [routing, provider] of [['true', 'bedrock'], ['false', 'anthropic']] as const) {
      const gateway = await startTestGateway({ ...env, ROUTING_ENABLE: routing }, { routes });
      try {
        expect((await post(gateway.url, {})).headers.get('x-gateway-provider')).toBe(provider);
      } finally {
        await gateway.close();
      }
    }
  });
});

describe('USAGE_TABLE_NAME and RATE_LIMIT_TABLE_NAME (seed 000) with STORE=dynamodb', () => {
  it('setup-tables creates them under those names and the gateway uses them', async () => {
    const dynamo = await startDynalite();
    const fake = await FakeAnthropic.start();
    const env = {
      ANTHROPIC_API_BASE: fake.url,
      BEDROCK_ENABLED: 'false',
      STORE: 'dynamodb',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      DYNAMODB_TABLE_PREFIX: 'seed-',
      USAGE_TABLE_NAME: 'claude-proxy-usage',
      RATE_LIMIT_TABLE_NAME: 'claude-proxy-rate-limits',
      AWS_REGION: dynamo.region,
      AWS_ACCESS_KEY_ID: dynamo.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: dynamo.credentials.secretAccessKey,
    };
    const connection = dynamoConnection(loadConfig({ env }));
    const reports = await setupTables(connection);
    expect(Object.fromEntries(reports.map((report) => [report.table, report.name]))).toMatchObject({ usage: 'claude-proxy-usage', cooldowns: 'claude-proxy-rate-limits', keys: 'seed-keys' });
    const gateway = await startTestGateway(env, { 'store.cooldowns': 'auto' });
    const documents = DynamoDBDocumentClient.from(createDynamoClient(connection));
    try {
      fake.enqueue({ kind: 'json', status: 429, headers: { 'retry-after': '120' }, body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } } });
      expect((await post(gateway.url, {})).status).toBe(429);
      expect((await post(gateway.url, {}, { 'x-api-key': 'sk-ant-api03-other' })).status).toBe(200);
      await gateway.flushUsage();
      const scan = async (table: string) => (await documents.send(new ScanCommand({ TableName: table }))).Items ?? [];
      expect(await scan('claude-proxy-usage')).toHaveLength(2);
      expect(await scan('claude-proxy-rate-limits')).toHaveLength(1);
    } finally {
      documents.destroy();
      await gateway.close();
      await fake.close();
      await dynamo.stop();
    }
  });
});

describe('the claude-gateway command started with seed 004’s documented environment', () => {
  it('starts, and logs one line for each variable it accepts without effect', async () => {
    const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as SeedVariables;
    const env: Record<string, string> = {};
    for (const variable of fixture.seeds['004'] ?? []) if (variable.side === 'server' && variable.example !== undefined) env[variable.name] = variable.example;
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-seed-004-'));
    const child = spawn(process.execPath, [join(import.meta.dirname, '../../src/cli/index.ts')], {
      env: { PATH: process.env.PATH ?? '', ...env, PORT: '0', HOST: '127.0.0.1', GATEWAY_DATA_DIR: dataDir, AWS_EC2_METADATA_DISABLED: 'true' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await eventually(() => output.includes('listening on') || child.exitCode !== null, 15_000);
      await eventually(() => output.includes('PTC_NETWORK_DISABLED'), 5_000);
      expect(output).toContain('listening on');
      const lines = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { variable?: string; msg: string });
      const noticed = lines.filter((line) => line.variable !== undefined).map((line) => line.variable);
      for (const name of ['APP_NAME', 'ENVIRONMENT', 'PTC_SANDBOX_IMAGE', 'PTC_NETWORK_DISABLED', 'PROMPT_CACHING_ENABLED']) {
        expect(noticed.filter((variable) => variable === name)).toHaveLength(1);
      }
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
