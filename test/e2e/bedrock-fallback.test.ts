import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
import { converseScenario, invokeScenario, type BedrockStep } from '../fakes/bedrock.ts';
import { useGatewayWithBedrock } from '../helpers/gateway.ts';

/**
 * A Bedrock target in the middle of a chain follows the same commit rule as an Anthropic one
 * (issue 11): until its first content, a failure (a throttling exception after `messageStart`, a
 * hang) still moves on to the next target, and the client gets one complete answer from it.
 * Through the real gateway, against the fake Bedrock (real event-stream frames, SigV4 checked).
 */

const qwen = 'qwen.qwen3-coder-480b-a35b-v1:0';
const claudeOnBedrock = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const fallbackModel = 'claude-sonnet-5-5';
const context = useGatewayWithBedrock(
  {},
  {
    'routing.retry_budget_minimum': 10_000,
    'routing.first_event_timeout_ms': 2_000,
    routes: [
      { match: 'converse-then-anthropic', targets: [{ provider: 'bedrock', model: qwen, api: 'converse' }, { provider: 'anthropic', model: fallbackModel }] },
      { match: 'invoke-then-anthropic', targets: [{ provider: 'bedrock', model: claudeOnBedrock, api: 'invoke' }, { provider: 'anthropic', model: fallbackModel }] },
    ],
  },
);

function client(): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-api03-alice', baseURL: context.gateway.url, maxRetries: 0 });
}

function post(model: string): Promise<Response> {
  return fetch(`${context.gateway.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-alice' },
    body: JSON.stringify({ model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

/** A stream of `step`'s kind that sends its first event, then a throttling exception. */
function throttledAfterStart(step: BedrockStep, chunking: 'frame' | 'byte' | number): BedrockStep {
  if (step.kind !== 'event-stream') throw new Error('expected a stream');
  return { ...step, chunking, items: [step.items[0] as never, { exception: 'throttlingException', payload: { message: 'Too many requests, please wait before trying again.' } }] };
}

async function expectOneAnswerFromAnthropic(response: Response, trigger: string): Promise<void> {
  expect(response.status).toBe(200);
  expect(response.headers.get('x-gateway-provider')).toBe('anthropic');
  expect(response.headers.get('x-gateway-fallback')).toBe(trigger);
  const events = decodeSse(await response.text());
  expect(events.filter((event) => event.event === 'message_start')).toHaveLength(1);
  expect(events.filter((event) => event.event === 'error')).toHaveLength(0);
  expect(events.at(-1)?.event).toBe('message_stop');
  expect(context.fake.requests).toHaveLength(1);
}

describe('a Bedrock target mid-chain falls back until its first content', () => {
  it.each([
    ['Converse', 'converse-then-anthropic', 'frame', () => converseScenario('text', true)],
    ['Converse', 'converse-then-anthropic', 7, () => converseScenario('text', true)],
    ['InvokeModel', 'invoke-then-anthropic', 'frame', () => invokeScenario('text', { stream: true })],
    ['InvokeModel', 'invoke-then-anthropic', 5, () => invokeScenario('text', { stream: true })],
  ] as const)('%s (%s, chunking %s): a throttling exception after the first frame moves on', async (_api, model, chunking, step) => {
    context.bedrock.enqueue(throttledAfterStart(step(), chunking));
    await expectOneAnswerFromAnthropic(await post(model), 'rate_limited');
    expect(context.bedrock.requests).toHaveLength(1);
  });

  it('the official SDK gets the fallback answer whole from its stream helper', async () => {
    context.bedrock.enqueue(throttledAfterStart(converseScenario('text', true), 'frame'));
    const message = await client().messages.stream({ model: 'converse-then-anthropic', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect(message.stop_reason).toBe('end_turn');
  });

  it('a Converse stream that hangs after its first frame moves on after the first-event timeout', async () => {
    const step = converseScenario('text', true);
    if (step.kind !== 'event-stream') throw new Error('expected a stream');
    context.bedrock.enqueue({ ...step, items: [step.items[0] as never], then: 'hang' });
    await expectOneAnswerFromAnthropic(await post('converse-then-anthropic'), 'timeout');
    await context.bedrock.last().settled;
    expect(context.bedrock.last().aborted).toBe(true);
  });

  it('after the first content the stream is committed: a throttling exception is one error event', async () => {
    context.bedrock.enqueue(converseScenario('mid-stream-exception', true));
    const response = await post('converse-then-anthropic');
    expect(response.headers.get('x-gateway-provider')).toBe('bedrock');
    const events = decodeSse(await response.text());
    expect(events.filter((event) => event.event === 'error')).toHaveLength(1);
    expect(events.at(-1)?.event).toBe('error');
    expect(context.fake.requests).toHaveLength(0);
  });
});
