import type { AnsweredBatch, RunOutcome, RunRequest } from '../../src/ptc/sandbox/contract.ts';
import { SandboxPool } from '../../src/ptc/sandbox/pool.ts';

/** What the sandbox's tests share: one pool per test file, and a short way to run code in it. */

export const testLimits = { timeoutMs: 30_000, memoryBytes: 128 * 1024 * 1024, maxOutputBytes: 4096 };

export function testPool(poolSize = 2, maxConcurrent = 2, maxQueued = 16): SandboxPool {
  return new SandboxPool({ poolSize, maxConcurrent, maxQueued });
}

export type RunOptions = Partial<Omit<RunRequest, 'code'>>;

export function runIn(pool: SandboxPool, code: string, options: RunOptions = {}, signal?: AbortSignal): Promise<RunOutcome> {
  return pool.run({ code, tools: ['get_weather', 'query_database'], toolParameters: { query_database: ['sql', 'limit'] }, batches: [], seed: 7, limits: testLimits, ...options }, signal);
}

/** A batch as the protocol would log it: the calls issued, each answered with the text given. */
export function answered(calls: readonly (readonly [string, Record<string, unknown>])[], results: readonly (string | { error: string })[]): AnsweredBatch {
  return {
    calls: calls.map(([name, input], index) => ({ index, name, input })),
    results: results.map((result) => (typeof result === 'string' ? { content: result, isError: false } : { content: result.error, isError: true })),
  };
}

/** The outcome as a finished run, or a failure that says what came instead. */
export function finished(outcome: RunOutcome): { stdout: string; stderr: string; returnCode: number } {
  if (outcome.kind !== 'done') throw new Error(`expected a finished run, got ${JSON.stringify(outcome)}`);
  return outcome;
}
