import type { FailedRun, FinishedRun, RunOutcome, RunRequest, SandboxToolCall } from './contract.ts';
import type { FromWorker } from './messages.ts';

/**
 * A worker's reply as a RunOutcome. The harness runs in the same interpreter as the user's code,
 * which can reach and change it, so what comes back is checked like any untrusted input: a
 * paused run names only the request's tools, with JSON-object inputs, numbered in order.
 */
export function toOutcome(reply: Extract<FromWorker, { type: 'outcome' | 'crash' }>, request: RunRequest): RunOutcome {
  if (reply.memoryCapHit) return { kind: 'error', errorCode: 'memory_exceeded', message: `the code used more than the sandbox's ${request.limits.memoryBytes} bytes of memory` };
  if (reply.type === 'crash') return crashed(reply.message);
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.outcomeJson);
  } catch {
    return crashed('the interpreter answered with something that is not JSON');
  }
  return validOutcome(parsed, request) ?? crashed('the interpreter answered with an outcome of the wrong shape');
}

function crashed(message: string): FinishedRun {
  return { kind: 'done', stdout: '', stderr: `The Python interpreter stopped: ${message}\n`, returnCode: 1 };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const errorCodes: ReadonlySet<string> = new Set<FailedRun['errorCode']>(['execution_time_exceeded', 'memory_exceeded', 'output_too_large', 'replay_diverged', 'too_many_requests', 'unavailable']);

function validOutcome(value: unknown, request: RunRequest): RunOutcome | undefined {
  if (!isRecord(value)) return undefined;
  if (value['kind'] === 'done') {
    const { stdout, stderr, returnCode } = value;
    if (typeof stdout !== 'string' || typeof stderr !== 'string' || typeof returnCode !== 'number' || !Number.isInteger(returnCode)) return undefined;
    const cap = request.limits.maxOutputBytes + 200;
    if (Buffer.byteLength(stdout) > cap || Buffer.byteLength(stderr) > cap) return undefined;
    return { kind: 'done', stdout, stderr, returnCode };
  }
  if (value['kind'] === 'error') {
    const { errorCode, message } = value;
    if (typeof errorCode !== 'string' || !errorCodes.has(errorCode) || typeof message !== 'string') return undefined;
    return { kind: 'error', errorCode: errorCode as FailedRun['errorCode'], message };
  }
  if (value['kind'] === 'calls') {
    const calls = value['calls'];
    if (!Array.isArray(calls) || calls.length === 0) return undefined;
    const checked: SandboxToolCall[] = [];
    for (const [index, call] of calls.entries()) {
      if (!isRecord(call) || call['index'] !== index || typeof call['name'] !== 'string' || !request.tools.includes(call['name']) || !isRecord(call['input'])) return undefined;
      checked.push({ index, name: call['name'], input: call['input'] });
    }
    return { kind: 'calls', calls: checked };
  }
  return undefined;
}
