// A fast fake OpenAI-compatible upstream for benchmarks: a precomputed Chat Completions stream
// for any POST ending in /chat/completions, no checks (test/fakes/openai.ts does those), the role
// chunk and the first text chunk on one turn and the rest (text, finish, usage, [DONE]) on the next.
// `node bench/fake-openai.ts <port>`
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const text = 'The quick brown fox jumps over the lazy dog. '.repeat(16);
const pieces = Array.from({ length: 8 }, (_, index) => text.slice(index * 90, index * 90 + 90));
const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_765_000_000, model: 'gpt-bench', system_fingerprint: 'fp_bench' };
const chunk = (choice: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ ...base, choices: choice === undefined ? [] : [{ index: 0, logprobs: null, ...choice }], ...extra })}\n\n`;

const events = [
  chunk({ delta: { role: 'assistant', content: '' }, finish_reason: null }),
  ...pieces.map((piece) => chunk({ delta: { content: piece }, finish_reason: null })),
  chunk({ delta: {}, finish_reason: 'stop' }),
  chunk(undefined, { usage: { prompt_tokens: 1200, completion_tokens: 180, total_tokens: 1380, prompt_tokens_details: { cached_tokens: 0 } } }),
  'data: [DONE]\n\n',
];
const first = Buffer.from(events.slice(0, 2).join(''));
const rest = Buffer.from(events.slice(2).join(''));

createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    if (request.method !== 'POST' || request.url?.endsWith('/chat/completions') !== true) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"bench fake serves chat completions streams only","type":"invalid_request_error"}}');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_bench' });
    response.write(first);
    setImmediate(() => response.end(rest));
  });
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
