import { z } from 'zod';
import { GatewayError } from '../errors.ts';
import type { ContainerStore } from '../store/containers.ts';
import type { AnsweredBatch, SandboxToolCall } from './sandbox/contract.ts';

/**
 * A container as the shared store keeps it (docs/ptc.md, "Containers"): its id and expiry, and
 * the code execution paused in it, if any: the code, the tools it may call, the seed of its
 * `random`, the batches of tool calls answered so far and the batch it waits on. Nothing else
 * is needed to resume it: any instance replays the code with the answered batches.
 */

export interface PausedExecution {
  /** The `server_tool_use` id of the execution (the calls' ids derive from it). */
  readonly toolId: string;
  /** The code execution tool's version: the `caller.type` of the calls. */
  readonly version: string;
  readonly code: string;
  readonly tools: readonly string[];
  readonly seed: number;
  /** Each tool's input property names in schema order (positional arguments). */
  readonly toolParameters: Readonly<Record<string, readonly string[]>>;
  /** What the code's clock reads at its start (the execution's creation), so replays agree. */
  readonly clockStartMs: number;
  readonly batches: readonly AnsweredBatch[];
  /** The calls the code waits on (the next batch). */
  readonly pending: readonly SandboxToolCall[];
}

export interface Container {
  readonly id: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly execution: PausedExecution | undefined;
}

const call = z.object({ index: z.number().int(), name: z.string(), input: z.record(z.string(), z.unknown()) });
const stateSchema = z.object({
  execution: z
    .object({
      toolId: z.string(),
      version: z.string(),
      code: z.string(),
      tools: z.array(z.string()),
      seed: z.number().int(),
      toolParameters: z.record(z.string(), z.array(z.string())),
      clockStartMs: z.number().int(),
      batches: z.array(z.object({ calls: z.array(call), results: z.array(z.object({ content: z.string(), isError: z.boolean() })) })),
      pending: z.array(call),
    })
    .optional(),
});

export class Containers {
  readonly #store: ContainerStore;
  readonly #timeoutMs: number;

  constructor(store: ContainerStore, timeoutMs: number) {
    this.#store = store;
    this.#timeoutMs = timeoutMs;
  }

  /** The container, or a 400 naming it when it is unknown or expired. */
  async load(id: string, now: number): Promise<Container> {
    const stored = await this.#store.get(id, now);
    if (stored === undefined) {
      throw new GatewayError('GW_PTC_CONTAINER_UNKNOWN', `container ${JSON.stringify(id)} is unknown or expired: containers expire ${Math.round(this.#timeoutMs / 1000)} s after their last use, and code paused in one cannot resume after that.`);
    }
    const parsed = stateSchema.safeParse(JSON.parse(stored.state));
    if (!parsed.success) throw new GatewayError('GW_INTERNAL', `container ${id} holds a state this gateway cannot read.`);
    return { id: stored.id, expiresAt: stored.expiresAt, execution: parsed.data.execution };
  }

  /** Saves the container (its expiry pushed to `now` + the session timeout) and returns it. */
  async save(id: string, execution: PausedExecution | undefined, now: number): Promise<Container> {
    const expiresAt = now + this.#timeoutMs;
    await this.#store.put({ id, expiresAt, state: JSON.stringify(execution === undefined ? {} : { execution }) }, now);
    return { id, expiresAt, execution };
  }
}
