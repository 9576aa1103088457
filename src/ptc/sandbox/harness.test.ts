import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answered, finished, runIn, testPool } from '../../../test/helpers/ptc-sandbox.ts';

/**
 * The harness through the real pool: tool calls as batches, replay of answered batches, the
 * errors the code sees, and determinism. One pool for the file (each run uses up an interpreter).
 */

const pool = testPool();
beforeAll(() => pool.warmUp(), 120_000);
afterAll(() => pool.close());

describe('tool calls', () => {
  it('code that only prints finishes with its output', async () => {
    expect(await runIn(pool, 'print("hello", 6 * 7)')).toEqual({ kind: 'done', stdout: 'hello 42\n', stderr: '', returnCode: 0 });
  });

  it('the first call pauses the run; replayed with its answer, the code goes on', async () => {
    const code = 'weather = await get_weather(city="Paris")\nprint("got", weather)';
    expect(await runIn(pool, code)).toEqual({ kind: 'calls', calls: [{ index: 0, name: 'get_weather', input: { city: 'Paris' } }] });
    const resumed = await runIn(pool, code, { batches: [answered([['get_weather', { city: 'Paris' }]], ['sunny'])] });
    expect(resumed).toEqual({ kind: 'done', stdout: 'got sunny\n', stderr: '', returnCode: 0 });
  });

  it('asyncio.gather issues one batch, in the order issued; positional arguments take the schema names, one dict is the input', async () => {
    const code = 'rows, weather = await asyncio.gather(query_database("select 1", 5), get_weather({"city": "Oslo"}))';
    expect(await runIn(pool, code)).toEqual({
      kind: 'calls',
      calls: [
        { index: 0, name: 'query_database', input: { sql: 'select 1', limit: 5 } },
        { index: 1, name: 'get_weather', input: { city: 'Oslo' } },
      ],
    });
  });

  it('a loop replays the answered batches and pauses on the next call', async () => {
    const code = 'for region in ["west", "east", "north"]:\n    print(region, await query_database(sql=f"select {region}"))';
    const batches = [answered([['query_database', { sql: 'select west' }]], ['1']), answered([['query_database', { sql: 'select east' }]], ['2'])];
    expect(await runIn(pool, code, { batches })).toEqual({ kind: 'calls', calls: [{ index: 0, name: 'query_database', input: { sql: 'select north' } }] });
  });

  it('a log that does not match what the code calls is replay_diverged', async () => {
    const code = 'await get_weather(city="Paris")';
    const outcome = await runIn(pool, code, { batches: [answered([['get_weather', { city: 'Rome' }]], ['sunny'])] });
    expect(outcome).toEqual({ kind: 'error', errorCode: 'replay_diverged', message: 'batch 1: call 0 to get_weather has other arguments than the log' });
  });

  it('is_error results raise ToolError: caught, or ending the run with a traceback', async () => {
    const code = [
      'try:',
      '    await get_weather(city="Atlantis")',
      'except ToolError as error:',
      '    print("caught:", error)',
      'await query_database(sql="drop table")',
    ].join('\n');
    const batches = [answered([['get_weather', { city: 'Atlantis' }]], [{ error: 'no such city' }]), answered([['query_database', { sql: 'drop table' }]], [{ error: 'refused' }])];
    const outcome = finished(await runIn(pool, code, { batches }));
    expect(outcome.stdout).toBe('caught: no such city\n');
    expect(outcome.returnCode).toBe(1);
    expect(outcome.stderr).toMatch(/^Traceback \(most recent call last\):\n {2}File "<code>", line 5, in <module>\n/);
    expect(outcome.stderr).toMatch(/ToolError: refused\n$/);
    expect(outcome.stderr).not.toContain('<sandbox>');
  });

  it('asyncio.run(main()) in synchronous style calls tools too', async () => {
    const code = 'import asyncio\nasync def main():\n    return await get_weather(city="Lima")\nprint(asyncio.run(main()))';
    expect(await runIn(pool, code)).toEqual({ kind: 'calls', calls: [{ index: 0, name: 'get_weather', input: { city: 'Lima' } }] });
  });
});

describe('how code ends', () => {
  it('an exception: return code 1 and the traceback of the code; arguments that are not JSON are a TypeError', async () => {
    const outcome = finished(await runIn(pool, 'print("before")\nawait get_weather(city=object())'));
    expect(outcome).toMatchObject({ stdout: 'before\n', returnCode: 1 });
    expect(outcome.stderr).toContain('File "<code>", line 2, in <module>');
    expect(outcome.stderr).toMatch(/TypeError: the arguments of get_weather\(\) must be JSON values: .*\n$/);
  });

  it('sys.exit(3) is return code 3', async () => {
    expect(await runIn(pool, 'import sys\nprint("bye")\nsys.exit(3)')).toEqual({ kind: 'done', stdout: 'bye\n', stderr: '', returnCode: 3 });
  });

  it('waiting on something that never happens ends the run at once', async () => {
    const outcome = finished(await runIn(pool, 'await asyncio.Event().wait()'));
    expect(outcome.returnCode).toBe(1);
    expect(outcome.stderr).toContain('the code waits for something that never happens');
  });

  it('a tool input larger than the output cap is output_too_large', async () => {
    expect(await runIn(pool, 'await get_weather(city="x" * 10_000)')).toEqual({ kind: 'error', errorCode: 'output_too_large', message: 'the input of a call to get_weather is larger than 4096 bytes' });
  });
});

describe('determinism', () => {
  const code = [
    'import random, time, uuid, datetime, os',
    'start = time.time()',
    'await asyncio.sleep(3600)',
    'time.sleep(5)',
    'print(random.random(), uuid.uuid4(), os.urandom(4).hex(), sorted({"b", "a"}) == list({"a", "b"}) or list({"a", "b", "c"}))',
    'print(datetime.datetime.now(datetime.timezone.utc).date(), round(start))',
  ].join('\n');

  it('the same seed and clock give the same output; the clock starts at clockStartMs; sleeping takes no time', async () => {
    const clockStartMs = Date.UTC(2026, 4, 17, 12, 0, 0);
    const [first, second, other] = await Promise.all([runIn(pool, code, { clockStartMs }), runIn(pool, code, { clockStartMs }), runIn(pool, code, { clockStartMs, seed: 8 })]);
    const firstRun = finished(first);
    expect(firstRun.stderr).toBe('');
    expect(finished(second).stdout).toBe(firstRun.stdout);
    expect(finished(other).stdout).not.toBe(firstRun.stdout);
    expect(firstRun.stdout.split('\n')[1]).toBe(`2026-05-17 ${clockStartMs / 1000}`);
  });
});
