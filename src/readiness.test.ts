import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logging/logger.ts';
import { ReadinessMonitor } from './readiness.ts';

const { logger } = createLogger('silent', new Writable({ write: (_chunk, _encoding, callback) => callback() }));

describe('ReadinessMonitor', () => {
  it('is not ready while the check fails, with its reason, and ready again once it passes', async () => {
    let failure: string | undefined = 'the store cannot be reached';
    const monitor = new ReadinessMonitor(async () => {
      if (failure !== undefined) throw new Error(failure);
    }, logger, { intervalMs: 5, retryMs: 5, timeoutMs: 1_000 });
    try {
      expect(await monitor.start()).toEqual({ ready: false, reason: 'the store cannot be reached' });
      failure = undefined;
      await waitFor(() => monitor.state.ready);
      expect(monitor.state).toEqual({ ready: true });
      failure = 'lost';
      await waitFor(() => !monitor.state.ready);
      expect(monitor.state).toEqual({ ready: false, reason: 'lost' });
    } finally {
      monitor.stop();
    }
  });

  it('a check that never answers counts as a failure after the timeout', async () => {
    const monitor = new ReadinessMonitor(() => new Promise<void>(() => undefined), logger, { intervalMs: 1_000, retryMs: 1_000, timeoutMs: 10 });
    try {
      expect(await monitor.start()).toEqual({ ready: false, reason: 'no answer within 10 ms' });
    } finally {
      monitor.stop();
    }
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > 2_000) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
