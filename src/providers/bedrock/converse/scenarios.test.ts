import { readdirSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accumulate } from '../../../anthropic/accumulate.ts';
import type { MessageStreamEvent } from '../../../anthropic/types.ts';
import { isGatewayError } from '../../../errors.ts';
import { eventFrame, exceptionFrame } from '../../../../test/fakes/event-stream.ts';
import { loadConverseResponse, loadConverseStream, loadExpectedMessage } from '../../../../test/fixtures/bedrock/converse.ts';
import { fromBedrockException } from '../errors.ts';
import { EventStreamDecoder } from '../event-stream.ts';
import { fromConverseResponse } from './response.ts';
import { ConverseStreamToAnthropic } from './stream.ts';

/**
 * Every Converse fixture scenario (test/fixtures/bedrock/converse/README.md), framed as AWS
 * event-stream bytes and fed through the decoder and the state machine at any chunk boundary;
 * the events accumulate to the expected Message, which the non-streaming converter also gives.
 */

const context = { model: 'claude-sonnet-5-5', id: 'msg_bdrk_01Scenario' };
const completeScenarios = ['text', 'tool-use', 'parallel-tools', 'thinking', 'redacted-thinking', 'max-tokens', 'guardrail', 'cache', 'stop-sequence'];
const failingScenarios = ['mid-stream-exception', 'throttled-after-start'];

const padding = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** The scenario's lines as Bedrock frames them, each event with `p` padding of varying length. */
function framed(name: string): Buffer {
  return Buffer.concat(
    loadConverseStream(name).map((line, index) => (line.exception ? exceptionFrame(line.type, line.payload) : eventFrame(line.type, { ...line.payload, p: padding.slice(0, (index * 7) % padding.length) }))),
  );
}

interface Outcome {
  readonly events: MessageStreamEvent[];
  readonly error?: { readonly code: string; readonly message: string };
}

/** Decoder + state machine over `bytes` cut at `cuts`; a thrown GatewayError ends the run. */
function run(bytes: Buffer, cuts: readonly number[] = []): Outcome {
  const decoder = new EventStreamDecoder();
  const machine = new ConverseStreamToAnthropic(context);
  const events: MessageStreamEvent[] = [];
  try {
    let previous = 0;
    for (const point of [...[...new Set(cuts)].sort((a, b) => a - b), bytes.length]) {
      for (const frame of decoder.push(bytes.subarray(previous, point))) events.push(...machine.push(frame));
      previous = point;
    }
    decoder.end();
    events.push(...machine.end());
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    return { events, error: { code: error.code, message: error.message } };
  }
  return { events };
}

/** The SDK's order rules (protocols.md §1.9) plus block-kind checks; returns the violations. */
function orderViolations(events: readonly MessageStreamEvent[], complete: boolean): string[] {
  const problems: string[] = [];
  let open: { index: number; type: string } | undefined;
  let blocks = 0;
  let lastDelta: string | undefined;
  const allowed: Record<string, readonly string[]> = { text: ['text_delta', 'citations_delta'], thinking: ['thinking_delta', 'signature_delta'], tool_use: ['input_json_delta'], redacted_thinking: [] };
  for (const [position, event] of events.entries()) {
    const at = `event ${position} (${event.type})`;
    if ((position === 0) !== (event.type === 'message_start')) problems.push(`${at}: message_start must come first and once`);
    if (event.type === 'content_block_start') {
      if (open !== undefined) problems.push(`${at}: block ${open.index} is still open`);
      if (event.index !== blocks) problems.push(`${at}: index ${event.index}, expected ${blocks}`);
      open = { index: event.index, type: event.content_block.type };
      blocks++;
      lastDelta = undefined;
    } else if (event.type === 'content_block_delta') {
      if (open?.index !== event.index) problems.push(`${at}: delta for a block that is not open`);
      else if (!(allowed[open.type] ?? []).includes(event.delta.type)) problems.push(`${at}: ${event.delta.type} on a ${open.type} block`);
      if (lastDelta === 'signature_delta') problems.push(`${at}: signature_delta must come just before content_block_stop`);
      lastDelta = event.delta.type;
    } else if (event.type === 'content_block_stop') {
      if (open?.index !== event.index) problems.push(`${at}: stop for a block that is not open`);
      open = undefined;
    } else if (event.type === 'message_delta' && open !== undefined) {
      problems.push(`${at}: block ${open.index} is still open`);
    }
  }
  const tail = events.slice(-2).map((event) => event.type);
  if (complete && !isDeepStrictEqual(tail, ['message_delta', 'message_stop'])) problems.push(`the stream ends with ${tail.join(', ')}`);
  if (events.filter((event) => event.type === 'message_delta').length !== (complete ? 1 : 0)) problems.push('message_delta count');
  return problems;
}

describe('Converse scenarios', () => {
  it('covers every fixture in the folder', () => {
    const onDisk = readdirSync(new URL('../../../../test/fixtures/bedrock/converse/', import.meta.url))
      .filter((file) => file.endsWith('.stream.jsonl'))
      .map((file) => file.slice(0, -'.stream.jsonl'.length));
    expect(onDisk.sort()).toEqual([...completeScenarios, ...failingScenarios].sort());
  });

  describe.each(completeScenarios)('%s', (name) => {
    const bytes = framed(name);
    const expected = loadExpectedMessage(name, context.model, context.id);

    it('streams to the expected Message, keeping the event order rules', () => {
      const { events, error } = run(bytes);
      expect(error).toBeUndefined();
      expect(orderViolations(events, true)).toEqual([]);
      expect(accumulate(events)).toEqual(expected);
    });

    it('gives the same events whole, byte by byte and at random chunk boundaries', () => {
      const whole = run(bytes);
      expect(run(bytes, Array.from({ length: bytes.length - 1 }, (_, index) => index + 1))).toEqual(whole);
      fc.assert(fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 16 }), (cuts) => isDeepStrictEqual(run(bytes, cuts), whole)), { numRuns: 150 });
    });

    it('converts the non-streaming response to the same Message', () => {
      expect(fromConverseResponse(loadConverseResponse(name), context)).toEqual(expected);
    });
  });

  describe.each(failingScenarios)('%s', (name) => {
    const bytes = framed(name);
    const lines = loadConverseStream(name);
    const last = lines[lines.length - 1];

    it('emits a well-ordered prefix, then throws the mapped Bedrock error at any chunk boundary', () => {
      const outcome = run(bytes);
      const mapped = fromBedrockException(last?.type ?? '', String(last?.payload.message));
      expect(outcome.error).toEqual({ code: mapped.code, message: mapped.message });
      expect(outcome.events.length).toBeGreaterThan(0);
      expect(orderViolations(outcome.events, false)).toEqual([]);
      fc.assert(fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 16 }), (cuts) => isDeepStrictEqual(run(bytes, cuts), outcome)), { numRuns: 150 });
    });
  });
});
