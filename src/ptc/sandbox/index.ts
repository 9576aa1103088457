import type { PtcSandboxConfig } from '../../config/schema-ptc.ts';
import type { PtcSandboxMetrics } from '../../metrics/ptc-sandbox.ts';
import type { RunLimits } from './contract.ts';
import { SandboxPool, type SandboxObserver } from './pool.ts';

export type { AnsweredBatch, FailedRun, FinishedRun, PausedRun, RunLimits, RunOutcome, RunRequest, Sandbox, SandboxPoolStats, SandboxToolCall, SandboxToolResult } from './contract.ts';
export { SandboxPool, type SandboxObserver, type SandboxPoolFigures, type SandboxPoolOptions } from './pool.ts';

/**
 * The sandbox the configuration describes (ptc.sandbox, docs/ptc.md), reporting to the gateway's
 * metrics when given them. Interpreters start loading at once (the first takes seconds).
 */
export function createSandbox(config: PtcSandboxConfig, metrics?: PtcSandboxMetrics): SandboxPool {
  const observer: SandboxObserver | undefined = metrics;
  const pool = new SandboxPool({ poolSize: config.pool_size, maxConcurrent: config.max_concurrent, maxQueued: config.max_queued, ...(observer === undefined ? {} : { observer }) });
  if (metrics !== undefined) metrics.load = () => pool.stats();
  return pool;
}

/** The limits of one run, from the configuration. */
export function runLimits(config: PtcSandboxConfig): RunLimits {
  return { timeoutMs: config.execution_timeout_ms, memoryBytes: config.memory_limit_bytes, maxOutputBytes: config.max_output_bytes };
}
