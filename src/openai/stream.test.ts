import { describe, expect, it } from 'vitest';
import { accumulate } from '../anthropic/accumulate.ts';
import type { AnthropicStreamEvent, MessageStreamEvent } from '../anthropic/types.ts';
import { OpenAIStreamToAnthropic } from '../providers/openai-compatible/stream.ts';
import { toChatCompletion } from './response.ts';
import { AnthropicToChatChunks, CHAT_STREAM_DONE, encodeChatChunk, type ChatStreamItem } from './stream.ts';

const context = { id: 'chatcmpl-1', created: 1_765_000_000, model: 'claude-sonnet-5-5' };
const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1_765_000_000, model: 'claude-sonnet-5-5', system_fingerprint: null };
const choice = (delta: object, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });

const events = [
  { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 } } },
  { type: 'ping' },
  { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm.' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Checking.' } },
  { type: 'content_block_stop', index: 1 },
  { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
  { type: 'content_block_stop', index: 2 },
  { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} } },
  { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{}' } },
  { type: 'content_block_stop', index: 3 },
  { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42 } },
  { type: 'message_stop' },
] as unknown as AnthropicStreamEvent[];

describe('AnthropicToChatChunks', () => {
  it('sends chunks as OpenAI does: role, reasoning, content, tool calls by index, finish, no usage unless asked', () => {
    const machine = new AnthropicToChatChunks(context, { includeUsage: false });
    expect(events.flatMap((event) => machine.push(event))).toEqual([
      choice({ role: 'assistant', content: '', refusal: null }),
      choice({ reasoning_content: 'Hmm.' }),
      choice({ content: 'Checking.' }),
      choice({ tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      choice({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      choice({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      choice({ tool_calls: [{ index: 1, id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '' } }] }),
      choice({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
      choice({}, 'tool_calls'),
    ]);
    expect(machine.done).toBe(true);
  });

  it('with include_usage: usage null on every chunk, then a usage chunk without choices', () => {
    const machine = new AnthropicToChatChunks(context, { includeUsage: true });
    const chunks = events.flatMap((event) => machine.push(event)) as unknown as Record<string, unknown>[];
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-1)).toEqual({ ...base, choices: [], usage: { prompt_tokens: 15, completion_tokens: 42, total_tokens: 57, prompt_tokens_details: { cached_tokens: 5 } } });
  });

  it('an error event becomes one error chunk and ends the stream', () => {
    const machine = new AnthropicToChatChunks(context, { includeUsage: false });
    machine.push(events[0] as AnthropicStreamEvent);
    expect(machine.push({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).toEqual([{ error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' } }]);
    expect([machine.done, machine.push(events.at(-1) as AnthropicStreamEvent)]).toEqual([true, []]);
    expect(encodeChatChunk({ error: { message: 'x', type: 't', param: null, code: null } })).toBe('data: {"error":{"message":"x","type":"t","param":null,"code":null}}\n\n');
    expect(CHAT_STREAM_DONE).toBe('data: [DONE]\n\n');
  });

  it('round trip: the chunks read back by the OpenAI-compatible converter give the same message as the non-streaming conversion', () => {
    const machine = new AnthropicToChatChunks(context, { includeUsage: true });
    const chunks: ChatStreamItem[] = events.flatMap((event) => machine.push(event));
    const back = new OpenAIStreamToAnthropic({ provider: 'gateway', model: 'claude-sonnet-5-5', id: 'msg_1' });
    const replayed: MessageStreamEvent[] = [...chunks.flatMap((chunk) => back.push(JSON.parse(JSON.stringify(chunk)))), ...back.end()];
    const original = accumulate(events.filter((event) => event.type !== 'ping') as MessageStreamEvent[]);
    const message = accumulate(replayed);
    expect(toChatCompletion(message, context)).toEqual(toChatCompletion(original, context));
  });
});
