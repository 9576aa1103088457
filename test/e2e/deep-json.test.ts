import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/request/json-depth.ts';
import { useGatewayWithBedrock } from '../helpers/gateway.ts';
import { storeKey } from '../helpers/keys.ts';

/**
 * Issue 10 B9: a deeply nested body never crashes a reader of the request (the token bound, the
 * Bedrock converters, JSON.stringify): beyond MAX_JSON_DEPTH it is a 400, within it the request
 * works, for a budgeted key and for every kind of target.
 */

const context = useGatewayWithBedrock({ AUTH_MODE: 'keys', ANTHROPIC_API_KEY: 'sk-ant-api03-gateway-deep-json' });

const models = {
  anthropic: 'claude-sonnet-5-5',
  'bedrock invoke': 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  'bedrock converse': 'qwen.qwen3-coder-480b-a35b-v1:0',
} as const;

/** A conversation whose tool call input nests `depth` levels (the body 5 more), built as text (no recursion here either). */
function deepBody(model: string, depth: number): string {
  const input = `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
  return (
    `{"model":${JSON.stringify(model)},"max_tokens":50,` +
    `"tools":[{"name":"lookup","description":"Looks up","input_schema":{"type":"object","properties":{"a":{"type":"array"}}}}],` +
    `"messages":[{"role":"user","content":"Look it up"},` +
    `{"role":"assistant","content":[{"type":"tool_use","id":"toolu_01","name":"lookup","input":${input}}]},` +
    `{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"found"}]}]}`
  );
}

async function keyWith(budgetMicros: number | undefined): Promise<string> {
  return (await storeKey(context.gateway.accounting, { name: 'deep', userId: 'deep', ...(budgetMicros === undefined ? {} : { monthlyBudgetMicros: budgetMicros }) })).key;
}

async function post(key: string, body: string) {
  const response = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body });
  return { status: response.statusCode, json: (await response.body.json()) as { type?: string; error?: { type?: string; message?: string } } };
}

describe('deeply nested request bodies (B9)', () => {
  for (const [kind, model] of Object.entries(models)) {
    it(`100,000 nested arrays are a 400 for a budgeted key, never a 500 (${kind})`, async () => {
      const key = await keyWith(50_000_000);
      const answer = await post(key, deepBody(model, 100_000));
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      expect(answer.json.error?.message).toContain(String(MAX_JSON_DEPTH));
      expect(context.fake.requests).toHaveLength(0);
      expect(context.bedrock.requests).toHaveLength(0);
    });

    it(`a body nested exactly to the limit works for a budgeted key (${kind})`, async () => {
      const key = await keyWith(50_000_000);
      const answer = await post(key, deepBody(model, MAX_JSON_DEPTH - 5));
      expect(answer.status).toBe(200);
      expect(answer.json.type).toBe('message');
    });
  }

  it('Bedrock targets refuse a deep body with a 400 for a key without a budget too', async () => {
    const key = await keyWith(undefined);
    for (const model of [models['bedrock invoke'], models['bedrock converse']]) {
      const answer = await post(key, deepBody(model, 100_000));
      expect(answer.status).toBe(400);
    }
    expect(context.bedrock.requests).toHaveLength(0);
  });
});
