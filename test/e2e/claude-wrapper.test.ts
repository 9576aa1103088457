import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeEnvironment } from '../../src/cli/claude.ts';
import { FakeAnthropic } from '../fakes/anthropic.ts';

/**
 * `proxy-claude` / `claude-gateway claude`: the real Claude Code CLI run through the wrapper
 * against the gateway it starts in the background (the fake Anthropic behind it), and a fake
 * `claude` on PATH for the arguments, the environment and the exit code.
 */

const root = join(import.meta.dirname, '../..');
const proxyClaude = join(root, 'bin/proxy-claude.js');
const binaries = join(root, 'node_modules/.bin');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [proxyClaude, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let fake: FakeAnthropic;
let home: string;
const started: number[] = [];

beforeAll(async () => {
  fake = await FakeAnthropic.start();
  home = mkdtempSync(join(tmpdir(), 'proxy-claude-'));
});
afterAll(async () => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await fake.close();
  rmSync(home, { recursive: true, force: true });
});

function environment(port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${binaries}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    HOME: home,
    PORT: String(port),
    GATEWAY_DATA_DIR: join(home, `data-${port}`),
    ANTHROPIC_API_BASE: fake.url,
    LOG_LEVEL: 'warn',
    BEDROCK_ENABLED: 'false',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    ...extra,
  };
}

function startedPid(stderr: string): number | undefined {
  const pid = /started the gateway in the background on \S+ \(pid (\d+)/.exec(stderr)?.[1];
  if (pid !== undefined) started.push(Number(pid));
  return pid === undefined ? undefined : Number(pid);
}

describe('proxy-claude with the real Claude Code', () => {
  it('starts the gateway, runs Claude Code through it even with CLAUDE_CODE_USE_BEDROCK=1, and reuses the running gateway next time', async () => {
    const port = await freePort();
    const env = environment(port, { ANTHROPIC_API_KEY: 'sk-ant-api03-wrapper', CLAUDE_CODE_USE_BEDROCK: '1' });
    const first = await run(['-p', 'say hi', '--output-format', 'json'], env, home);
    expect(first.code, first.stderr).toBe(0);
    expect(startedPid(first.stderr)).toBeGreaterThan(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ is_error: false, result: expect.stringContaining('Hello from the fake!') });
    const sent = fake.requests.filter((request) => request.path === '/v1/messages');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0]?.headers['x-api-key']).toBe('sk-ant-api03-wrapper');
    expect(sent[0]?.headers['user-agent']).toMatch(/^claude-cli\//);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    const second = await run(['-p', 'again', '--output-format', 'json'], env, home);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toContain('started the gateway');
  }, 120_000);
});

describe('proxy-claude with a fake claude', () => {
  let bin: string;
  beforeAll(() => {
    bin = mkdtempSync(join(tmpdir(), 'fake-claude-'));
    const script = join(bin, 'claude');
    writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$@" > "${bin}/args"\nenv > "${bin}/env"\nexit 7\n`);
    chmodSync(script, 0o755);
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  it('passes the arguments through, points ANTHROPIC_BASE_URL at the gateway, unsets CLAUDE_CODE_USE_BEDROCK, returns the exit code', async () => {
    const port = await freePort();
    const result = await run(['--model', 'claude-sonnet-5-5', 'two words', '--', '-p'], { ...environment(port, { CLAUDE_CODE_USE_BEDROCK: '1', CLAUDE_GATEWAY_KEY: 'sk-gw-wrapper' }), PATH: `${bin}:${process.env['PATH'] ?? ''}` }, home);
    startedPid(result.stderr);
    expect(result.code, result.stderr).toBe(7);
    expect(readFileSync(join(bin, 'args'), 'utf8')).toBe('--model\nclaude-sonnet-5-5\ntwo words\n--\n-p\n');
    const env = readFileSync(join(bin, 'env'), 'utf8');
    expect(env).toContain(`ANTHROPIC_BASE_URL=http://127.0.0.1:${port}\n`);
    expect(env).not.toContain('CLAUDE_CODE_USE_BEDROCK');
    expect(env).toContain('ANTHROPIC_CUSTOM_HEADERS=x-gateway-key: sk-gw-wrapper\n');
  }, 60_000);

  it('says so in one line when no gateway answers at CLAUDE_GATEWAY_URL', async () => {
    const port = await freePort();
    const remote = await run(['-p', 'x'], { ...environment(port), CLAUDE_GATEWAY_URL: `http://127.0.0.1:${port}` }, home);
    expect(remote.code).toBe(2);
    expect(remote.stderr.trim()).toBe(`no gateway answers at CLAUDE_GATEWAY_URL=http://127.0.0.1:${port}`);
  });

  it('keeps custom headers the user had and adds the gateway key', () => {
    expect(claudeEnvironment({ ANTHROPIC_CUSTOM_HEADERS: 'x-team: a', CLAUDE_CODE_USE_VERTEX: '1' }, 'http://g', { header: 'x-gateway-key', value: 'k' })).toEqual({ ANTHROPIC_CUSTOM_HEADERS: 'x-team: a\nx-gateway-key: k', ANTHROPIC_BASE_URL: 'http://g' });
  });
});
