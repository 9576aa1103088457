import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A throwaway `redis-server` for tests: its own loopback port, no persistence, killed on
 * `stop` (and when the test process exits). Tests never assume a Redis is already running.
 */

export interface TestRedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The server's process id (tests pause it with SIGSTOP to simulate a hung server). */
  readonly pid: number;
  /** Kills the server and waits for it to exit; calling it again does nothing. */
  stop(): Promise<void>;
}

const missingServer =
  'redis-server is not installed (or not on PATH); the Redis tests need it: apt-get install redis-server (Debian/Ubuntu) or brew install redis';

export async function startRedisServer(): Promise<TestRedisServer> {
  let lastError: unknown;
  // A port found free can be taken before redis binds it; then try another.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir()], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = exitOf(child);
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    try {
      await waitForPong(port, exited);
    } catch (error) {
      process.off('exit', killOnExit);
      if (error instanceof SpawnError) throw error;
      child.kill('SIGKILL');
      await exited;
      lastError = new Error(`redis-server on port ${port} did not start: ${String(error)}\n${output}`);
      continue;
    }
    let stopped: Promise<void> | undefined;
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      pid: child.pid ?? 0,
      stop() {
        stopped ??= (async () => {
          process.off('exit', killOnExit);
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        })();
        return stopped;
      },
    };
  }
  throw lastError;
}

class SpawnError extends Error {}

/** Settles when the child exits; rejects with the install hint when it could not be spawned. */
function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('exit', () => resolve());
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new SpawnError(missingServer, { cause: error }));
      else reject(new SpawnError(`cannot start redis-server: ${error.message}`, { cause: error }));
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no port assigned');
  return address.port;
}

/** Polls `PING` until the server answers `+PONG`; fails when the child exits first or after 10 s. */
async function waitForPong(port: number, exited: Promise<void>): Promise<void> {
  let hasExited = false;
  const exitedFirst = exited.then(() => {
    hasExited = true;
  });
  for (let waited = 0; waited < 10_000; waited += 50) {
    const answer = await Promise.race([ping(port), exitedFirst.then(() => 'exited')]);
    if (answer === '+PONG') return;
    if (hasExited || answer === 'exited') throw new Error('redis-server exited');
    await sleep(50);
  }
  throw new Error('no PONG within 10 s');
}

function ping(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) socket.end();
    });
    socket.on('error', () => resolve(''));
    socket.on('close', () => resolve(reply.trim()));
  });
}
