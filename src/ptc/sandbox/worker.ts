import childProcess from 'node:child_process';
import nodeCrypto from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import workerThreads, { parentPort, workerData } from 'node:worker_threads';
import { loadPyodide, type PyodideAPI } from 'pyodide';
import type { PyProxy } from 'pyodide/ffi';
import { harnessPython } from './harness-python.ts';
import type { FromWorker, ToWorker } from './messages.ts';

/**
 * One warm interpreter: a worker thread that loads Pyodide, installs the harness, locks itself
 * down, says `ready`, runs exactly one request and is then terminated by the pool (a worker that
 * ran user code is never reused). Started with an empty environment and no stdin.
 *
 * What stands between user code and the host, innermost first:
 * 1. Python: the modules that reach JavaScript or raw memory (js, pyodide*, _pyodide*, ctypes…)
 *    are dropped and refused at import (harness-python.ts). Python cannot restrict itself, so:
 * 2. JavaScript: `js` and `pyodide_js` are unregistered, so even a restored importer finds no
 *    JavaScript module; this thread's globals lose process, fetch and every other door to I/O,
 *    eval and the Function constructors throw (so no `import()` either), host file systems are
 *    removed from the Emscripten FS, WebAssembly memories are capped.
 * 3. The pool: time limit by terminate(), JavaScript heap by resourceLimits, one run per worker.
 */

const warmUpCode = 'import json\nfirst = await tool(1)\nresults = await asyncio.gather(tool(2), tool(value=3))\nprint(json.dumps([first, results]))\n';

const port = parentPort;
if (port === null) throw new Error('worker.ts runs as a worker thread');

/** The part of WebAssembly's API used here (the project's lib settings do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmMemoryDescriptor {
  readonly initial: number;
  readonly maximum?: number;
  readonly shared?: boolean;
}
interface WasmMemoryConstructor {
  new (descriptor: WasmMemoryDescriptor): WasmMemory;
  readonly prototype: WasmMemory;
}
/** A compiled module (opaque here); worker threads share one through postMessage. */
export interface WasmModule {
  readonly compiledWasm: never;
}
type Instantiate = (source: unknown, imports: unknown) => Promise<{ instance: unknown; module: WasmModule } | unknown>;
const wasm = (globalThis as unknown as { WebAssembly: { Memory: WasmMemoryConstructor; instantiate: Instantiate } }).WebAssembly;

let memoryCap = Number.POSITIVE_INFINITY;
let memoryCapHit = false;
const grow = wasm.Memory.prototype.grow;
wasm.Memory.prototype.grow = function cappedGrow(this: WasmMemory, pages: number): number {
  if (this.buffer.byteLength + pages * 65_536 > memoryCap) {
    memoryCapHit = true;
    throw new RangeError('the sandbox memory limit is reached');
  }
  return grow.call(this, pages);
};

