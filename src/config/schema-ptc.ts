import { z } from 'zod';
import { MIB, positiveMs } from './schema-primitives.ts';

/**
 * Programmatic Tool Calling (issue 13, docs/ptc.md). The sandbox's limits and pool are here; the
 * protocol's settings (on/off, container expiry) join them in the same section.
 */
export const ptcSandboxSchema = z
  .object({
    /** Wall time of one run of the model's code (a replay from the start included); the worker is terminated past it. Seed 004's PTC_EXECUTION_TIMEOUT. */
    execution_timeout_ms: positiveMs.default(60_000),
    /** Memory of one interpreter (its WebAssembly heap, about 20 MB of it Python itself). Seed 004's PTC_MEMORY_LIMIT. */
    memory_limit_bytes: z.coerce
      .number()
      .int()
      .min(64 * MIB, 'must be at least 64 MiB (Python itself takes about 20 MB)')
      .max(2048 * MIB, 'must be at most 2 GiB (a 32-bit WebAssembly heap)')
      .default(256 * MIB),
    /** Cap on stdout and on stderr of one run; past it the text is cut and marked. */
    max_output_bytes: z.coerce.number().int().positive().default(MIB),
    /** Interpreters kept loaded and waiting once the first run of code started the pool (each takes about 130 MB of RSS and about a second of CPU to start; the first several seconds). */
    pool_size: z.coerce.number().int().min(0).max(64).default(2),
    /** Runs at once at most; more wait for a free interpreter. */
    max_concurrent: z.coerce.number().int().positive().max(256).default(4),
    /** Runs waiting for an interpreter at most; one more is refused (too_many_requests). */
    max_queued: z.coerce.number().int().min(0).default(32),
  })
  .strict();

export type PtcSandboxConfig = z.infer<typeof ptcSandboxSchema>;

export const ptcSchema = z
  .object({
    /**
     * Emulate Programmatic Tool Calling toward targets without it (Bedrock, OpenAI-compatible);
     * Anthropic targets run it natively either way. Seed 004's ENABLE_PROGRAMMATIC_TOOL_CALLING.
     * Off: such requests are refused toward those targets (400 GW_UNSUPPORTED_FEATURE).
     */
    enabled: z.boolean().default(true),
    /** A container (paused code) expires this long after its last use. Seed 004's PTC_SESSION_TIMEOUT (270 s). */
    session_timeout_ms: positiveMs.default(270_000),
    /** Model rounds (each with a run of code) in one answer at most; past it the answer ends with `pause_turn`. */
    max_rounds: z.number().int().min(1).max(100).default(10),
    /** Where containers live: `auto` is Redis when store.redis_url is set, else DynamoDB when store.kind is dynamodb, else the SQLite file. */
    store: z.enum(['auto', 'memory', 'sqlite', 'redis', 'dynamodb']).default('auto'),
    sandbox: ptcSandboxSchema.default(ptcSandboxSchema.parse({})),
  })
  .strict();
