import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A Docker daemon for the container tests, and a Node 24 base image built here without a registry:
 * the `node` package's binary with the shared libraries it links, the npm that runs the tests,
 * busybox for /bin/sh and the usual commands, and a `node` user (uid 1000) as in the official
 * node:24-slim image the Dockerfile defaults to.
 */

export const repositoryRoot = join(import.meta.dirname, '../..');
const nodeBinary = join(repositoryRoot, 'node_modules/node/bin/node');

export interface DockerAvailability {
  readonly available: boolean;
  readonly reason: string;
}

/** Whether a daemon answers, after scripts/start-docker.sh has tried to start one. */
export function dockerAvailability(): DockerAvailability {
  const client = spawnSync('docker', ['--version'], { encoding: 'utf8' });
  if (client.error !== undefined || client.status !== 0) return { available: false, reason: 'no docker client on PATH (Debian: apt-get install docker.io)' };
  const started = spawnSync(join(repositoryRoot, 'scripts/start-docker.sh'), { encoding: 'utf8', timeout: 60_000 });
  if (started.status === 0) return { available: true, reason: '' };
  return { available: false, reason: `no Docker daemon could be started: ${(started.stderr || started.stdout || String(started.error)).trim()}` };
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs docker with these arguments (asynchronously: builds take minutes and must not block the test's event loop). */
export function docker(args: readonly string[], options: { env?: Record<string, string>; command?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.command ?? 'docker', args, { cwd: repositoryRoot, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface BuildClient {
  readonly command: string;
  readonly env: Record<string, string>;
  readonly builder: 'buildkit' | 'legacy';
}

/**
 * The docker client to build with: BuildKit when the client has it (the buildx plugin, or a
 * client before 23.0 with BuildKit built in, such as Debian's docker.io), else the legacy builder,
 * which with the vfs storage driver copies the whole file system at every instruction (minutes).
 */
export function buildClient(): BuildClient {
  if (spawnSync('docker', ['buildx', 'version']).status === 0) return { command: 'docker', env: { DOCKER_BUILDKIT: '1' }, builder: 'buildkit' };
  for (const command of ['docker', '/usr/bin/docker']) {
    const version = spawnSync(command, ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8' }).stdout ?? '';
    const major = Number(/^(\d+)\./.exec(version.trim())?.[1] ?? 'NaN');
    if (major >= 18 && major < 23) return { command, env: { DOCKER_BUILDKIT: '1' }, builder: 'buildkit' };
  }
  return { command: 'docker', env: { DOCKER_BUILDKIT: '0' }, builder: 'legacy' };
}

/** Like docker(), but a failure throws with the command's output. */
export async function dockerOk(args: readonly string[]): Promise<string> {
  const result = await docker(args);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${String(result.code)}:\n${result.stdout}\n${result.stderr}`);
  return result.stdout.trim();
}

/** The shared libraries a binary loads (ldd), with the dynamic loader. */
function sharedLibraries(binary: string): string[] {
  // ldd exits non-zero for a static binary ("not a dynamic executable"): it needs none.
  const output = spawnSync('ldd', [binary], { encoding: 'utf8' }).stdout ?? '';
  const paths: string[] = [];
  for (const line of output.split('\n')) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match !== null) paths.push(match[1] as string);
  }
  return paths;
}

function copyPreservingPath(root: string, path: string): void {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(realpathSync(path), target);
  chmodSync(target, 0o755);
}

/** The npm that runs this test (its package folder). */
function npmPackage(): string {
  const cli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  return dirname(dirname(cli));
}

function busybox(): string {
  const found = spawnSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error('busybox is missing (Debian: apt-get install busybox-static); scripts/install-test-deps.sh installs it');
  return realpathSync(found.stdout.trim());
}

/** A root file system like node:24-slim's, as far as the Dockerfile and the gateway need. */
function assembleRootFilesystem(root: string): void {
  chmodSync(root, 0o755); // mkdtemp makes it 0700: the image's / would shut out every user but root
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
  copyFileSync(nodeBinary, join(root, 'usr/local/bin/node'));
  for (const library of sharedLibraries(nodeBinary)) copyPreservingPath(root, library);
  cpSync(npmPackage(), join(root, 'usr/local/lib/node_modules/npm'), { recursive: true, dereference: true });
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));
  const box = busybox();
  for (const library of sharedLibraries(box)) copyPreservingPath(root, library);
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(box, join(root, 'bin/busybox'));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  const applets = execFileSync(box, ['--list'], { encoding: 'utf8' }).split('\n').filter((name) => /^[\w.[-]+$/.test(name) && name !== 'busybox');
  for (const applet of applets) symlinkSync('busybox', join(root, 'bin', applet));
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  symlinkSync('/bin/env', join(root, 'usr/bin/env'));
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
  for (const folder of ['root', 'home/node', 'tmp']) mkdirSync(join(root, folder), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  chownSync(join(root, 'home/node'), 1000, 1000);
}

/**
 * The tag of a local Node 24 base image, imported once per Node and npm version (later runs find
 * it by its tag).
 */
export async function localBaseImage(): Promise<string> {
  const npmVersion = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim();
  const nodeVersion = execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' }).trim();
  const tag = `claude-gateway-test-base:node-${nodeVersion}-npm-${npmVersion}`;
  if ((await docker(['image', 'inspect', tag])).code === 0) return tag;
  const root = mkdtempSync(join(tmpdir(), 'gateway-base-'));
  try {
    assembleRootFilesystem(root);
    const changes = ['ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin', 'CMD ["node"]'].flatMap((change) => ['--change', change]);
    const imported = spawnSync('sh', ['-c', `tar -C "$0" --numeric-owner -cf - . | docker import ${changes.map((part) => `'${part}'`).join(' ')} - "$1"`, root, tag], { encoding: 'utf8' });
    if (imported.status !== 0) throw new Error(`docker import failed: ${imported.stderr}`);
    return tag;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
