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

/** The model's content for a scripted upstream: what Bedrock or an OpenAI-compatible fake plays. */
export type ModelTurn =
  | { readonly kind: 'code'; readonly code: string; readonly text?: string; readonly id?: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'tool'; readonly name: string; readonly input: Record<string, unknown>; readonly id?: string };
