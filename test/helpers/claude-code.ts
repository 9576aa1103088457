import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Claude Code itself (npm @anthropic-ai/claude-code, a devDependency), run in print mode. */

const run = promisify(execFile);
const claude = join(import.meta.dirname, '../../node_modules/.bin/claude');

export interface ClaudeResult {
  readonly result: string;
  readonly is_error: boolean;
  readonly num_turns: number;
}

/** `claude -p PROMPT --output-format json` in `home`, with only the environment given (plus PATH). */
export async function claudePrint(prompt: string, home: string, env: Record<string, string>, extraArgs: string[] = []): Promise<ClaudeResult> {
  const { stdout } = await run(claude, ['-p', prompt, '--output-format', 'json', ...extraArgs], {
    cwd: home,
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      ...env,
    },
  });
  return JSON.parse(stdout) as ClaudeResult;
}
