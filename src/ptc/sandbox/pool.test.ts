import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { runIn, testLimits } from '../../../test/helpers/ptc-sandbox.ts';
import { ptcSandboxSchema } from '../../config/schema-ptc.ts';
import { PtcSandboxMetrics } from '../../metrics/ptc-sandbox.ts';
import { createSandbox } from './index.ts';

/** The pool's own behaviour: the concurrency cap, the queue, aborts, its figures and metrics, shutting down. */

describe('SandboxPool', () => {
  const registry = new Registry();
  const metrics = new PtcSandboxMetrics(registry);
  const pool = createSandbox(ptcSandboxSchema.parse({ pool_size: 1, max_concurrent: 1, max_queued: 1 }), metrics);
  afterAll(() => pool.close());

  it('one run at a time: the next waits, one more is too_many_requests; the figures say so', async () => {
    await pool.warmUp();
    const slow = runIn(pool, 'while True:\n    pass', { limits: { ...testLimits, timeoutMs: 1000 } });
    const queued = runIn(pool, 'print("my turn")');
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 1, maxConcurrent: 1, size: 1 });
    expect(await runIn(pool, 'print("refused")')).toEqual({ kind: 'error', errorCode: 'too_many_requests', message: '1 runs of code are under way and 1 wait' });
    expect(await slow).toMatchObject({ kind: 'error', errorCode: 'execution_time_exceeded' });
    expect(await queued).toEqual({ kind: 'done', stdout: 'my turn\n', stderr: '', returnCode: 0 });
    expect(pool.stats()).toMatchObject({ busy: 0, queued: 0, recycled: 2 });
    expect(pool.stats().started).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('an aborted run rejects with the abort reason and frees its place', async () => {
    const controller = new AbortController();
    const run = runIn(pool, 'while True:\n    pass', {}, controller.signal);
    setTimeout(() => controller.abort(new Error('client went away')), 200);
    await expect(run).rejects.toThrow('client went away');
    expect(pool.stats()).toMatchObject({ busy: 0 });
    expect(await runIn(pool, 'print("next")')).toMatchObject({ kind: 'done', stdout: 'next\n' });
  }, 60_000);

  it('/metrics shows the runs by outcome, the interpreters by state and their loading', async () => {
    const text = await registry.metrics();
    expect(text).toContain('gateway_ptc_sandbox_runs_total{outcome="done"} 2');
    expect(text).toContain('gateway_ptc_sandbox_runs_total{outcome="execution_time_exceeded"} 1');
    expect(text).toContain('gateway_ptc_sandbox_runs_total{outcome="too_many_requests"} 1');
    expect(text).toMatch(/gateway_ptc_sandbox_interpreters\{state="busy"\} 0\n/);
    expect(text).toContain('gateway_ptc_sandbox_queued_runs 0');
    expect(text).toMatch(/gateway_ptc_sandbox_interpreter_starts_total\{result="loaded"\} [1-9]/);
  });

  it('once closed, runs are unavailable', async () => {
    await pool.close();
    expect(await runIn(pool, 'print(1)')).toEqual({ kind: 'error', errorCode: 'unavailable', message: 'the sandbox is shut down' });
    expect(pool.stats()).toMatchObject({ warm: 0, starting: 0 });
  });
});
