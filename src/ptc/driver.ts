import type { AnthropicStreamEvent } from '../anthropic/types.ts';
import type { Containers, PausedExecution } from './container.ts';
import type { PtcRequest } from './detect.ts';
import { codeOf, type CodeOutcome } from './outcome.ts';
import { codeResultEvents, messageEnd, messageStart, noUsage, pendingCallEvents, UsageTotals, type AnswerContainer } from './events.ts';
import { outcomeForModel } from './prompt.ts';
import { RoundTranslator, type CodeCall, type RoundResult } from './round.ts';
import type { AnsweredBatch, RunLimits, RunRequest, Sandbox } from './sandbox/contract.ts';

/**
 * The rounds of one emulated Programmatic Tool Calling answer (docs/ptc.md, "The rounds"): the
 * model's round streams to the client (round.ts); when it calls `execute_code`, the code runs in
 * the sandbox. Code that stops on tool calls ends the answer with those calls (`stop_reason:
 * "tool_use"`), its state saved in the container first; code that ends gives a
 * `code_execution_tool_result`, which goes back to the model as its tool result, and the next
 * round streams on in the same answer, until the model stops (or calls tools itself, or the
 * round limit makes it a `pause_turn`). One `message_start` and one `message_delta` for the
 * whole answer; usage summed over the rounds.
 */

export interface DriverContext {
  readonly ptc: PtcRequest;
  readonly messageId: string;
  readonly model: string;
  readonly container: AnswerContainer;
  /**
   * What the container keeps when the answer ends without new paused code: the execution it
   * held (a resumed one with its last batch), so a client retrying its last answer replays it.
   */
  readonly kept: PausedExecution | undefined;
  readonly containers: Containers;
  readonly sandbox: Sandbox;
  readonly limits: RunLimits;
  readonly now: () => number;
  readonly newServerToolUseId: () => string;
  /** Upstream rounds in one answer at most; past it the answer ends with `pause_turn`. */
  readonly maxRounds: number;
  readonly signal: AbortSignal;
  /** Opens one upstream round with these messages (the rest of the body as the client sent it, converted). */
  readonly openRound: (messages: readonly unknown[]) => Promise<AsyncIterable<AnthropicStreamEvent>>;
}

/** How the answer begins: paused code that stops again at once, or an upstream round already opened. */
export type DriverStart =
  | { readonly kind: 'paused'; readonly execution: PausedExecution }
  | {
      readonly kind: 'round';
      readonly messages: readonly unknown[];
      readonly events: AsyncIterable<AnthropicStreamEvent>;
      /** The result of resumed code that ended, written before the round's blocks. */
      readonly resumed?: { readonly toolUseId: string; readonly outcome: CodeOutcome };
    };

export async function* ptcAnswer(context: DriverContext, start: DriverStart): AsyncGenerator<AnthropicStreamEvent> {
  if (start.kind === 'paused') {
    yield messageStart(context.messageId, context.model, noUsage, context.container);
    yield* pendingCallEvents(start.execution, 0);
    yield* messageEnd('tool_use', null, noUsage, context.container);
    return;
  }
  const usage = new UsageTotals();
  let { messages, events } = start;
  let blocks = 0;
  let started = false;
  for (let round = 1; ; round++) {
    const translator = new RoundTranslator(blocks + (started || start.resumed === undefined ? 0 : 1), context.newServerToolUseId);
    for await (const event of events) {
      if (event.type === 'message_start') usage.observe(event.message.usage as unknown as Record<string, unknown>);
      if (event.type === 'message_delta') usage.observe(event.usage as unknown as Record<string, unknown>);
      if (!started && event.type !== 'ping') {
        started = true;
        yield messageStart(context.messageId, context.model, event.type === 'message_start' ? event.message.usage : noUsage, context.container);
        if (start.resumed !== undefined) yield* codeResultEvents(start.resumed.toolUseId, start.resumed.outcome, blocks++);
      }
      yield* translator.push(event);
    }
    usage.endRound();
    const result = translator.result();
    blocks += result.blocks;
    if (result.codeCalls.length === 0 || result.message.stop_reason !== 'tool_use') {
      await context.containers.save(context.container.id, context.kept, context.now());
      yield* messageEnd(result.message.stop_reason, result.message.stop_sequence, usage.totals(), context.container);
      return;
    }
    const ran = yield* runCodeCalls(context, result, blocks);
    blocks = ran.blocks;
    if (ran.paused !== undefined) {
      await context.containers.save(context.container.id, ran.paused, context.now());
      yield* pendingCallEvents(ran.paused, blocks);
      yield* messageEnd('tool_use', null, usage.totals(), context.container);
      return;
    }
    if (result.directCalls > 0 || round >= context.maxRounds) {
      await context.containers.save(context.container.id, context.kept, context.now());
      yield* messageEnd(result.directCalls > 0 ? 'tool_use' : 'pause_turn', null, usage.totals(), context.container);
      return;
    }
    messages = [...messages, { role: 'assistant', content: result.message.content }, { role: 'user', content: ran.toolResults }];
    events = await context.openRound(messages);
  }
}

