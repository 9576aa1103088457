import { Worker } from 'node:worker_threads';
import type { FailedRun, RunOutcome, RunRequest, Sandbox, SandboxPoolStats } from './contract.ts';
import type { FromWorker, RunMessage } from './messages.ts';
import type { WasmModule } from './worker.ts';
import { toOutcome } from './outcome.ts';

/**
 * The Sandbox: a pool of warm interpreters (worker.ts), each used for one run and then
 * terminated, with `poolSize` more kept loading or loaded in advance so a run starts at once.
 * At most `maxConcurrent` runs at a time, `maxQueued` more wait; beyond, too_many_requests.
 */

export interface SandboxPoolOptions {
  /** Interpreters kept loaded and waiting. */
  readonly poolSize: number;
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  /** JavaScript heap of one worker (the interpreter's own memory is RunLimits.memoryBytes). */
  readonly workerHeapMb?: number;
  readonly observer?: SandboxObserver;
}

/** What the pool reports as it works (metrics.ts implements it). */
export interface SandboxObserver {
  interpreterStarted(loadMs: number): void;
  interpreterFailed(): void;
  runFinished(outcome: RunOutcome, durationMs: number): void;
}

/** The pool's figures, the contract's and how many runs wait. */
export interface SandboxPoolFigures extends SandboxPoolStats {
  readonly starting: number;
  readonly queued: number;
  readonly maxConcurrent: number;
}

interface Interpreter {
  readonly worker: Worker;
  /** Resolves when the interpreter is loaded; rejects if it never is. */
  readonly ready: Promise<void>;
  loaded: boolean;
}

const workerFile = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
const defaultClockStartMs = Date.UTC(2026, 0, 1);

export class SandboxPool implements Sandbox {
  private readonly idle: Interpreter[] = [];
  private readonly waiting: (() => void)[] = [];
  private busy = 0;
  private started = 0;
  private recycled = 0;
  private failures = 0;
  private refillTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The memory image of a loaded interpreter with the harness (the first worker makes it). */
  private snapshot: { readonly image: Uint8Array; readonly module: WasmModule } | undefined;

  private readonly options: SandboxPoolOptions;

  constructor(options: SandboxPoolOptions) {
    this.options = options;
    this.refill();
  }

  async run(request: RunRequest, signal?: AbortSignal): Promise<RunOutcome> {
    const begin = performance.now();
    if (this.closed) return this.report(unavailable('the sandbox is shut down'), begin);
    if (this.busy >= this.options.maxConcurrent) {
      if (this.waiting.length >= this.options.maxQueued) return this.report({ kind: 'error', errorCode: 'too_many_requests', message: `${this.options.maxConcurrent} runs of code are under way and ${this.waiting.length} wait` }, begin);
      await this.slot(signal);
    }
    this.busy += 1;
    let interpreter: Interpreter | undefined;
    try {
      interpreter = this.idle.shift() ?? this.spawn();
      await abortable(interpreter.ready, signal);
      return this.report(await this.execute(interpreter, request, signal), begin);
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      return this.report(unavailable(`the sandbox could not start an interpreter: ${error instanceof Error ? error.message : String(error)}`), begin);
    } finally {
      if (interpreter !== undefined) {
        this.recycled += 1;
        void interpreter.worker.terminate();
      }
      this.busy -= 1;
      this.waiting.shift()?.();
      this.refill();
    }
  }

  private report(outcome: RunOutcome, begin: number): RunOutcome {
    this.options.observer?.runFinished(outcome, performance.now() - begin);
    return outcome;
  }

  stats(): SandboxPoolFigures {
    const loaded = this.idle.filter((interpreter) => interpreter.loaded).length;
    return { warm: loaded, starting: this.idle.length - loaded, busy: this.busy, size: this.options.poolSize, started: this.started, recycled: this.recycled, queued: this.waiting.length, maxConcurrent: this.options.maxConcurrent };
  }

