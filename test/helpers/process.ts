import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './gateway.ts';

/** The `claude-gateway` command as a real process (its source, on the test's Node). */

export const cliEntry = join(import.meta.dirname, '../../src/cli/index.ts');

export interface Launched {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: () => string;
  readonly exit: Promise<number | null>;
}

export interface StartedProcess extends Launched {
  readonly url: string;
}

export function launchCli(args: readonly string[], env: Record<string, string>, command: readonly string[] = [process.execPath, cliEntry]): Launched {
  const [executable, ...rest] = command as [string, ...string[]];
  const child = spawn(executable, [...rest, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

const listening = /listening on (http:\/\/\S+?)\. Point/;

/** Starts the gateway on an ephemeral port and waits for the line saying where it listens. */
export async function startCli(env: Record<string, string>, command?: readonly string[]): Promise<StartedProcess> {
  const launched = launchCli([], { PORT: '0', LOG_LEVEL: 'warn', ...env }, command);
  await eventually(() => listening.test(launched.output()) || launched.child.exitCode !== null, 60_000);
  const match = listening.exec(launched.output());
  if (match === null) throw new Error(`the gateway did not start:\n${launched.output()}`);
  return { ...launched, url: match[1] as string };
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM), Linux only. */
export function memoryOf(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
