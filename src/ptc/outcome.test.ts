import { describe, expect, it } from 'vitest';
import { outcomeOfBlock } from './history.ts';
import { codeExecutionToolResult, codeOf, type CodeOutcome } from './outcome.ts';
import { outcomeForModel } from './prompt.ts';

describe('code outcomes', () => {
  it.each<[string, CodeOutcome, unknown]>([
    ['a finished run', { kind: 'done', stdout: '42\n', stderr: '', returnCode: 0 }, { type: 'code_execution_result', stdout: '42\n', stderr: '', return_code: 0, content: [] }],
    ['a raise', { kind: 'done', stdout: '', stderr: 'Traceback…\nValueError: x', returnCode: 1 }, { type: 'code_execution_result', stdout: '', stderr: 'Traceback…\nValueError: x', return_code: 1, content: [] }],
    ['a timeout', { kind: 'error', errorCode: 'execution_time_exceeded', message: 'over 60 s' }, { type: 'code_execution_tool_result_error', error_code: 'execution_time_exceeded' }],
    ['a busy pool', { kind: 'error', errorCode: 'too_many_requests', message: 'busy' }, { type: 'code_execution_tool_result_error', error_code: 'too_many_requests' }],
    ['a memory bomb', { kind: 'error', errorCode: 'memory_exceeded', message: 'over 256 MiB' }, { type: 'code_execution_result', stdout: '', stderr: 'memory_exceeded: over 256 MiB', return_code: 1, content: [] }],
    ['no code', { kind: 'invalid_input', message: 'no code' }, { type: 'code_execution_tool_result_error', error_code: 'invalid_tool_input' }],
  ])('%s', (_name, outcome, content) => {
    expect(codeExecutionToolResult('srvtoolu_1', outcome)).toEqual({ type: 'code_execution_tool_result', tool_use_id: 'srvtoolu_1', content });
  });

  it('what the model reads of an outcome survives the client keeping it', () => {
    const outcomes: CodeOutcome[] = [
      { kind: 'done', stdout: '42\n', stderr: '', returnCode: 0 },
      { kind: 'done', stdout: 'partial\n', stderr: 'ValueError: x', returnCode: 1 },
      { kind: 'error', errorCode: 'execution_time_exceeded', message: 'the code ran out of time.' },
    ];
    for (const outcome of outcomes) {
      const block = codeExecutionToolResult('srvtoolu_1', outcome);
      expect(outcomeForModel(outcomeOfBlock(block.content))).toEqual(outcomeForModel(outcome));
    }
  });

  it('what the model reads', () => {
    expect(outcomeForModel({ kind: 'done', stdout: '42\n', stderr: '', returnCode: 0 })).toEqual({ content: '42\n', isError: false });
    expect(outcomeForModel({ kind: 'done', stdout: '', stderr: '', returnCode: 0 })).toEqual({ content: '(The code printed nothing.)', isError: false });
    expect(outcomeForModel({ kind: 'done', stdout: 'a\n', stderr: 'Traceback\nKeyError', returnCode: 1 })).toEqual({ content: 'stdout:\na\n\nstderr:\nTraceback\nKeyError\nreturn code: 1', isError: true });
    expect(outcomeForModel({ kind: 'error', errorCode: 'execution_time_exceeded', message: 'over 60 s' })).toEqual({ content: 'The code could not run to its end: execution_time_exceeded: over 60 s', isError: true });
  });

  it('codeOf', () => {
    expect(codeOf({ code: 'print(1)' })).toBe('print(1)');
    expect(codeOf({})).toEqual({ kind: 'invalid_input', message: 'the input has no "code" string.' });
    expect(codeOf({ code: '  ' })).toMatchObject({ kind: 'invalid_input' });
  });
});
