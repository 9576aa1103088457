import Anthropic from '@anthropic-ai/sdk';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
import { estimateInputTokens } from '../../src/request/estimate-tokens.ts';
import { budgetMonth } from '../../src/store/accounting.ts';
import { useGatewayWithBedrock } from '../helpers/gateway.ts';
import { storeKey } from '../helpers/keys.ts';

/**
 * Issue 10 D22: a Converse stream's message_start announces the local estimate of the input
 * tokens (clients such as LangChain.js read them only there), message_delta the real count, and
 * the usage record and the budget are settled on the real count.
 */

const context = useGatewayWithBedrock({ AUTH_MODE: 'keys', ANTHROPIC_API_KEY: 'sk-ant-api03-gateway-converse-usage' });

const qwen = 'qwen.qwen3-coder-480b-a35b-v1:0';
const body = { model: qwen, max_tokens: 200, stream: true, system: 'You are terse.', messages: [{ role: 'user', content: 'Say hello to the whole wide world, please.' }] };

// text.stream.jsonl: 25 input, 1,025 cache-read and 9 output tokens; Qwen3 Coder at $0.22 / $1.80 (reads a tenth of the input).
const REAL = { input: 25, cacheRead: 1_025, output: 9 };
const COST_MICROS = Math.round(REAL.input * 0.22 + REAL.output * 1.8 + REAL.cacheRead * 0.022);

async function budgetedKey(): Promise<{ key: string; id: string }> {
  return storeKey(context.gateway.accounting, { name: 'converse', userId: 'lc', monthlyBudgetMicros: 1_000_000 });
}

describe('input tokens of a Converse stream (D22)', () => {
  it('message_start has the estimate, message_delta the real count, and accounting the real count', async () => {
    const { key, id } = await budgetedKey();
    const response = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) });
    expect(response.statusCode).toBe(200);
    const requestId = response.headers['x-gateway-request-id'] as string;
    const events = [...decodeSse(await response.body.text())].map((event) => JSON.parse(event.data) as { type: string; message?: { usage: Record<string, number> }; usage?: Record<string, number> });
    const estimate = estimateInputTokens(body);
    expect(estimate).toBeGreaterThan(0);
    expect(events[0]?.message?.usage).toEqual({ input_tokens: estimate, output_tokens: 0 });
    expect(events.find((event) => event.type === 'message_delta')?.usage).toMatchObject({ input_tokens: REAL.input, output_tokens: REAL.output, cache_read_input_tokens: REAL.cacheRead });
    expect(await context.gateway.accounting.getUsage(requestId)).toMatchObject({ inputTokens: REAL.input, outputTokens: REAL.output, cacheReadTokens: REAL.cacheRead, costMicros: COST_MICROS });
    await context.gateway.flushUsage();
    expect(await context.gateway.accounting.getBudget(id, budgetMonth(Date.now()))).toEqual({ spentMicros: COST_MICROS, reservedMicros: 0 });
  });

  it('the official SDK sees the estimate at message_start and the real count in its final message', async () => {
    const { key } = await budgetedKey();
    const client = new Anthropic({ apiKey: key, baseURL: context.gateway.url, maxRetries: 0 });
    const stream = client.messages.stream({ model: qwen, max_tokens: 200, system: body.system, messages: body.messages as Anthropic.MessageParam[] });
    let started: number | undefined;
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start') started = event.message.usage.input_tokens;
    });
    const final = await stream.finalMessage();
    expect(started).toBe(estimateInputTokens(body));
    expect(final.usage).toMatchObject({ input_tokens: REAL.input, output_tokens: REAL.output });
  });
});
