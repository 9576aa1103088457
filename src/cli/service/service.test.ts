import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runServiceCommand, type ServiceIo } from './command.ts';
import { serviceDefinition } from './definition.ts';
import { parseEnvFile, serializeEnvFile } from './env-file.ts';
import { renderLaunchAgent, renderSystemdUnit } from './render.ts';

/**
 * `claude-gateway service …`: the generated unit (checked by systemd-analyze verify, and its
 * ExecStart run for real) and plist (parsed by Python's plistlib against launchd's keys), the
 * environment file, and each subcommand's calls to the service manager, faked.
 */

const script = join(import.meta.dirname, '../../../bin/claude-gateway.js');
const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

function temporaryHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'gateway service home '));
  homes.push(home);
  return home;
}

interface FakeManager {
  readonly io: ServiceIo;
  readonly calls: string[];
  readonly output: string[];
}

function fakeManager(platform: string, home: string, env: Record<string, string> = {}): FakeManager {
  const calls: string[] = [];
  const output: string[] = [];
  const io: ServiceIo = { env, out: (line) => output.push(line), run: (command, args) => (calls.push([command, ...args].join(' ')), 0), home, uid: 501, platform, nodePath: process.execPath, scriptPath: script };
  return { io, calls, output };
}

const launchdKeys = new Set(['Label', 'ProgramArguments', 'WorkingDirectory', 'RunAtLoad', 'KeepAlive', 'ThrottleInterval', 'ExitTimeOut', 'ProcessType', 'StandardOutPath', 'StandardErrorPath', 'EnvironmentVariables']);
const python = spawnSync('python3', ['-c', 'import plistlib']).status === 0;
const systemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('the generated files', () => {
  const home = '/home/a user/100% sure';
  const linux = serviceDefinition({ platform: 'linux', home, nodePath: process.execPath, scriptPath: script, drainSeconds: 25 });
  const mac = serviceDefinition({ platform: 'darwin', home: '/Users/ann & co', nodePath: '/opt/node/bin/node', scriptPath: '/opt/gateway/bin/claude-gateway.js', drainSeconds: 25 });

  it('describes one service: node --env-file=<file> bin/claude-gateway.js, a stop timeout past the drain deadline', () => {
    expect(linux.programArguments).toEqual([process.execPath, `--env-file=${home}/.config/claude-gateway/env`, script]);
    expect(linux.serviceFile).toBe(`${home}/.config/systemd/user/claude-gateway.service`);
    expect(mac.serviceFile).toBe('/Users/ann & co/Library/LaunchAgents/com.claude-gateway.plist');
    expect(mac.logFile).toBe('/Users/ann & co/Library/Logs/claude-gateway/gateway.log');
    expect(linux.stopTimeoutSeconds).toBe(40);
  });

  it.runIf(systemdAnalyze)('renders a systemd unit that systemd-analyze verifies without a warning, its ExecStart quoted', () => {
    const folder = temporaryHome();
    const file = join(folder, 'claude-gateway.service');
    const unit = renderSystemdUnit(linux);
    expect(unit).toContain(`ExecStart="${process.execPath}" "--env-file=/home/a user/100%% sure/.config/claude-gateway/env" "${script}"`);
    expect(unit).toMatch(/^TimeoutStopSec=40$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    writeFileSync(file, unit);
    const verified = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(`${verified.stdout}${verified.stderr}`.split('\n').filter((line) => line.includes(file) || line.includes('claude-gateway.service:'))).toEqual([]);
    expect(verified.status).toBe(0);
    // The check can fail: a unit naming a missing program is refused.
    writeFileSync(file, unit.replace(`"${process.execPath}"`, '"/nonexistent/node"'));
    expect(spawnSync('systemd-analyze', ['verify', file]).status).not.toBe(0);
  });

  it.runIf(python)('renders a LaunchAgent plist that parses, with launchd keys only and the same program', () => {
    const folder = temporaryHome();
    const file = join(folder, 'com.claude-gateway.plist');
    writeFileSync(file, renderLaunchAgent(mac));
    const parsed = spawnSync('python3', ['-c', 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))', file], { encoding: 'utf8' });
    expect(parsed.status, parsed.stderr).toBe(0);
    const plist = JSON.parse(parsed.stdout) as Record<string, unknown>;
    expect(Object.keys(plist).filter((key) => !launchdKeys.has(key))).toEqual([]);
    expect(plist).toEqual({
      Label: 'com.claude-gateway',
      ProgramArguments: ['/opt/node/bin/node', '--env-file=/Users/ann & co/Library/Application Support/claude-gateway/env', '/opt/gateway/bin/claude-gateway.js'],
      WorkingDirectory: '/Users/ann & co/Library/Application Support/claude-gateway/data',
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 5,
      ExitTimeOut: 40,
      ProcessType: 'Background',
      StandardOutPath: '/Users/ann & co/Library/Logs/claude-gateway/gateway.log',
      StandardErrorPath: '/Users/ann & co/Library/Logs/claude-gateway/gateway.error.log',
    });
  });

  it('writes an environment file Node loads as written', () => {
    const folder = temporaryHome();
    const file = join(folder, 'env');
    const values = new Map([
      ['CLAUDE_CODE_OAUTH_TOKEN', 'sk-ant-oat01-abc#def'],
      ['GATEWAY_DATA_DIR', '/a path/with $dollar'],
      ['MULTI', 'one\ntwo'],
    ]);
    writeFileSync(file, serializeEnvFile(values, 'header'));
    expect(parseEnvFile(readFileSync(file, 'utf8'))).toEqual(values);
    const loaded = spawnSync(process.execPath, [`--env-file=${file}`, '-e', 'console.log(JSON.stringify([process.env.CLAUDE_CODE_OAUTH_TOKEN, process.env.GATEWAY_DATA_DIR, process.env.MULTI]))'], { encoding: 'utf8' });
    expect(JSON.parse(loaded.stdout)).toEqual([...values.values()]);
    expect(() => serializeEnvFile(new Map([['X', 'a"b']]), '')).toThrow(/double quote/);
  });
});

describe('claude-gateway service (the service manager faked)', () => {
  const secret = 'sk-ant-oat01-service-secret';

  it('installs on Linux: the unit, the environment file (mode 600) with the credentials, then systemctl --user enable --now', async () => {
    const home = temporaryHome();
    const manager = fakeManager('linux', home, { CLAUDE_CODE_OAUTH_TOKEN: secret, AWS_PROFILE: 'sandbox', PROXY_PORT: '47000', UNRELATED: 'x' });
    expect(await runServiceCommand(['install'], manager.io)).toBe(0);
    const unit = readFileSync(join(home, '.config/systemd/user/claude-gateway.service'), 'utf8');
    expect(unit).not.toContain(secret);
    const envFile = join(home, '.config/claude-gateway/env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(Object.fromEntries(parseEnvFile(readFileSync(envFile, 'utf8')))).toEqual({ CLAUDE_CODE_OAUTH_TOKEN: secret, AWS_PROFILE: 'sandbox', PORT: '47000', GATEWAY_DATA_DIR: join(home, '.local/share/claude-gateway') });
    expect(manager.calls).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable --now claude-gateway.service']);
    expect(manager.output.join('\n')).toContain('http://127.0.0.1:47000');
    expect(manager.output.join('\n')).not.toContain(secret);
  });

  it('installs on macOS: the plist, then launchctl bootstrap in the user’s GUI domain', async () => {
    const home = temporaryHome();
    const manager = fakeManager('darwin', home, { CLAUDE_CODE_OAUTH_TOKEN: secret });
    expect(await runServiceCommand(['install'], manager.io)).toBe(0);
    const plist = join(home, 'Library/LaunchAgents/com.claude-gateway.plist');
    expect(readFileSync(plist, 'utf8')).not.toContain(secret);
    expect(existsSync(join(home, 'Library/Logs/claude-gateway'))).toBe(true);
    expect(manager.calls).toEqual(['launchctl bootout gui/501/com.claude-gateway', `launchctl bootstrap gui/501 ${plist}`]);
  });

  it.each([
    ['linux', 'start', 'systemctl --user start claude-gateway.service'],
    ['linux', 'stop', 'systemctl --user stop claude-gateway.service'],
    ['linux', 'restart', 'systemctl --user restart claude-gateway.service'],
    ['linux', 'status', 'systemctl --user status --no-pager claude-gateway.service'],
    ['linux', 'logs', 'journalctl --user -u claude-gateway.service -n 100 -f'],
    ['linux', 'error-logs', 'journalctl --user -u claude-gateway.service -n 100 -f --grep "level":[456]0'],
    ['darwin', 'start', 'launchctl kickstart gui/501/com.claude-gateway'],
    ['darwin', 'stop', 'launchctl kill SIGTERM gui/501/com.claude-gateway'],
    ['darwin', 'restart', 'launchctl kickstart -k gui/501/com.claude-gateway'],
    ['darwin', 'status', 'launchctl print gui/501/com.claude-gateway'],
  ])('%s: service %s runs %s', async (platform, action, call) => {
    const manager = fakeManager(platform, temporaryHome());
    expect(await runServiceCommand([action], manager.io)).toBe(0);
    expect(manager.calls).toEqual([call]);
  });

  it('update-token replaces the credential in the environment file and restarts; uninstall removes the unit (and with --purge the file)', async () => {
    const home = temporaryHome();
    await runServiceCommand(['install'], fakeManager('linux', home, { CLAUDE_CODE_OAUTH_TOKEN: 'old-token', ANTHROPIC_API_KEY: 'sk-ant-api-keep' }).io);
    const updating = fakeManager('linux', home, { CLAUDE_CODE_OAUTH_TOKEN: 'new-token' });
    expect(await runServiceCommand(['update-token'], updating.io)).toBe(0);
    const envFile = join(home, '.config/claude-gateway/env');
    expect(parseEnvFile(readFileSync(envFile, 'utf8')).get('CLAUDE_CODE_OAUTH_TOKEN')).toBe('new-token');
    expect(parseEnvFile(readFileSync(envFile, 'utf8')).get('ANTHROPIC_API_KEY')).toBe('sk-ant-api-keep');
    expect(updating.calls).toEqual(['systemctl --user restart claude-gateway.service']);
    await expect(runServiceCommand(['update-token'], fakeManager('linux', home, {}).io)).rejects.toThrow(/set the new credential/);
    const removing = fakeManager('linux', home);
    expect(await runServiceCommand(['uninstall', '--purge'], removing.io)).toBe(0);
    expect(removing.calls).toEqual(['systemctl --user disable --now claude-gateway.service', 'systemctl --user daemon-reload']);
    expect(existsSync(join(home, '.config/systemd/user/claude-gateway.service'))).toBe(false);
    expect(existsSync(envFile)).toBe(false);
  });

  it('refuses an unknown subcommand and a platform without a supported service manager', async () => {
    await expect(runServiceCommand(['reload'], fakeManager('linux', temporaryHome()).io)).rejects.toThrow(/unknown command reload/);
    await expect(runServiceCommand(['install'], fakeManager('win32', temporaryHome()).io)).rejects.toThrow(/win32 has no supported service manager/);
  });
});

describe('the installed unit’s ExecStart', () => {
  it('starts the gateway with the environment file, which drains and exits 0 on SIGTERM', async () => {
    const home = temporaryHome();
    const manager = fakeManager('linux', home, { PORT: '0', LOG_LEVEL: 'warn' });
    await runServiceCommand(['install'], manager.io);
    const unit = readFileSync(join(home, '.config/systemd/user/claude-gateway.service'), 'utf8');
    const execStart = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
    const [command, ...args] = [...execStart.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => (match[1] as string).replaceAll('%%', '%').replaceAll('$$', '$'));
    const workingDirectory = /^WorkingDirectory=(.*)$/m.exec(unit)?.[1]?.replaceAll('%%', '%') ?? '';
    const child = spawn(command as string, args, { cwd: workingDirectory, env: { PATH: '/usr/bin:/bin', HOME: home } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!/listening on http:\/\/127\.0\.0\.1:\d+/.test(output) && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(output).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] as string;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(existsSync(join(home, '.local/share/claude-gateway/gateway.db'))).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
