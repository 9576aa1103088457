import { describe, expect, it } from 'vitest';
import { executeCodeTool } from './prompt.ts';

describe('executeCodeTool', () => {
  it('lists every callable tool with its description and schema, and says how to call them', () => {
    const tool = executeCodeTool([
      { name: 'get_weather', description: 'Weather of a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, direct: false },
      { name: 'search', description: undefined, inputSchema: { type: 'object' }, direct: true },
    ]);
    expect(tool.name).toBe('execute_code');
    expect(tool.input_schema).toEqual({ type: 'object', properties: { code: { type: 'string', description: 'The Python code to run.' } }, required: ['code'], additionalProperties: false });
    const description = String(tool.description);
    expect(description).toContain('- get_weather(**input) (only from code)\n  Description: Weather of a city\n  Input JSON schema: {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}');
    expect(description).toContain('- search(**input)\n  Input JSON schema: {"type":"object"}');
    for (const guidance of ['await get_weather(city="Paris")', 'asyncio.gather', 'print()', 'ToolError', 'json.loads']) expect(description).toContain(guidance);
  });
});