  /** Resolves once every interpreter the pool keeps is loaded (tests, benchmarks, start-up). */
  async warmUp(): Promise<void> {
    await Promise.all(this.idle.map((interpreter) => interpreter.ready));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refillTimer);
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((interpreter) => interpreter.worker.terminate()));
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Keeps poolSize interpreters loading or loaded; until the image exists, only the one that makes it. */
  private refill(): void {
    if (this.closed || this.refillTimer !== undefined) return;
    const target = this.snapshot === undefined ? Math.min(1, this.options.poolSize) : this.options.poolSize;
    while (this.idle.length < target) this.idle.push(this.spawn());
  }

  private spawn(): Interpreter {
    this.started += 1;
    const worker = new Worker(workerFile, {
      workerData: this.snapshot === undefined ? null : { snapshot: this.snapshot.image, module: this.snapshot.module },
      env: {},
      stdin: false,
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: this.options.workerHeapMb ?? 256 },
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const interpreter: Interpreter = {
      worker,
      loaded: false,
      ready: new Promise<void>((resolve, reject) => {
        const onMessage = (message: FromWorker) => {
          if (message.type === 'snapshot') {
            this.snapshot ??= { image: message.image, module: message.module };
            queueMicrotask(() => this.refill());
          }
          if (message.type !== 'ready') return;
          interpreter.loaded = true;
          this.failures = 0;
          this.options.observer?.interpreterStarted(message.loadMs);
          worker.off('message', onMessage);
          resolve();
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        worker.once('exit', (code) => {
          reject(new Error(`the interpreter exited while loading (code ${code})`));
          if (interpreter.loaded && this.idle.includes(interpreter)) {
            this.forget(interpreter);
            this.refill();
          }
        });
      }),
    };
    interpreter.ready.catch(() => {
      if (interpreter.loaded || this.closed) return;
      this.options.observer?.interpreterFailed();
      this.failures += 1;
      this.forget(interpreter);
      this.retryLater();
    });
    return interpreter;
  }

  /** A worker that failed to load leaves the pool; loading again waits longer after each failure. */
  private retryLater(): void {
    if (this.closed || this.refillTimer !== undefined) return;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6));
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.refill();
    }, delay);
    this.refillTimer.unref();
  }

  private forget(interpreter: Interpreter): void {
    const index = this.idle.indexOf(interpreter);
    if (index !== -1) this.idle.splice(index, 1);
  }

  /** Waits for a run to finish; an abort while waiting leaves the queue. */
  private slot(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(wake);
        if (index !== -1) this.waiting.splice(index, 1);
        reject(signal?.reason as Error);
      };
      this.waiting.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private execute(interpreter: Interpreter, request: RunRequest, signal: AbortSignal | undefined): Promise<RunOutcome> {
    const { worker } = interpreter;
    const message: RunMessage = {
      type: 'run',
      requestJson: JSON.stringify({ code: request.code, tools: request.tools, toolParameters: request.toolParameters ?? {}, batches: request.batches, seed: request.seed, maxOutputBytes: request.limits.maxOutputBytes }),
      memoryBytes: request.limits.memoryBytes,
      seed: request.seed,
      clockStartMs: request.clockStartMs ?? defaultClockStartMs,
    };
    return new Promise<RunOutcome>((resolve, reject) => {
      const finish = (outcome: RunOutcome) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        worker.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
        resolve(outcome);
      };
      const timer = setTimeout(() => finish({ kind: 'error', errorCode: 'execution_time_exceeded', message: `the code ran longer than ${request.limits.timeoutMs} ms` }), request.limits.timeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        worker.removeAllListeners('message');
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (reply: FromWorker) => {
        if (reply.type === 'outcome' || reply.type === 'crash') finish(toOutcome(reply, request));
      });
      worker.on('error', (error: Error & { code?: string }) => {
        finish(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? { kind: 'error', errorCode: 'memory_exceeded', message: 'the code used more memory than the sandbox allows' } : unavailable(`the interpreter failed: ${error.message}`));
      });
      worker.on('exit', (code) => finish(unavailable(`the interpreter exited (code ${code})`)));
      worker.postMessage(message);
    });
  }
}

function unavailable(message: string): FailedRun {
  return { kind: 'error', errorCode: 'unavailable', message };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
