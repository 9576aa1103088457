import { describe, expect, it } from 'vitest';
import { detectPtc, withoutPtcBetas } from './detect.ts';

const weather = { name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

describe('detectPtc', () => {
  it.each(['code_execution_20250825', 'code_execution_20260120', 'code_execution_20260521'])('a %s tool and a tool code may call', (type) => {
    const body = { tools: [{ type, name: 'code_execution' }, { ...weather, allowed_callers: [type] }] };
    expect(detectPtc(body)).toEqual({ version: type, callable: [{ name: 'get_weather', description: 'Weather of a city', inputSchema: weather.input_schema, direct: false }] });
  });

  it('a tool code and the model may both call', () => {
    const body = { tools: [{ type: 'code_execution_20250825', name: 'code_execution' }, { ...weather, allowed_callers: ['direct', 'code_execution_20250825'] }, { name: 'plain', input_schema: {} }] };
    expect(detectPtc(body)?.callable.map((tool) => [tool.name, tool.direct])).toEqual([['get_weather', true]]);
  });

  it.each([
    ['no tools', {}],
    ['no code execution tool', { tools: [{ ...weather, allowed_callers: ['code_execution_20250825'] }] }],
    ['the 20250522 code execution tool (no tool calls from code)', { tools: [{ type: 'code_execution_20250522', name: 'code_execution' }, { ...weather, allowed_callers: ['code_execution_20250825'] }] }],
    ['no tool code may call (allowed_callers defaults to direct)', { tools: [{ type: 'code_execution_20250825', name: 'code_execution' }, weather] }],
    ['only direct callers', { tools: [{ type: 'code_execution_20250825', name: 'code_execution' }, { ...weather, allowed_callers: ['direct'] }] }],
  ])('%s: not PTC', (_name, body) => {
    expect(detectPtc(body)).toBeUndefined();
  });
});

describe('withoutPtcBetas', () => {
  it('removes advanced-tool-use betas and keeps the others', () => {
    expect(withoutPtcBetas({ 'anthropic-beta': 'advanced-tool-use-2025-11-20, interleaved-thinking-2025-05-14', 'x-other': '1' })).toEqual({ 'anthropic-beta': 'interleaved-thinking-2025-05-14', 'x-other': '1' });
    expect(withoutPtcBetas({ 'anthropic-beta': 'advanced-tool-use-2025-11-20' })).toEqual({});
    const headers = { 'anthropic-beta': 'context-1m-2025-08-07' };
    expect(withoutPtcBetas(headers)).toBe(headers);
  });
});
