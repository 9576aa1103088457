import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Metrics of the PTC sandbox's pool of Python interpreters (src/ptc/sandbox/pool.ts). The pool
 * reports through the three observe methods (it takes them as its SandboxObserver) and its load
 * is read at scrape time through `load`. Labels are closed sets: the outcome is `calls`, `done`
 * or one of the sandbox's six error codes.
 */

/** The pool's load now (SandboxPool.stats()). */
export interface SandboxLoad {
  readonly warm: number;
  readonly starting: number;
  readonly busy: number;
  readonly queued: number;
}

/** A run's outcome as far as metrics go (the sandbox's RunOutcome fits it). */
export interface SandboxRunResult {
  readonly kind: 'calls' | 'done' | 'error';
  readonly errorCode?: string;
}

const runBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class PtcSandboxMetrics {
  /** Reads the pool's load (set when the sandbox exists; absent: the gauges read 0). */
  load: () => SandboxLoad | undefined = () => undefined;
  private readonly runs: Counter<'outcome'>;
  private readonly runDuration: Histogram;
  private readonly interpreterStarts: Counter<'result'>;
  private readonly interpreterLoad: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.runs = new Counter({ name: 'gateway_ptc_sandbox_runs_total', help: 'Runs of model code in the sandbox, by outcome: calls (paused on tool calls), done, or the error code.', labelNames: ['outcome'], registers });
    this.runDuration = new Histogram({ name: 'gateway_ptc_sandbox_run_duration_seconds', help: 'Time of one run of model code (a resume replays from the start), waiting for an interpreter included.', buckets: runBuckets, registers });
    this.interpreterStarts = new Counter({ name: 'gateway_ptc_sandbox_interpreter_starts_total', help: 'Python interpreters started for the pool, by result (loaded, failed).', labelNames: ['result'], registers });
    this.interpreterLoad = new Histogram({ name: 'gateway_ptc_sandbox_interpreter_load_seconds', help: 'Time to load one Python interpreter (the first from scratch, the others from its memory image).', buckets: runBuckets, registers });
    const read = () => this.load();
    new Gauge({
      name: 'gateway_ptc_sandbox_interpreters',
      help: 'Python interpreters of the PTC sandbox now, by state: warm (loaded, waiting), starting, busy (running code).',
      labelNames: ['state'],
      registers,
      collect() {
        const load = read();
        for (const state of ['warm', 'starting', 'busy'] as const) this.set({ state }, load?.[state] ?? 0);
      },
    });
    new Gauge({
      name: 'gateway_ptc_sandbox_queued_runs',
      help: 'Runs of model code waiting for an interpreter (at the concurrency cap).',
      registers,
      collect() {
        this.set(read()?.queued ?? 0);
      },
    });
  }

  interpreterStarted(loadMs: number): void {
    this.interpreterStarts.inc({ result: 'loaded' });
    this.interpreterLoad.observe(loadMs / 1000);
  }

  interpreterFailed(): void {
    this.interpreterStarts.inc({ result: 'failed' });
  }

  runFinished(outcome: SandboxRunResult, durationMs: number): void {
    this.runs.inc({ outcome: outcome.kind === 'error' ? (outcome.errorCode ?? 'error') : outcome.kind });
    this.runDuration.observe(durationMs / 1000);
  }
}
