import type { WasmModule } from './worker.ts';

/** Messages between the pool (pool.ts) and one worker (worker.ts). */

/** The one run a worker does: the request as the harness reads it, and the limits the worker applies itself. */
export interface RunMessage {
  readonly type: 'run';
  /** JSON of {code, tools, toolParameters, batches, seed, maxOutputBytes} (harness-python.ts reads it). */
  readonly requestJson: string;
  readonly memoryBytes: number;
  readonly seed: number;
  readonly clockStartMs: number;
}

export type ToWorker = RunMessage;

export type FromWorker =
  | { readonly type: 'snapshot'; readonly image: Uint8Array; readonly module: WasmModule }
  | { readonly type: 'ready'; readonly loadMs: number; readonly heapBytes: number }
  | { readonly type: 'outcome'; readonly outcomeJson: string; readonly memoryCapHit: boolean; readonly runMs: number }
  | { readonly type: 'crash'; readonly message: string; readonly memoryCapHit: boolean };