interface RanCode {
  /** The code stopped on calls: the execution to save and whose calls end the answer. */
  readonly paused: PausedExecution | undefined;
  readonly blocks: number;
  /** The `tool_result`s of the model's `execute_code` calls, for its next round. */
  readonly toolResults: readonly Record<string, unknown>[];
}

const oneAtATime: CodeOutcome = { kind: 'invalid_input', message: 'only one execute_code call runs per turn; call it again with this code once the first one has its result.' };

/**
 * Runs the round's first `execute_code` call (the others get an error: one paused execution per
 * container), writing the results of those that ended.
 */
async function* runCodeCalls(context: DriverContext, result: RoundResult, from: number): AsyncGenerator<AnthropicStreamEvent, RanCode> {
  const [first, ...others] = result.codeCalls as [CodeCall, ...CodeCall[]];
  let blocks = from;
  const outcomes: { id: string; outcome: CodeOutcome }[] = [];
  for (const other of others) {
    yield* codeResultEvents(other.id, oneAtATime, blocks++);
    outcomes.push({ id: other.id, outcome: oneAtATime });
  }
  const code = codeOf(first.input);
  let outcome: CodeOutcome;
  if (typeof code === 'string') {
    const execution: PausedExecution = {
      toolId: first.id,
      version: context.ptc.version,
      code,
      tools: context.ptc.callable.map((tool) => tool.name),
      seed: seedOf(first.id),
      toolParameters: toolParameters(context.ptc),
      clockStartMs: context.now(),
      batches: [],
      pending: [],
    };
    const run = await context.sandbox.run(runRequest(execution, [], context.limits), context.signal);
    if (run.kind === 'calls') return { paused: { ...execution, pending: run.calls }, blocks, toolResults: [] };
    outcome = run;
  } else {
    outcome = code;
  }
  yield* codeResultEvents(first.id, outcome, blocks++);
  outcomes.unshift({ id: first.id, outcome });
  const toolResults = outcomes.map(({ id, outcome: each }) => {
    const forModel = outcomeForModel(each);
    return { type: 'tool_result', tool_use_id: id, content: forModel.content, ...(forModel.isError ? { is_error: true } : {}) };
  });
  return { paused: undefined, blocks, toolResults };
}

/** What the sandbox runs for `execution` with these answered batches. */
export function runRequest(execution: PausedExecution, batches: readonly AnsweredBatch[], limits: RunLimits): RunRequest {
  const { code, tools, seed, toolParameters: parameters, clockStartMs } = execution;
  return { code, tools, batches, limits, seed, toolParameters: parameters, clockStartMs };
}

function toolParameters(ptc: PtcRequest): Record<string, string[]> {
  const parameters: Record<string, string[]> = {};
  for (const tool of ptc.callable) {
    const properties = (tool.inputSchema as { properties?: unknown } | null)?.properties;
    parameters[tool.name] = typeof properties === 'object' && properties !== null && !Array.isArray(properties) ? Object.keys(properties) : [];
  }
  return parameters;
}

/** The seed of an execution's `random`: derived from its id, so every replay agrees. */
export function seedOf(toolId: string): number {
  let hash = 2166136261;
  for (let index = 0; index < toolId.length; index++) hash = Math.imul(hash ^ toolId.charCodeAt(index), 16777619) >>> 0;
  return hash;
}
