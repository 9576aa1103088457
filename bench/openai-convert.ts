// Conversion throughput of the OpenAI-compatible stream converters on one core (issue 12):
//
//   node bench/openai-convert.ts [--chunks 200000]
//
// Outbound: a Chat Completions SSE body (text deltas, then a tool call in fragments, the usage
// chunk, [DONE]) cut into 1 KiB reads, through OpenAISseReader and OpenAIStreamToAnthropic.
// Inbound: the resulting Anthropic events through AnthropicToChatChunks and encodeChatChunk.
// Pure functions, no sockets; the figure is events per CPU second (process.cpuUsage), the median of 5 rounds.
import { parseArgs } from 'node:util';
import { AnthropicToChatChunks, encodeChatChunk } from '../src/openai/stream.ts';
import { OpenAISseReader } from '../src/providers/openai-compatible/sse.ts';
import { OpenAIStreamToAnthropic } from '../src/providers/openai-compatible/stream.ts';
import type { MessageStreamEvent } from '../src/anthropic/types.ts';

const { values } = parseArgs({ options: { chunks: { type: 'string', default: '200000' } } });
const count = Number(values.chunks);
const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'bench' };
const frame = (chunk: object) => `data: ${JSON.stringify(chunk)}\n\n`;
const parts: string[] = [frame({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })];
for (let index = 0; index < count * 0.9; index++) parts.push(frame({ ...base, choices: [{ index: 0, delta: { content: ' token' }, finish_reason: null }] }));
parts.push(frame({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'bash', arguments: '' } }] }, finish_reason: null }] }));
for (let index = 0; index < count * 0.1; index++) parts.push(frame({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: index === 0 ? '{"command":"' : 'ls ' } }] }, finish_reason: null }] }));
parts.push(frame({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"}' } }] }, finish_reason: null }] }));
parts.push(frame({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }), frame({ ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: count } }), 'data: [DONE]\n\n');
const body = Buffer.from(parts.join(''), 'utf8');
const reads: Buffer[] = [];
for (let offset = 0; offset < body.length; offset += 1024) reads.push(body.subarray(offset, offset + 1024));

function cpuSeconds(run: () => void): number {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] as number;
const outbound: number[] = [];
const inbound: number[] = [];
let events: MessageStreamEvent[] = [];
for (let round = 0; round < 5; round++) {
  events = [];
  const seconds = cpuSeconds(() => {
    const reader = new OpenAISseReader('bench');
    const machine = new OpenAIStreamToAnthropic({ provider: 'bench', model: 'claude-sonnet-5-5', id: 'msg_bench' });
    for (const read of reads) for (const item of reader.push(read)) events.push(...(item.kind === 'chunk' ? machine.push(item.chunk) : machine.end()));
  });
  outbound.push(events.length / seconds);
  let bytes = 0;
  const back = cpuSeconds(() => {
    const chunks = new AnthropicToChatChunks({ id: 'chatcmpl-bench', created: 1, model: 'claude-sonnet-5-5' }, { includeUsage: true });
    for (const event of events) for (const chunk of chunks.push(event)) bytes += encodeChatChunk(chunk).length;
  });
  inbound.push(events.length / back);
  void bytes;
}
console.log(`${parts.length} chunks, ${(body.length / 1e6).toFixed(1)} MB, ${events.length} Anthropic events`);
console.log(`outbound (SSE bytes -> Anthropic events): ${Math.round(median(outbound)).toLocaleString('en')} events/s`);
console.log(`inbound (Anthropic events -> chunk SSE):  ${Math.round(median(inbound)).toLocaleString('en')} events/s`);
