import { createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
import { FakeAnthropic, loadScenario } from '../fakes/anthropic.ts';
import { buildClient, docker, dockerAvailability, dockerOk, localBaseImage, repositoryRoot } from '../helpers/docker.ts';
import { eventually } from '../helpers/gateway.ts';
import { startLockfileRegistry, type LockfileRegistry } from '../helpers/npm-registry.ts';
import { memoryOf } from '../helpers/process.ts';

/**
 * The Dockerfile, built and run by a real Docker daemon (scripts/start-docker.sh starts one where
 * it can: .ci/run does). No image registry is reachable here, so the base image is a Node 24 root
 * file system made by the test (test/helpers/docker.ts) and passed as BASE_IMAGE, and `npm ci`
 * inside the build installs from a registry on 127.0.0.1 serving the lockfile's tarballs from the
 * local npm cache. The containers use host networking.
 */

const availability = dockerAvailability();
// In CI the daemon must be there: a skip would hide a broken image.
const mustRun = process.env['CI'] === 'true';
if (!availability.available) console.warn(`docker-image.test.ts skipped: ${availability.reason}`);

const image = 'claude-gateway:test';
const container = `claude-gateway-test-${process.pid}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

describe.runIf(availability.available || mustRun)('the container image', () => {
  let registry: LockfileRegistry | undefined;
  let fake: FakeAnthropic;
  let url = '';
  const measured: Record<string, string> = {};

  beforeAll(async () => {
    if (!availability.available) throw new Error(`CI=true and ${availability.reason}`);
    // The build installs the production packages and TypeScript (the compiler only).
    registry = await startLockfileRegistry(join(repositoryRoot, 'package-lock.json'), ['typescript']);
    expect(registry.missing, 'tarballs missing from the npm cache (run npm ci first)').toEqual([]);
    const base = await localBaseImage();
    const client = buildClient();
    const previous = await docker(['image', 'inspect', image, '--format', '{{.Id}}']);
    const buildStarted = Date.now();
    const built = await docker(['build', '--network', 'host', '-t', image, '--build-arg', `BASE_IMAGE=${base}`, '--build-arg', `NPM_CONFIG_REGISTRY=${registry.url}`, '.'], client);
    if (built.code !== 0) throw new Error(`docker build failed (${client.builder}):\n${built.stdout.slice(-4000)}\n${built.stderr.slice(-4000)}`);
    measured['build'] = `${((Date.now() - buildStarted) / 1000).toFixed(0)} s (${client.builder})`;
    // vfs keeps a full copy of every image: the one this build replaced goes, and the build cache is capped.
    if (previous.code === 0 && previous.stdout.trim() !== (await dockerOk(['image', 'inspect', image, '--format', '{{.Id}}']))) await docker(['rmi', previous.stdout.trim()]);
    await docker(['image', 'prune', '-f', '--filter', 'label=org.opencontainers.image.title=claude-gateway']);
    await docker(['builder', 'prune', '-f', '--keep-storage', '3GB'], client);
    const size = Number(await dockerOk(['image', 'inspect', image, '--format', '{{.Size}}']));
    const baseSize = Number(await dockerOk(['image', 'inspect', base, '--format', '{{.Size}}']));
    measured['image'] = `${(size / 1e6).toFixed(0)} MB (base ${(baseSize / 1e6).toFixed(0)} MB + ${((size - baseSize) / 1e6).toFixed(0)} MB)`;

    fake = await FakeAnthropic.start();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await docker(['rm', '-f', '-v', container]);
    const runStarted = Date.now();
    // HOST=127.0.0.1: host networking, and nothing of a test should listen beyond loopback. The
    // health check's own command (the image's) runs every second here instead of every 10.
    const created = await dockerOk(['run', '-d', '--name', container, '--network', 'host', '--health-interval', '1s', '--health-start-period', '0s', '-e', 'HOST=127.0.0.1', '-e', `PORT=${port}`, '-e', `ANTHROPIC_API_BASE=${fake.url}`, '-e', 'DRAIN_TIMEOUT_SECONDS=20', '-e', 'LOG_LEVEL=info', image]);
    measured['docker run (container created, vfs copy)'] = `${Date.now() - runStarted} ms`;
    const processStarted = Date.now();
    expect(created).toMatch(/^[0-9a-f]{64}$/);
    await eventually(async () => (await request(`${url}/health`).then((response) => (response.body.dump(), response.statusCode), () => 0)) === 200, 60_000, 20);
    measured['then to /health 200'] = `${Date.now() - processStarted} ms`;
  }, 900_000);

  afterAll(async () => {
    if (Object.keys(measured).length > 0) console.info(`container image: ${Object.entries(measured).map(([name, value]) => `${name} ${value}`).join('; ')}`);
    await docker(['rm', '-f', '-v', container]);
    await registry?.close();
    await fake?.close();
  });

  it('declares the non-root user, the data volume, the health check and the gateway as entry point', async () => {
    const config = JSON.parse(await dockerOk(['image', 'inspect', image, '--format', '{{json .Config}}'])) as { User: string; Volumes: Record<string, unknown>; Env: string[]; Healthcheck: { Test: string[] }; Entrypoint: string[]; ExposedPorts: Record<string, unknown>; Labels: Record<string, string> };
    expect(config.User).toBe('node');
    expect(Object.keys(config.Volumes)).toEqual(['/data']);
    expect(config.Env).toEqual(expect.arrayContaining(['GATEWAY_DATA_DIR=/data', 'HOST=0.0.0.0', 'PORT=8080', 'NODE_ENV=production']));
    expect(config.Healthcheck.Test.join(' ')).toContain('/health');
    expect(config.Entrypoint).toEqual(['node', 'bin/claude-gateway.js']);
    expect(Object.keys(config.ExposedPorts)).toEqual(['8080/tcp']);
    expect(config.Labels['org.opencontainers.image.title']).toBe('claude-gateway');
  });

  it('runs the gateway as PID 1 under uid 1000, its SQLite file in the /data volume, no source or development package inside', async () => {
    const status = await dockerOk(['exec', container, 'cat', '/proc/1/status']);
    expect(status).toMatch(/^Uid:\s+1000\s+1000/m);
    expect((await dockerOk(['exec', container, 'cat', '/proc/1/cmdline'])).split('\0').slice(0, 2)).toEqual(['node', 'bin/claude-gateway.js']);
    expect((await dockerOk(['exec', container, 'ls', '/data'])).split('\n')).toContain('gateway.db');
    expect((await dockerOk(['exec', container, 'ls', '/app'])).split('\n').sort()).toEqual(['bin', 'dist', 'node_modules', 'package.json', 'src']);
    // Of the source, only the admin UI's browser files, served as they are (docs/adr/0009-admin-ui.md).
    expect((await dockerOk(['exec', container, 'find', '/app/src', '-name', '*.ts'])).trim()).toBe('');
    expect((await dockerOk(['exec', container, 'ls', '/app/src/admin/ui'])).split('\n')).toContain('index.html');
    const modules = (await dockerOk(['exec', container, 'ls', '/app/node_modules'])).split('\n');
    expect(modules).toContain('fastify');
    for (const development of ['typescript', 'vitest', 'aws-cdk-lib', 'node']) expect(modules).not.toContain(development);
    const pid = Number(await dockerOk(['inspect', container, '--format', '{{.State.Pid}}']));
    measured['RSS idle'] = `${(memoryOf(pid, 'VmRSS') / 1e6).toFixed(0)} MB`;
  });

  it('answers through the upstream, with the client credential forwarded', async () => {
    const response = await request(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-ant-container', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: '{"model":"claude-sonnet-5-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}' });
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toMatchObject({ type: 'message', role: 'assistant' });
    expect(fake.requests.at(-1)?.headers['x-api-key']).toBe('sk-ant-container');
  });

  it('reports healthy through the image’s HEALTHCHECK', async () => {
    await eventually(async () => (await dockerOk(['inspect', container, '--format', '{{.State.Health.Status}}'])) === 'healthy', 30_000, 250);
  });

  it('drains an open stream on docker stop, then exits 0', async () => {
    const events = loadScenario('text', 'claude-sonnet-5-5');
    fake.enqueue({ kind: 'sse', items: [{ event: events[0] as { type: string } }, { delayMs: 1_500 }, ...events.slice(1).map((event) => ({ event }))] });
    const response = await request(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-ant-container', 'content-type': 'application/json' }, body: '{"model":"claude-sonnet-5-5","max_tokens":10,"stream":true,"messages":[]}' });
    const chunks: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of response.body) chunks.push(chunk as Buffer);
    })();
    await eventually(() => chunks.length > 0, 10_000);
    const stopped = docker(['stop', '-t', '30', container]);
    await reading;
    const names = decodeSse(Buffer.concat(chunks)).map((event) => event.event);
    expect(names.at(-1)).toBe('message_stop');
    expect(names).not.toContain('error');
    expect((await stopped).code).toBe(0);
    expect(await dockerOk(['inspect', container, '--format', '{{.State.ExitCode}}'])).toBe('0');
    const logs = await docker(['logs', container]);
    expect(logs.stdout + logs.stderr).toContain('draining');
  }, 60_000);
});
