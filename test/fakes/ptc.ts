import type { RunOutcome, RunRequest, Sandbox, SandboxPoolStats, SandboxToolCall } from '../../src/ptc/sandbox/contract.ts';

/**
 * Test doubles for Programmatic Tool Calling: a scripted sandbox (the protocol's tests need no
 * Python; src/ptc/sandbox/ has the real one) and the model turns a scripted upstream plays.
 */

/** A sandbox that answers each run from a script keyed on what the code and its answered batches are. */
export class ScriptedSandbox implements Sandbox {
  readonly runs: RunRequest[] = [];
  #script: (request: RunRequest) => RunOutcome | Promise<RunOutcome>;

  constructor(script: (request: RunRequest) => RunOutcome | Promise<RunOutcome> = () => ({ kind: 'done', stdout: '', stderr: '', returnCode: 0 })) {
    this.#script = script;
  }

  script(script: (request: RunRequest) => RunOutcome | Promise<RunOutcome>): void {
    this.#script = script;
  }

  async run(request: RunRequest): Promise<RunOutcome> {
    this.runs.push(structuredClone(request));
    return this.#script(request);
  }

  stats(): SandboxPoolStats {
    return { warm: 1, busy: 0, size: 1, started: 1, recycled: 0 };
  }

  async close(): Promise<void> {}
}

export function calls(...list: [string, Record<string, unknown>][]): RunOutcome {
  return { kind: 'calls', calls: list.map(([name, input], index): SandboxToolCall => ({ index, name, input })) };
}

export function printed(stdout: string, stderr = '', returnCode = 0): RunOutcome {
  return { kind: 'done', stdout, stderr, returnCode };
}

/**
 * A script for the usual program: batch after batch of calls, then output. `batches[i]` is what
 * the code calls once i batches are answered; past them it prints `stdout(results)`.
 */
export function program(batches: readonly (readonly [string, Record<string, unknown>][])[], stdout: (request: RunRequest) => string): (request: RunRequest) => RunOutcome {
  return (request) => {
    const next = batches[request.batches.length];
    if (next !== undefined) return calls(...next);
    return printed(stdout(request));
  };
}

/**
 * One block of a model's turn, for a scripted upstream: text, a call of the emulated
 * `execute_code` tool, or a direct call of a client tool.
 */
export type TurnBlock = { readonly text: string } | { readonly code: string } | { readonly tool: string; readonly input: Record<string, unknown> };

export interface TurnUsage {
  readonly input: number;
  readonly output: number;
}

function blockCall(block: TurnBlock, index: number): { id: string; name: string; input: Record<string, unknown> } | undefined {
  if ('text' in block) return undefined;
  return 'code' in block ? { id: `toolu_up${index}`, name: 'execute_code', input: { code: block.code } } : { id: `toolu_up${index}`, name: block.tool, input: block.input };
}

/** A model turn as Anthropic stream events (what InvokeModel and Bedrock's Messages API stream). */
export function turnEvents(blocks: readonly TurnBlock[], usage: TurnUsage = { input: 10, output: 5 }): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [{ type: 'message_start', message: { id: 'msg_bdrk_up', type: 'message', role: 'assistant', model: 'claude-up', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input, output_tokens: 1 } } }];
  let calls = false;
  blocks.forEach((block, index) => {
    const call = blockCall(block, index);
    if (call === undefined) {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }, { type: 'content_block_delta', index, delta: { type: 'text_delta', text: (block as { text: string }).text } });
    } else {
      calls = true;
      events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } }, { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(call.input) } });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({ type: 'message_delta', delta: { stop_reason: calls ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output } }, { type: 'message_stop' });
  return events;
}

/** InvokeModelWithResponseStream chunk frames for a turn. */
export function invokeTurn(blocks: readonly TurnBlock[], usage: TurnUsage = { input: 10, output: 5 }) {
  const metrics = { inputTokenCount: usage.input, outputTokenCount: usage.output, invocationLatency: 100, firstByteLatency: 10 };
  return {
    kind: 'event-stream' as const,
    items: turnEvents(blocks, usage).map((event) => ({ anthropic: event.type === 'message_stop' ? { ...event, 'amazon-bedrock-invocationMetrics': metrics } : event })),
  };
}

/** Bedrock's Messages API (`/anthropic/v1/messages`): the turn as Anthropic SSE. */
export function messagesApiTurn(blocks: readonly TurnBlock[], usage: TurnUsage = { input: 10, output: 5 }) {
  return { kind: 'sse' as const, items: turnEvents(blocks, usage).map((event) => ({ event })) };
}

/** ConverseStream frames for a turn. */
export function converseTurn(blocks: readonly TurnBlock[], usage: TurnUsage = { input: 10, output: 5 }) {
  const items: { converse: string; payload: object }[] = [{ converse: 'messageStart', payload: { role: 'assistant' } }];
  let calls = false;
  blocks.forEach((block, index) => {
    const call = blockCall(block, index);
    if (call === undefined) {
      items.push({ converse: 'contentBlockDelta', payload: { contentBlockIndex: index, delta: { text: (block as { text: string }).text } } });
    } else {
      calls = true;
      items.push(
        { converse: 'contentBlockStart', payload: { contentBlockIndex: index, start: { toolUse: { toolUseId: `tooluse_${call.id}`, name: call.name } } } },
        { converse: 'contentBlockDelta', payload: { contentBlockIndex: index, delta: { toolUse: { input: JSON.stringify(call.input) } } } },
      );
    }
    items.push({ converse: 'contentBlockStop', payload: { contentBlockIndex: index } });
  });
  items.push({ converse: 'messageStop', payload: { stopReason: calls ? 'tool_use' : 'end_turn' } }, { converse: 'metadata', payload: { usage: { inputTokens: usage.input, outputTokens: usage.output, totalTokens: usage.input + usage.output }, metrics: { latencyMs: 100 } } });
  return { kind: 'event-stream' as const, items };
}

/** A Chat Completions stream for a turn (text first, then the tool calls). */
export function openAITurn(blocks: readonly TurnBlock[], usage: TurnUsage = { input: 10, output: 5 }) {
  const base = { id: 'chatcmpl-ptc', object: 'chat.completion.chunk', created: 1_765_000_000, model: 'fake-model' };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ chunk: { ...base, choices: [{ index: 0, delta, finish_reason: finish }] } });
  const items: { chunk: Record<string, unknown> }[] = [chunk({ role: 'assistant', content: '' })];
  const text = blocks.filter((block): block is { text: string } => 'text' in block).map((block) => block.text).join('');
  if (text !== '') items.push(chunk({ content: text }));
  let calls = 0;
  blocks.forEach((block, index) => {
    const call = blockCall(block, index);
    if (call === undefined) return;
    items.push(chunk({ tool_calls: [{ index: calls++, id: `call_${call.id}`, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.input) } }] }));
  });
  items.push(chunk({}, calls > 0 ? 'tool_calls' : 'stop'), { chunk: { ...base, choices: [], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output } } });
  return { kind: 'sse' as const, items };
}
