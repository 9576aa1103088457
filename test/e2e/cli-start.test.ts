import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCli } from '../helpers/process.ts';

/**
 * D17: the command as a newcomer runs it. `npx claude-gateway …` works in a checkout after
 * `npm ci` (no build needed), and a Node.js that cannot load node:sqlite (older than 22.13, 23.0
 * to 23.3, or started with --no-experimental-sqlite) gets one clear line, not a stack trace.
 */

const root = join(import.meta.dirname, '../..');
const launcher = join(root, 'bin/claude-gateway.js');

/** A system Node without node:sqlite, if the machine has one (the project's own Node is 24). */
function oldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    if (!existsSync(candidate)) continue;
    try {
      const loads = execFileSync(candidate, ['-p', "typeof process.getBuiltinModule === 'function' && process.getBuiltinModule('node:sqlite') !== undefined"], { encoding: 'utf8' }).trim();
      if (loads === 'false') return candidate;
    } catch {
      // Not runnable.
    }
  }
  return undefined;
}

const old = oldNode();
const needsLine = /^claude-gateway needs Node\.js 22\.13\.0 or newer, where node:sqlite loads without a flag; this is Node \d+\.\d+\.\d+/;

describe('the claude-gateway command from a checkout (D17)', () => {
  it('bin/claude-gateway.js runs the source on the project’s Node', async () => {
    const run = launchCli(['--version'], {}, [process.execPath, launcher]);
    expect(await run.exit).toBe(0);
    expect(run.output().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  describe.runIf(old !== undefined)(`on an older Node (${old ?? 'none found'})`, () => {
    let compiled: string;
    beforeAll(() => {
      // The entry as the build ships it (dist/cli/index.js): its TypeScript stripped, nothing else.
      compiled = mkdtempSync(join(tmpdir(), 'gateway-entry-'));
      for (const name of ['index', 'node-version']) {
        const source = readFileSync(join(root, `src/cli/${name}.ts`), 'utf8');
        writeFileSync(join(compiled, `${name}.js`), stripTypeScriptTypes(source).replaceAll(/'\.\/([a-z-]+)\.ts'/g, "'./$1.js'"));
      }
      writeFileSync(join(compiled, 'package.json'), '{"type":"module"}');
    });
    afterAll(() => rmSync(compiled, { recursive: true, force: true }));

    for (const [label, entry] of [
      ['the bin (npx claude-gateway)', () => launcher],
      ['the built entry (npm start)', () => join(compiled, 'index.js')],
    ] as const) {
      for (const args of [[], ['keys', 'list'], ['--help']]) {
        it(`${label} ${args.join(' ') || '(start)'}: one clear line and exit 1`, async () => {
          const run = launchCli(args, { GATEWAY_DATA_DIR: join(tmpdir(), 'never-created') }, [old as string, entry()]);
          expect(await run.exit).toBe(1);
          const lines = run.output().trim().split('\n');
          expect(lines).toHaveLength(1);
          expect(lines[0]).toMatch(needsLine);
        });
      }
    }
  });

  // Node 22.12 passed a version check and then died on node:sqlite: the check is of the module.
  // This Node started with --no-experimental-sqlite stands for every Node without it.
  describe('on a Node that cannot load node:sqlite (--no-experimental-sqlite)', () => {
    for (const [label, entry] of [
      ['the bin (npx claude-gateway)', launcher],
      ['the entry (src/cli/index.ts, built as dist/cli/index.js)', join(root, 'src/cli/index.ts')],
    ] as const) {
      for (const args of [[], ['keys', 'list']]) {
        it(`${label} ${args.join(' ') || '(start)'}: one clear line and exit 1`, async () => {
          const run = launchCli(args, { GATEWAY_DATA_DIR: join(tmpdir(), 'never-created') }, [process.execPath, '--no-experimental-sqlite', entry]);
          expect(await run.exit).toBe(1);
          const lines = run.output().trim().split('\n');
          expect(lines).toHaveLength(1);
          expect(lines[0]).toMatch(needsLine);
        });
      }
    }
  });
});
