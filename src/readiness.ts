import type { Logger } from './logging/logger.ts';

/**
 * Whether the gateway can serve: a background check of what it cannot work without (the
 * DynamoDB tables when STORE=dynamodb), so `/health` answers 503 with the reason while they
 * cannot be reached and 200 again once they can. Checked at start (bounded), then every
 * `intervalMs` while ready and every `retryMs` while not; a check never outlives `timeoutMs`.
 */

export interface ReadinessState {
  readonly ready: boolean;
  /** Why not, while not ready. */
  readonly reason?: string;
}

export interface ReadinessOptions {
  readonly intervalMs: number;
  readonly retryMs: number;
  readonly timeoutMs: number;
}

export const defaultReadinessOptions: ReadinessOptions = { intervalMs: 15_000, retryMs: 1_000, timeoutMs: 5_000 };

export class ReadinessMonitor {
  readonly #check: () => Promise<void>;
  readonly #options: ReadinessOptions;
  readonly #logger: Logger;
  #state: ReadinessState = { ready: true };
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(check: () => Promise<void>, logger: Logger, options: ReadinessOptions = defaultReadinessOptions) {
    this.#check = check;
    this.#logger = logger;
    this.#options = options;
  }

  get state(): ReadinessState {
    return this.#state;
  }

  /** Runs the first check, then keeps checking in the background. */
  async start(): Promise<ReadinessState> {
    await this.#run();
    return this.#state;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #run(): Promise<void> {
    let reason: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.#options.timeoutMs} ms`)), this.#options.timeoutMs);
      });
      await Promise.race([this.#check(), timeout]);
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timer);
    }
    const was = this.#state;
    this.#state = reason === undefined ? { ready: true } : { ready: false, reason };
    if (reason !== undefined && (was.ready || was.reason !== reason)) this.#logger.warn({ reason }, 'not ready: /health answers 503 until this is resolved');
    if (reason === undefined && !was.ready) this.#logger.info('ready again');
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#run(), this.#state.ready ? this.#options.intervalMs : this.#options.retryMs);
    this.#timer.unref();
  }
}
