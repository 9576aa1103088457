import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { UsageRecord } from '../../src/store/accounting.ts';
import { eventually, useGatewayWithFake } from '../helpers/gateway.ts';

/**
 * The `in_progress` record of a request (D1: a request whose client saw anything has a record
 * after a crash) is committed alongside the upstream call, not before it (issue 14), and the
 * answer's first byte waits for it.
 */

const context = useGatewayWithFake({ BEDROCK_ENABLED: 'false' });

/** Holds every store write that carries an `in_progress` record until `release`. */
function holdIntents(): { release(): void; durable(): boolean } {
  const store = context.gateway.accounting;
  const original = store.writeUsage.bind(store);
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let durable = false;
  store.writeUsage = async (records: readonly UsageRecord[]) => {
    if (records.some((record) => record.state === 'in_progress')) await gate;
    await original(records);
    if (records.some((record) => record.state === 'in_progress')) durable = true;
  };
  return { release: () => release(), durable: () => durable };
}

describe('the in_progress record', () => {
  for (const stream of [true, false]) {
    it(`is committed while the upstream answers, and before the first byte of ${stream ? 'a stream' : 'a JSON answer'}`, async () => {
      const held = holdIntents();
      const answer = request(`${context.gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-ant-api03-intent-test' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream, messages: [{ role: 'user', content: 'Hello' }] }),
      });
      let answered = false;
      void answer.then(() => (answered = true));
      // The upstream is called while the record is not yet durable.
      await eventually(() => context.fake.requests.length === 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(held.durable()).toBe(false);
      expect(answered).toBe(false);
      held.release();
      const response = await answer;
      expect(held.durable()).toBe(true);
      expect(response.statusCode).toBe(200);
      await response.body.text();
      await context.gateway.flushUsage();
      const requestId = String(response.headers['x-gateway-request-id']);
      expect((await context.gateway.accounting.getUsage(requestId))?.state).toBe('complete');
    });
  }
});
