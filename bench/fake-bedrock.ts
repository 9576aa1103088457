// A fast fake Bedrock runtime for benchmarks: precomputed event-stream answers, no signature
// checks (test/fakes/bedrock.ts does those), the first frames on one turn and the rest on the next.
// `node bench/fake-bedrock.ts <port>`
import { createServer } from 'node:http';
import { chunkFrame, eventFrame } from '../test/fakes/event-stream.ts';

const port = Number(process.argv[2]);
const text = 'The quick brown fox jumps over the lazy dog. '.repeat(16);
const pieces = Array.from({ length: 8 }, (_, index) => text.slice(index * 90, index * 90 + 90));

const native = [
  { type: 'message_start', message: { id: 'msg_bdrk_bench', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1200, output_tokens: 1 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  ...pieces.map((piece) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } })),
  { type: 'content_block_stop', index: 0 },
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 180 } },
  { type: 'message_stop', 'amazon-bedrock-invocationMetrics': { inputTokenCount: 1200, outputTokenCount: 180, invocationLatency: 500, firstByteLatency: 100 } },
].map((event) => chunkFrame(event, 'abcdefgh'));

const converse = [
  eventFrame('messageStart', { role: 'assistant', p: 'abcd' }),
  ...pieces.map((piece) => eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: piece }, p: 'abcd' })),
  eventFrame('contentBlockStop', { contentBlockIndex: 0, p: 'abcd' }),
  eventFrame('messageStop', { stopReason: 'end_turn', p: 'abcd' }),
  eventFrame('metadata', { usage: { inputTokens: 1200, outputTokens: 180, totalTokens: 1380 }, metrics: { latencyMs: 500 }, p: 'abcd' }),
];

const answers = {
  native: { first: Buffer.concat(native.slice(0, 2)), rest: Buffer.concat(native.slice(2)) },
  converse: { first: Buffer.concat(converse.slice(0, 2)), rest: Buffer.concat(converse.slice(2)) },
};

createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const answer = request.url?.endsWith('/converse-stream') ? answers.converse : request.url?.endsWith('/invoke-with-response-stream') ? answers.native : undefined;
    if (answer === undefined) {
      response.writeHead(404, { 'x-amzn-errortype': 'UnknownOperationException' }).end('{"message":"bench fake serves streams only"}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'bench' });
    response.write(answer.first);
    setImmediate(() => response.end(answer.rest));
  });
}).listen(port, '127.0.0.1', () => process.send?.('ready'));
