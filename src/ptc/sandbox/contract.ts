/**
 * The contract between Programmatic Tool Calling (src/ptc/) and the Python sandbox that runs the
 * model's code (src/ptc/sandbox/). Issue 13.
 *
 * A container's state is its code plus the log of tool-call batches answered so far; nothing
 * lives in one process's memory. A run replays the code from the start in a fresh (warm)
 * interpreter, deterministically (seeded `random`, a fixed clock, no I/O but tool calls):
 *
 * - the code runs until every task is blocked on a tool call (the event loop is idle): the calls
 *   pending at that moment are one batch (several for `asyncio.gather`, in the order issued);
 * - if the log has an answered batch at that position, the sandbox checks that the calls match it
 *   (same count, names and inputs in order; else `{kind: 'error', errorCode: 'replay_diverged'}`),
 *   resolves them all with the logged results and lets the code go on;
 * - the first batch the log does not answer ends the run with `{kind: 'calls'}`: the caller
 *   shows those calls to the client and, when the client answers, appends a batch and runs again.
 *
 * So a resume on any instance is: load {code, batches} from the shared store, `run()` again.
 */

/** One tool call the code made, in the order issued within its batch. */
export interface SandboxToolCall {
  /** Index of the call inside its batch (0-based). */
  readonly index: number;
  /** The client tool's name, one of RunRequest.tools. */
  readonly name: string;
  /** The keyword/positional arguments the code passed, as a JSON object (positional ones named by RunRequest.toolParameters). */
  readonly input: Record<string, unknown>;
}

/** The client's answer to one call (the `tool_result` block's content, reduced to what code sees). */
export interface SandboxToolResult {
  /** Text the code receives as the awaited value (text blocks joined; JSON stays a string). */
  readonly content: string;
  /** `is_error: true` on the client's tool_result: the awaited call raises `ToolError(content)`. */
  readonly isError: boolean;
}

/** One answered batch: the calls as issued (checked on replay) and their results, same order. */
export interface AnsweredBatch {
  readonly calls: readonly SandboxToolCall[];
  readonly results: readonly SandboxToolResult[];
}

export interface RunLimits {
  /** Wall/CPU time for the whole replayed run, enforced by terminating the worker. */
  readonly timeoutMs: number;
  /** Memory cap of the interpreter (bytes). */
  readonly memoryBytes: number;
  /** Cap on stdout and stderr each (bytes); past it output is truncated and marked. */
  readonly maxOutputBytes: number;
}

export interface RunRequest {
  readonly code: string;
  /** Names of the client tools the code may call (each becomes an `async def name(**kwargs)`). */
  readonly tools: readonly string[];
  readonly batches: readonly AnsweredBatch[];
  readonly limits: RunLimits;
  /** Seed for `random` (fixed per container so replays agree). */
  readonly seed: number;
  /**
   * Each tool's input property names in `input_schema.properties` order, so positional arguments
   * map to them as the official feature does (`await query_database("<sql>")` -> `{"sql": …}`).
   * A tool absent here takes keyword arguments or one dict only.
   */
  readonly toolParameters?: Readonly<Record<string, readonly string[]>>;
  /**
   * What the code's clock reads at the start (ms since the epoch; fixed per container, e.g. its
   * creation time, so replays agree). The clock is virtual: it advances 1 ms per read, `time.sleep`
   * and `asyncio.sleep` return at once. Default 2026-01-01T00:00:00Z.
   */
  readonly clockStartMs?: number;
}

/** The code stopped on calls the log does not answer yet. */
export interface PausedRun {
  readonly kind: 'calls';
  readonly calls: readonly SandboxToolCall[];
}

/** The code ran to the end (return_code 0) or raised (return_code 1, traceback in stderr). */
export interface FinishedRun {
  readonly kind: 'done';
  readonly stdout: string;
  readonly stderr: string;
  readonly returnCode: number;
}

/** The sandbox could not finish the run: maps to `code_execution_tool_result_error.error_code`. */
export interface FailedRun {
  readonly kind: 'error';
  readonly errorCode:
    | 'execution_time_exceeded'
    | 'memory_exceeded'
    | 'output_too_large'
    | 'replay_diverged'
    | 'too_many_requests'
    | 'unavailable';
  readonly message: string;
}

export type RunOutcome = PausedRun | FinishedRun | FailedRun;

export interface SandboxPoolStats {
  readonly warm: number;
  readonly busy: number;
  readonly size: number;
  readonly started: number;
  readonly recycled: number;
}

export interface Sandbox {
  /**
   * Runs (replays) the code. Resolves with an outcome, never rejects for the code's sake; an
   * abort of `signal` stops the run (its interpreter is terminated) and rejects with the reason.
   */
  run(request: RunRequest, signal?: AbortSignal): Promise<RunOutcome>;
  stats(): SandboxPoolStats;
  close(): Promise<void>;
}