const realNow = performance.now.bind(performance);
const startedAt = realNow();
const { snapshot, module } = (workerData as { snapshot?: Uint8Array; module?: WasmModule } | null) ?? {};
let compiled: WasmModule | undefined;
const instantiate = wasm.instantiate.bind(wasm);
/** Compiling Python's 10 MB of WebAssembly takes seconds: the pool passes the first worker's module to the others. */
wasm.instantiate = async (source: unknown, imports: unknown) => {
  const isPython = ArrayBuffer.isView(source) && source.byteLength > 1_000_000;
  if (!isPython) return instantiate(source, imports);
  if (module !== undefined) return { instance: await instantiate(module, imports), module };
  const result = (await instantiate(source, imports)) as { instance: unknown; module: WasmModule };
  compiled ??= result.module;
  return result;
};
const pyodide = await loadPyodide({
  env: { PYTHONHASHSEED: '0', HOME: '/home/pyodide', TZ: 'UTC' },
  stdin: () => null,
  stdout: () => undefined,
  stderr: () => undefined,
  // The pool shares one image among workers; each restores from its own copy.
  ...(snapshot === undefined ? { _makeSnapshot: true } : { _loadSnapshot: snapshot.slice() }),
});
if (snapshot === undefined) {
  // The first interpreter of a pool loads Python from scratch (seconds), installs the harness and
  // hands a memory image of itself to the pool; the others start from that image.
  pyodide.runPython(`import sys, types\n_m = types.ModuleType("_sandbox")\nsys.modules["_sandbox"] = _m\nexec(compile(${JSON.stringify(harnessPython)}, "<sandbox>", "exec"), _m.__dict__)\ndel _m, sys, types\n`);
  const made = pyodide.makeMemorySnapshot();
  if (compiled === undefined) throw new Error('Pyodide did not instantiate its WebAssembly through WebAssembly.instantiate');
  // Shared memory: passing 30 MB to each new worker then costs the pool's thread nothing.
  const image = new Uint8Array(new SharedArrayBuffer(made.byteLength));
  image.set(made);
  port.postMessage({ type: 'snapshot', image, module: compiled } satisfies FromWorker);
}
// The image is shared by every worker: the module that hands it over forgets it (defence in
// depth: code that reached JavaScript could otherwise find it and poison later interpreters).
Object.assign(workerThreads, { workerData: null });
syncBuiltinESMExports();
const harness = pyodide.pyimport('_sandbox') as PyProxy & { _sandbox_run: (requestJson: string) => string; _lockdown: () => void };
const runPython = harness._sandbox_run;
harness._lockdown();
lockDownJavaScript(pyodide);
// One throwaway run of the harness's own code: the first run in a fresh interpreter pays for lazy
// set-up (hundreds of ms); every worker does the same, so runs stay deterministic.
runPython(JSON.stringify({ code: warmUpCode, tools: ['tool'], toolParameters: { tool: ['value'] }, batches: [{ calls: [{ index: 0, name: 'tool', input: { value: 1 } }], results: [{ content: '1', isError: false }] }], seed: 0, maxOutputBytes: 1024 }));
const loadMs = realNow() - startedAt;
const clock = installVirtualClock();
const random = installSeededRandom();

port.postMessage({ type: 'ready', loadMs, heapBytes: (pyodide as unknown as { _module: { HEAPU8: Uint8Array } })._module.HEAPU8.length } satisfies FromWorker);

port.once('message', (message: ToWorker) => {
  memoryCap = message.memoryBytes;
  clock.reset(message.clockStartMs);
  random.reset(message.seed);
  let reply: FromWorker;
  const runStartedAt = realNow();
  try {
    { const outcomeJson = runPython(message.requestJson); reply = { type: 'outcome', outcomeJson, memoryCapHit, runMs: realNow() - runStartedAt }; }
  } catch (error) {
    reply = { type: 'crash', message: error instanceof Error ? error.message.slice(-2000) : String(error), memoryCapHit };
  }
  port.postMessage(reply);
});

