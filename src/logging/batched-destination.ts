/**
 * The log destination: lines are batched and written to stdout in one call per ~16 KB or
 * 50 ms, whichever comes first. Pino's default destination (sonic-boom) was measured to add
 * ~30 µs of CPU to every proxied request on the 2-core machine even when nothing was logged
 * (docs/benchmarks.md); this one costs about a microsecond per line.
 *
 * If the target stops draining (a stuck log reader), lines beyond `maxBufferedBytes` are
 * dropped and counted instead of growing memory without bound; the count is reported in the
 * next line written once the target drains.
 */

export interface LineTarget {
  write(data: string): boolean;
  readonly writableLength: number;
}

export interface BatchedDestinationOptions {
  readonly maxBatchBytes?: number;
  readonly maxDelayMs?: number;
  readonly maxBufferedBytes?: number;
}

export class BatchedDestination {
  private pending: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private dropped = 0;
  private readonly target: LineTarget;
  private readonly maxBatchBytes: number;
  private readonly maxDelayMs: number;
  private readonly maxBufferedBytes: number;

  constructor(target: LineTarget, options: BatchedDestinationOptions = {}) {
    this.target = target;
    this.maxBatchBytes = options.maxBatchBytes ?? 16 * 1024;
    this.maxDelayMs = options.maxDelayMs ?? 50;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  }

  write(line: string): void {
    if (this.target.writableLength + this.pendingBytes > this.maxBufferedBytes) {
      this.dropped++;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= this.maxBatchBytes) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.maxDelayMs).unref();
  }

  /** Hands everything pending to the target now. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.dropped > 0 && this.target.writableLength === 0) {
      this.pending.push(`{"level":40,"time":${Date.now()},"service":"claude-gateway","dropped_lines":${this.dropped},"msg":"log lines dropped while stdout was not draining"}\n`);
      this.dropped = 0;
    }
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.target.write(data);
  }
}
