// A fast fake Anthropic for benchmarks: precomputed answers, no parsing beyond `"stream":true`.
// `node bench/fake-upstream.ts <port>`. A request with `x-bench-hold: 1` gets the start of a
// stream and then nothing until the client goes (idle open streams, bench/memory.ts).
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const text = 'The quick brown fox jumps over the lazy dog. '.repeat(16);
const message = JSON.stringify({
  id: 'msg_bench_01', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5',
  content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null,
  usage: { input_tokens: 1200, output_tokens: 180, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
});
const event = (payload: { type: string }) => `event: ${payload.type}\ndata: ${JSON.stringify(payload)}\n\n`;
const stream = [
  event({ type: 'message_start', message: { ...JSON.parse(message), content: [], stop_reason: null } } as { type: string }),
  event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as { type: string }),
  ...Array.from({ length: 8 }, (_, index) => event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: text.slice(index * 90, index * 90 + 90) } } as { type: string })),
  event({ type: 'content_block_stop', index: 0 } as { type: string }),
  event({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 180 } } as { type: string }),
  event({ type: 'message_stop' }),
];
const messageBytes = Buffer.from(message);
const streamFirst = Buffer.from(stream.slice(0, 2).join(''));
const streamRest = Buffer.from(stream.slice(2).join(''));

createServer((request, response) => {
  let streaming = false;
  request.on('data', (chunk: Buffer) => {
    if (!streaming && chunk.includes('"stream":true')) streaming = true;
  });
  request.on('end', () => {
    if (streaming) {
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': 'req_bench' });
      response.write(streamFirst);
      if (request.headers['x-bench-hold'] === '1') {
        response.write(stream[2] as string);
        return;
      }
      // The rest on the next turn, as a real upstream sends it after the first tokens.
      setImmediate(() => response.end(streamRest));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': messageBytes.length, 'request-id': 'req_bench' });
    response.end(messageBytes);
  });
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