function lockDownJavaScript(api: PyodideAPI): void {
  api.unregisterJsModule('js');
  api.unregisterJsModule('pyodide_js');
  const filesystems = api.FS.filesystems as Record<string, unknown>;
  for (const name of ['NODEFS', 'NODERAWFS', 'PROXYFS', 'WORKERFS', 'OPFS', 'IDBFS']) delete filesystems[name];
  const refuse = (what: string) => () => {
    throw new Error(`${what} is not available in the sandbox`);
  };
  const target = api as unknown as Record<string, unknown>;
  for (const name of ['loadPackage', 'loadPackagesFromImports', 'mountNodeFS', 'mountNativeFS', 'registerJsModule', 'setStdin', 'setStdout', 'setStderr']) {
    try {
      Object.defineProperty(target, name, { value: refuse(name), configurable: false, writable: false });
    } catch {
      // a getter-only static: leave it, the module that exposes it is unregistered
    }
  }
  // Emscripten reaches the host through Node modules it requires itself: os.system() runs a shell
  // through child_process, socket.connect() opens a WebSocket with the `ws` package.
  // Throwing inside a system call would kill the interpreter: os.system() gets exit status 127.
  const moduleObject = childProcess as unknown as Record<string, unknown>;
  for (const name of Object.keys(moduleObject)) {
    if (typeof moduleObject[name] === 'function' && name !== 'spawnSync') Object.defineProperty(moduleObject, name, { value: refuse(`child_process.${name}`), configurable: false, writable: false });
  }
  const notFound = () => ({ pid: 0, status: 127, signal: null, output: [null, null, null], stdout: null, stderr: null, error: new Error('no commands run in the sandbox') });
  Object.defineProperty(moduleObject, 'spawnSync', { value: notFound, configurable: false, writable: false });
  const requireFromPyodide = createRequire(import.meta.resolve('pyodide'));
  requireFromPyodide('ws');
  const cached = requireFromPyodide.cache[requireFromPyodide.resolve('ws')];
  if (cached === undefined) throw new Error('the ws package did not load');
  cached.exports = refuse('network access');
  const global = globalThis as unknown as Record<string, unknown>;
  for (const name of ['process', 'fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest', 'BroadcastChannel', 'Worker', 'SharedWorker', 'importScripts', 'navigator', 'require', 'module', 'Buffer', 'global', 'localStorage', 'sessionStorage', 'caches', 'indexedDB']) {
    try {
      delete global[name];
    } catch {
      global[name] = undefined;
    }
    if (global[name] !== undefined) Object.defineProperty(globalThis, name, { value: undefined, configurable: false, writable: false });
  }
  const codeFromStrings = refuse('code generation from strings');
  Object.defineProperty(globalThis, 'eval', { value: codeFromStrings, configurable: false, writable: false });
  for (const constructor of [Function, (async () => undefined).constructor, function* generator() {}.constructor, async function* asyncGenerator() {}.constructor]) {
    Object.defineProperty(constructor.prototype, 'constructor', { value: codeFromStrings, configurable: false, writable: false });
  }
  Object.defineProperty(globalThis, 'Function', { value: codeFromStrings, configurable: false, writable: false });
  const Memory = wasm.Memory;
  class CappedMemory extends Memory {
    constructor(descriptor: WasmMemoryDescriptor) {
      if (descriptor.initial * 65_536 > memoryCap) throw new RangeError('the sandbox memory limit is reached');
      super(descriptor);
    }
  }
  Object.defineProperty(wasm, 'Memory', { value: CappedMemory, configurable: false, writable: false });
}

/** Date.now and performance.now (what the interpreter's clocks read) start at a fixed time and advance 1 ms per read. */
function installVirtualClock(): { reset(startMs: number): void } {
  let now = 0;
  let origin = 0;
  Date.now = () => (now += 1);
  performance.now = () => (now += 1) - origin;
  return {
    reset(startMs: number) {
      now = startMs;
      origin = startMs;
    },
  };
}

/** Randomness the interpreter reads (os.urandom, uuid4, secrets: Emscripten's node:crypto randomFillSync) from a seeded generator (splitmix32). */
function installSeededRandom(): { reset(seed: number): void } {
  let state = 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) | 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
    value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35);
    return (value ^ (value >>> 16)) >>> 0;
  };
  const fill = <T extends ArrayBufferView | null>(view: T): T => {
    if (view === null) return view;
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    for (let index = 0; index < bytes.length; index += 1) bytes[index] = next() & 0xff;
    return view;
  };
  Object.defineProperty(nodeCrypto, 'randomFillSync', { value: fill, configurable: false, writable: false });
  Object.defineProperty(crypto, 'getRandomValues', { value: fill, configurable: false, writable: false });
  Object.defineProperty(crypto, 'randomUUID', { value: () => '00000000-0000-4000-8000-000000000000', configurable: false, writable: false });
  return {
    reset(seed: number) {
      state = seed | 0;
    },
  };
}
