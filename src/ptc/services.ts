import type { GatewayConfig } from '../config/schema.ts';
import type { ContainerStore } from '../store/containers.ts';
import { Containers } from './container.ts';
import type { PtcIdSource } from './ids.ts';
import type { PtcDependencies } from './provider.ts';
import type { RunOutcome, RunRequest, Sandbox, SandboxPoolStats } from './sandbox/contract.ts';

/**
 * What Programmatic Tool Calling needs at run time, built once by main.ts: the sandbox (started
 * on the first run of code, so a gateway that never sees PTC never loads Python), the container
 * store, and the settings the provider wrapper reads.
 */

export interface PtcServices {
  readonly sandbox: Sandbox;
  readonly store: ContainerStore;
  close(): Promise<void>;
}

/** A sandbox created on its first run (Python takes seconds of CPU to load). */
export class LazySandbox implements Sandbox {
  readonly #create: () => Sandbox;
  #sandbox: Sandbox | undefined;
  #closed = false;

  constructor(create: () => Sandbox) {
    this.#create = create;
  }

  run(request: RunRequest, signal?: AbortSignal): Promise<RunOutcome> {
    if (this.#closed) return Promise.resolve({ kind: 'error', errorCode: 'unavailable', message: 'the sandbox is shut down' });
    this.#sandbox ??= this.#create();
    return this.#sandbox.run(request, signal);
  }

  stats(): SandboxPoolStats {
    return this.#sandbox?.stats() ?? { warm: 0, busy: 0, size: 0, started: 0, recycled: 0 };
  }

  /** Whether the sandbox was started (a run of code happened). */
  get started(): boolean {
    return this.#sandbox !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#sandbox?.close();
  }
}

/** The provider wrapper's dependencies from the configuration and the services. */
export function ptcDependencies(config: GatewayConfig['ptc'], services: PtcServices, now: () => number, ids: PtcIdSource): PtcDependencies {
  return {
    sandbox: services.sandbox,
    containers: new Containers(services.store, config.session_timeout_ms),
    limits: { timeoutMs: config.sandbox.execution_timeout_ms, memoryBytes: config.sandbox.memory_limit_bytes, maxOutputBytes: config.sandbox.max_output_bytes },
    sessionTimeoutMs: config.session_timeout_ms,
    maxRounds: config.max_rounds,
    now,
    ids,
  };
}
