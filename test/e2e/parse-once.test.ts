import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useGatewayWithBedrock } from '../helpers/gateway.ts';
import { storeKey } from '../helpers/keys.ts';
import * as decodeModule from '../../src/request/decode-body.ts';
import * as scanModule from '../../src/request/body-scan.ts';
import * as jsonModule from '../../src/request/json-body.ts';

const { decodeRequestBody } = decodeModule;
const { scanBody } = scanModule;
const { parseJsonObject } = jsonModule;

/**
 * Issue 11 item 5: a request body is decompressed, scanned and parsed at most once per request,
 * lazily, however many readers it has (the routing fields, the budget's size, each Bedrock
 * attempt); a passthrough request is only scanned. The three steps are counted through spies on
 * their modules, which the gateway in this process imports.
 */

vi.mock('../../src/request/decode-body.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof decodeModule>();
  return { ...actual, decodeRequestBody: vi.fn(actual.decodeRequestBody) };
});
vi.mock('../../src/request/body-scan.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof scanModule>();
  return { ...actual, scanBody: vi.fn(actual.scanBody) };
});
vi.mock('../../src/request/json-body.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof jsonModule>();
  return { ...actual, parseJsonObject: vi.fn(actual.parseJsonObject) };
});

const context = useGatewayWithBedrock({ AUTH_MODE: 'keys', ANTHROPIC_API_KEY: 'sk-ant-api03-gateway-parse-once' });

function counts() {
  return { decoded: vi.mocked(decodeRequestBody).mock.calls.length, scanned: vi.mocked(scanBody).mock.calls.length, parsed: vi.mocked(parseJsonObject).mock.calls.length };
}

async function post(key: string, model: string) {
  const body = gzipSync(JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'Hello' }] }));
  const response = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-api-key': key }, body });
  return { status: response.statusCode, provider: response.headers['x-gateway-provider'], json: (await response.body.json()) as { type?: string } };
}

describe('a request body is read at most once', () => {
  beforeEach(() => vi.clearAllMocks());

  it('a budgeted request served by Bedrock: decompressed once, scanned once, parsed once', async () => {
    const { key } = await storeKey(context.gateway.accounting, { userId: 'once', monthlyBudgetMicros: 50_000_000 });
    const answer = await post(key, 'us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(answer).toMatchObject({ status: 200, provider: 'bedrock', json: { type: 'message' } });
    expect(counts()).toEqual({ decoded: 1, scanned: 1, parsed: 1 });
  });

  it('a passthrough request to Anthropic is decompressed and scanned once, never parsed', async () => {
    const { key } = await storeKey(context.gateway.accounting, { userId: 'once' });
    const answer = await post(key, 'claude-sonnet-5-5');
    expect(answer).toMatchObject({ status: 200, provider: 'anthropic', json: { type: 'message' } });
    expect(counts()).toEqual({ decoded: 1, scanned: 1, parsed: 0 });
    // The bytes went upstream as the client sent them, still compressed.
    expect(context.fake.requests.at(-1)?.headers['content-encoding']).toBe('gzip');
  });
});
