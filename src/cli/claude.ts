import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:os';
import { loadConfig, processEnvironment, type Environment } from '../config/load.ts';

/**
 * `claude-gateway claude [args…]` (also the `proxy-claude` command, as in seed 003): starts the
 * gateway in the background when nothing answers at its address, then runs Claude Code with
 * ANTHROPIC_BASE_URL pointing at it (CLAUDE_CODE_USE_BEDROCK and CLAUDE_CODE_USE_VERTEX unset, so
 * Claude Code talks to the gateway, which falls back to Bedrock itself), the arguments passed
 * through and Claude Code's exit code returned.
 *
 * CLAUDE_GATEWAY_URL names a gateway elsewhere (nothing is started); CLAUDE_GATEWAY_KEY is a
 * gateway key sent in the gateway's key header (AUTH_MODE=keys or both); CLAUDE_CODE_COMMAND is
 * the Claude Code executable (default `claude` on PATH).
 */

export interface ClaudeIo {
  readonly env: Environment;
  readonly err: (line: string) => void;
  readonly nodePath: string;
  readonly scriptPath: string;
}

const defaultIo: ClaudeIo = {
  env: processEnvironment(),
  err: (line) => console.error(line),
  nodePath: process.execPath,
  scriptPath: join(import.meta.dirname, '../../bin/claude-gateway.js'),
};

/** A failure told in one line, without a stack (the command's error handler prints its message). */
class ClaudeWrapperError extends Error {
  override readonly name = 'UsageError';
}

async function answering(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200 || response.status === 503;
  } catch {
    return false;
  }
}

/** Starts the gateway detached, its output appended to <data dir>/gateway.log; resolves once /health answers. */
async function startInBackground(url: string, dataDirectory: string, io: ClaudeIo): Promise<void> {
  mkdirSync(dataDirectory, { recursive: true });
  const log = join(dataDirectory, 'gateway.log');
  const output = openSync(log, 'a');
  const child = spawn(io.nodePath, [io.scriptPath], { env: io.env, detached: true, stdio: ['ignore', output, output] });
  child.unref();
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && exited === undefined) {
    if (await answering(url)) {
      io.err(`claude-gateway: started the gateway in the background on ${url} (pid ${child.pid}, log ${log})`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const tail = readFileSync(log, 'utf8').split('\n').slice(-15).join('\n');
  throw new ClaudeWrapperError(`the gateway did not start on ${url}${exited === undefined ? ' within 30 s' : ` (exit code ${String(exited)})`}; its log (${log}):\n${tail}`);
}

/** The environment Claude Code runs with: pointed at the gateway, never at Bedrock or Vertex directly. */
export function claudeEnvironment(env: Environment, url: string, key?: { header: string; value: string }): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) result[name] = value;
  delete result['CLAUDE_CODE_USE_BEDROCK'];
  delete result['CLAUDE_CODE_USE_VERTEX'];
  result['ANTHROPIC_BASE_URL'] = url;
  if (key !== undefined) result['ANTHROPIC_CUSTOM_HEADERS'] = [result['ANTHROPIC_CUSTOM_HEADERS'], `${key.header}: ${key.value}`].filter((line) => line !== undefined && line !== '').join('\n');
  return result;
}

export async function runClaude(args: readonly string[], io: ClaudeIo = defaultIo): Promise<number> {
  const config = loadConfig({ env: io.env });
  const remote = io.env['CLAUDE_GATEWAY_URL'];
  const host = ['0.0.0.0', '::', 'localhost'].includes(config.server.host) ? '127.0.0.1' : config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = (remote ?? `http://${host}:${config.server.port}`).replace(/\/+$/, '');
  if (!(await answering(url))) {
    if (remote !== undefined) throw new ClaudeWrapperError(`no gateway answers at CLAUDE_GATEWAY_URL=${url}`);
    await startInBackground(url, config.store.data_dir, io);
  }
  const key = io.env['CLAUDE_GATEWAY_KEY'];
  const env = claudeEnvironment(io.env, url, key === undefined || key === '' ? undefined : { header: config.auth.key_header, value: key });
  const command = io.env['CLAUDE_CODE_COMMAND'] ?? 'claude';
  const child = spawn(command, [...args], { env, stdio: 'inherit' });
  // Ctrl-C reaches Claude Code (same process group); this process waits for it to decide.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new ClaudeWrapperError(`${command} was not found: install Claude Code (npm install -g @anthropic-ai/claude-code) or set CLAUDE_CODE_COMMAND`) : error));
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal === null ? 1 : (constants.signals[signal] ?? 1))));
    });
  } finally {
    process.off('SIGINT', ignore);
  }
}
