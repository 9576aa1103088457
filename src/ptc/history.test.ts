import { describe, expect, it } from 'vitest';
import { detectPtc, type PtcRequest } from './detect.ts';
import { toUpstreamBody, toUpstreamMessages } from './history.ts';
import { executeCodeTool } from './prompt.ts';

const caller = { type: 'code_execution_20250825', tool_id: 'srvtoolu_1' };
const code = { code: 'print(await get_weather(city="Paris"))' };
const result = { type: 'code_execution_result', stdout: 'sunny\n', stderr: '', return_code: 0, content: [] };

describe('toUpstreamMessages', () => {
  it('one execution over several rounds folds back into the execute_code call and its result', () => {
    const messages = [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'code_execution', input: code, caller: { type: 'direct' } }, { type: 'tool_use', id: 'toolu_ptc_1_0_0', name: 'get_weather', input: { city: 'Paris' }, caller }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_ptc_1_0_0', content: 'sunny' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_ptc_1_1_0', name: 'get_weather', input: { city: 'Lyon' }, caller }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_ptc_1_1_0', content: 'rain' }] },
      { role: 'assistant', content: [{ type: 'code_execution_tool_result', tool_use_id: 'srvtoolu_1', content: result }, { type: 'text', text: 'Sunny.' }] },
      { role: 'user', content: 'Thanks' },
    ];
    expect(toUpstreamMessages(messages)).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'srvtoolu_1', name: 'execute_code', input: code }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'srvtoolu_1', content: 'sunny\n' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Sunny.' }] },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  it('a direct call beside the code: both results in one user turn', () => {
    const messages = [
      { role: 'user', content: 'Go' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_x', name: 'search', input: {}, caller: { type: 'direct' } }, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'code_execution', input: code }, { type: 'tool_use', id: 'toolu_ptc_1_0_0', name: 'get_weather', input: {}, caller }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'found' }, { type: 'tool_result', tool_use_id: 'toolu_ptc_1_0_0', content: 'sunny' }] },
      { role: 'assistant', content: [{ type: 'code_execution_tool_result', tool_use_id: 'srvtoolu_1', content: { type: 'code_execution_tool_result_error', error_code: 'execution_time_exceeded' } }, { type: 'text', text: 'Done.' }] },
    ];
    expect(toUpstreamMessages(messages)).toEqual([
      { role: 'user', content: 'Go' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_x', name: 'search', input: {} }, { type: 'tool_use', id: 'srvtoolu_1', name: 'execute_code', input: code }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_x', content: 'found' },
          { type: 'tool_result', tool_use_id: 'srvtoolu_1', content: 'The code could not run to its end: execution_time_exceeded: the code ran out of time.', is_error: true },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] },
    ]);
  });

  it('a result that ends the turn joins the next user turn (a direct call was pending)', () => {
    const messages = [
      { role: 'user', content: 'Go' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_x', name: 'search', input: {} }, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'code_execution', input: code }, { type: 'code_execution_tool_result', tool_use_id: 'srvtoolu_1', content: result }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'found' }] },
    ];
    expect(toUpstreamMessages(messages)).toEqual([
      { role: 'user', content: 'Go' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_x', name: 'search', input: {} }, { type: 'tool_use', id: 'srvtoolu_1', name: 'execute_code', input: code }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'srvtoolu_1', content: 'sunny\n' }, { type: 'tool_result', tool_use_id: 'toolu_x', content: 'found' }] },
    ]);
  });

  it('a history without code is kept as it is, message for message', () => {
    const messages = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] }, { role: 'user', content: [{ type: 'text', text: 'Bye' }] }];
    const upstream = toUpstreamMessages(messages);
    expect(upstream).toEqual(messages);
    upstream.forEach((message, index) => expect(message).toBe(messages[index]));
  });
});

describe('toUpstreamBody', () => {
  const ptcBody = {
    model: 'claude-x',
    max_tokens: 100,
    container: 'container_1',
    tool_choice: { type: 'tool', name: 'code_execution' },
    tools: [
      { type: 'code_execution_20250825', name: 'code_execution' },
      { name: 'get_weather', description: 'Weather', input_schema: { type: 'object' }, allowed_callers: ['code_execution_20250825'] },
      { name: 'search', description: 'Search', input_schema: { type: 'object' }, allowed_callers: ['direct', 'code_execution_20250825'] },
      { name: 'plain', input_schema: { type: 'object' } },
    ],
    messages: [{ role: 'user', content: 'Go' }],
  };

  it('the code execution tool becomes execute_code; tools only code calls go; container goes', () => {
    const ptc = detectPtc(ptcBody) as PtcRequest;
    expect(toUpstreamBody(ptcBody, ptc)).toEqual({
      model: 'claude-x',
      max_tokens: 100,
      tool_choice: { type: 'tool', name: 'execute_code' },
      tools: [{ name: 'search', description: 'Search', input_schema: { type: 'object' } }, { name: 'plain', input_schema: { type: 'object' } }, executeCodeTool(ptc.callable)],
      messages: [{ role: 'user', content: 'Go' }],
    });
  });
});
