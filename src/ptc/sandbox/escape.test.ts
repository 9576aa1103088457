import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finished, runIn, testLimits, testPool } from '../../../test/helpers/ptc-sandbox.ts';

/**
 * Escape and abuse: every route from user code to the host this sandbox knows of is tried in
 * one run (each route in its own namespace, its outcome reported), then the abuses that end a
 * run (time, memory, output, recursion), each followed by a normal run: the pool survives.
 */

const pool = testPool();
const scratch = mkdtempSync(join(tmpdir(), 'ptc-escape-'));
const marker = join(scratch, 'escaped');
let server: Server;
let port = 0;
let connections = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  await pool.warmUp();
}, 120_000);

afterAll(async () => {
  await pool.close();
  server.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Python source of each route: it succeeds (the sandbox leaks) when it runs to the end without raising. */
function routes(): Record<string, string> {
  const dropBlocker = 'import sys\nsys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "__name__", "") != "_BlockingFinder"]\n';
  return {
    'import js': 'import js\nleak = js',
    'import pyodide': 'import pyodide\nleak = pyodide',
    'import pyodide.ffi': 'import pyodide.ffi\nleak = pyodide.ffi',
    'from pyodide.http import pyfetch': 'from pyodide.http import pyfetch\nleak = pyfetch',
    'import pyodide_js': 'import pyodide_js\nleak = pyodide_js',
    'js.process': 'import js\nleak = js.process.env',
    'js.require': 'import js\nleak = js.require("node:fs")',
    'from js import fetch': 'from js import fetch\nleak = fetch',
    'import _pyodide_core': 'import _pyodide_core\nleak = _pyodide_core',
    'ctypes (emscripten_run_script)': 'import ctypes\nleak = ctypes.CDLL(None).emscripten_run_script(b"globalThis.process.exit(1)")',
    'importers restored, then js': `${dropBlocker}import js\nleak = js.process`,
    'importers restored, then pyodide_js': `${dropBlocker}import pyodide_js\nleak = pyodide_js._api`,
    'importers restored, then pyodide.code.run_js': `${dropBlocker}import pyodide.code\nleak = pyodide.code.run_js("process.env")`,
    'importers restored, then _pyodide_core.to_js -> Function': `${dropBlocker}import _pyodide_core\nleak = _pyodide_core.to_js({}).constructor.constructor("return process")()`,
    'JavaScript objects left in the heap or in a module': [
      'import gc, sys',
      'kinds = tuple(o for o in gc.get_objects() if isinstance(o, type) and o.__module__ in ("pyodide.ffi", "_pyodide_core"))',
      'values = gc.get_objects() + [v for m in list(sys.modules.values()) for v in vars(m).values()]',
      'def javascript(o):',
      '    for kind in kinds:',
      '        try:',
      '            if isinstance(o, kind): return True',
      '        except TypeError:',
      '            pass',
      '    return False',
      'leak = [o for o in values if not isinstance(o, type) and repr(o) != "jsnull" and javascript(o)]  # JavaScript null leads nowhere',
      'if not leak: raise LookupError(f"none among {len(values)} objects ({len(kinds)} JavaScript types)")',
    ].join('\n'),
    "open('/etc/passwd') is the host's": `leak = open("/etc/passwd").read()\nif ${JSON.stringify(readFileSync('/etc/passwd', 'utf8').split('\n')[0] ?? 'root:')} not in leak: raise LookupError("not the host's")`,
    'the host file system is visible': `import os\nif not os.path.exists(${JSON.stringify(import.meta.dirname)}): raise LookupError("not visible")\nleak = os.listdir(${JSON.stringify(import.meta.dirname)})`,
    'os.system': `import os\nleak = os.system("touch ${marker}")\nif leak != 0: raise OSError(leak)`,
    'subprocess.run': `import subprocess\nleak = subprocess.run(["touch", "${marker}"])`,
    'socket.connect to loopback': `import socket\nleak = socket.create_connection(("127.0.0.1", PORT), timeout=1)`,
    'urllib.request.urlopen': 'import urllib.request\nleak = urllib.request.urlopen("http://127.0.0.1:PORT/", timeout=1).read()',
    'os.environ has the gateway’s environment': 'import os\nleak = os.environ["VITEST"]',
  };
}

describe('routes to the host', () => {
  let results: Record<string, string> = {};

  beforeAll(async () => {
    const tries = Object.entries(routes()).map(([name, source]) => `attempt(${JSON.stringify(name)}, ${JSON.stringify(source.replaceAll('PORT', String(port)))})`);
    const code = [
      'import json',
      'results = {}',
      'def attempt(name, source):',
      '    namespace = {}',
      '    try:',
      '        exec(compile(source, name, "exec"), namespace)',
      '        results[name] = "LEAKED: " + repr(namespace.get("leak"))[:300]',
      '    except BaseException as error:',
      '        results[name] = "blocked: " + type(error).__name__ + ": " + str(error)[:300]',
      ...tries,
      'print(json.dumps(results))',
    ].join('\n');
    const outcome = finished(await runIn(pool, code));
    expect(outcome.stderr).toBe('');
    results = JSON.parse(outcome.stdout) as Record<string, string>;
  }, 60_000);

  it.each(Object.keys(routes()))('%s: blocked', (name) => {
    expect(results[name]).toMatch(/^blocked: /);
  });

  it('no command ran on the host and no connection reached it', () => {
    expect(existsSync(marker)).toBe(false);
    expect(connections).toBe(0);
  });

  it('the usual modules still work (json, re, math, collections, datetime, statistics)', async () => {
    const code = 'import json, re, math, collections, datetime, statistics\nprint(json.dumps({"m": statistics.mean([1, 2, 3]), "c": collections.Counter("aab")["a"], "r": re.sub("a", "b", "aa"), "s": math.isqrt(17)}))';
    expect(await runIn(pool, code)).toEqual({ kind: 'done', stdout: '{"m": 2, "c": 2, "r": "bb", "s": 4}\n', stderr: '', returnCode: 0 });
  });
});

describe('abuse ends the run, never the gateway', () => {
  it('an infinite loop: execution_time_exceeded (the worker is terminated)', async () => {
    const outcome = await runIn(pool, 'while True:\n    pass', { limits: { ...testLimits, timeoutMs: 1500 } });
    expect(outcome).toEqual({ kind: 'error', errorCode: 'execution_time_exceeded', message: 'the code ran longer than 1500 ms' });
  });

  it('an endless async loop: execution_time_exceeded', async () => {
    const outcome = await runIn(pool, 'while True:\n    await asyncio.sleep(0)', { limits: { ...testLimits, timeoutMs: 1500 } });
    expect(outcome).toMatchObject({ kind: 'error', errorCode: 'execution_time_exceeded' });
  });

  it('a memory bomb: memory_exceeded, even when the code catches MemoryError', async () => {
    const bomb = 'blocks = []\nwhile True:\n    blocks.append(bytearray(8 * 1024 * 1024))';
    expect(await runIn(pool, bomb)).toMatchObject({ kind: 'error', errorCode: 'memory_exceeded' });
    expect(await runIn(pool, `try:\n    ${bomb.replaceAll('\n', '\n    ')}\nexcept MemoryError:\n    print("survived")`)).toMatchObject({ kind: 'error', errorCode: 'memory_exceeded' });
  });

  it('huge output is cut at the cap and marked', async () => {
    const outcome = finished(await runIn(pool, 'for i in range(100_000):\n    print("x" * 99)'));
    expect(outcome.returnCode).toBe(0);
    expect(outcome.stdout).toContain('x'.repeat(99));
    expect(Buffer.byteLength(outcome.stdout)).toBeLessThan(testLimits.maxOutputBytes + 200);
    expect(outcome.stdout).toMatch(/\n\[output truncated: 10000000 bytes written, the first 4096 kept\]\n$/);
  });

  it('a recursion bomb is a RecursionError with return code 1', async () => {
    const outcome = finished(await runIn(pool, 'def f(n):\n    return f(n + 1)\nf(0)'));
    expect(outcome.returnCode).toBe(1);
    expect(outcome.stderr).toMatch(/RecursionError: maximum recursion depth exceeded\n$/);
  });

  it('deep nesting in C code stops the interpreter: return code 1 and what happened', async () => {
    const outcome = await runIn(pool, 'import json\nprint(len(json.loads("[" * 200000 + "]" * 200000)))');
    expect(outcome).toEqual({ kind: 'done', stdout: '', stderr: 'The Python interpreter stopped: Maximum call stack size exceeded\n', returnCode: 1 });
  });

  it('after all of that the pool still runs code', async () => {
    expect(await runIn(pool, 'print("still here")')).toEqual({ kind: 'done', stdout: 'still here\n', stderr: '', returnCode: 0 });
    expect(pool.stats()).toMatchObject({ busy: 0, size: 2 });
  });
});
