import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
import { FakeAnthropic, loadScenario } from '../fakes/anthropic.ts';
import { eventually } from '../helpers/gateway.ts';
import { launchCli } from '../helpers/process.ts';

/**
 * D16: `npm start` is how many run the gateway, and containers and service managers stop it
 * with SIGTERM to that process. The signal must reach the gateway, which drains and exits; no
 * gateway may be left running (re-parented to PID 1) after npm has gone.
 */

const root = join(import.meta.dirname, '../..');
const linux = existsSync('/proc/self/environ');

/** Processes whose environment carries `marker` (Linux /proc). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(Number(entry));
    } catch {
      // Gone, or not ours.
    }
  }
  return found;
}

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await FakeAnthropic.start();
});
afterAll(async () => fake.close());

describe.runIf(linux)('npm start (D16)', () => {
  it('SIGTERM to npm reaches the gateway: the stream in flight finishes, the gateway stops, nothing is left listening', { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-npm-start-'));
    const marker = `D16_MARKER=${randomUUID()}`;
    const [name, value] = marker.split('=') as [string, string];
    const npm = launchCli([], { PORT: '0', LOG_LEVEL: 'info', GATEWAY_DATA_DIR: dataDir, ANTHROPIC_API_BASE: fake.url, BEDROCK_ENABLED: 'false', HOME: process.env['HOME'] ?? dataDir, [name]: value }, ['npm', '--prefix', root, 'start']);
    try {
      await eventually(() => /listening on http:\/\/\S+?\. Point/.test(npm.output()) || npm.child.exitCode !== null, 150_000);
      const url = /listening on (http:\/\/\S+?)\. Point/.exec(npm.output())?.[1];
      expect(url, npm.output()).toBeDefined();

      const events = loadScenario('text', 'claude-sonnet-5-5');
      fake.enqueue({ kind: 'sse', items: [{ event: events[0] as { type: string } }, { delayMs: 500 }, ...events.slice(1).map((event) => ({ event }))] });
      const response = await request(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-ant-client', 'content-type': 'application/json' }, body: '{"model":"claude-sonnet-5-5","max_tokens":10,"stream":true,"messages":[]}' });
      const chunks: Buffer[] = [];
      const reading = (async () => {
        for await (const chunk of response.body) chunks.push(chunk as Buffer);
      })();
      await eventually(() => chunks.length > 0);

      npm.child.kill('SIGTERM');
      await reading;
      expect(decodeSse(Buffer.concat(chunks)).map((event) => event.event).at(-1)).toBe('message_stop');
      await npm.exit;
      expect(npm.output()).toContain('"msg":"draining"');
      expect(npm.output()).toContain('"msg":"stopped"');
      // No gateway outlives npm, and nothing answers on its port.
      await eventually(() => processesWith(marker).length === 0, 10_000).catch(() => undefined);
      expect(processesWith(marker)).toEqual([]);
      await expect(request(`${url}/health`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
