import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSseEvent } from '../anthropic/sse-encode.ts';
import type { AnthropicStreamEvent } from '../anthropic/types.ts';
import type { ProviderAnswer } from '../providers/provider.ts';
import type { RawUpstreamResponse } from '../upstream/http.ts';
import { loadScenario } from '../../test/fakes/anthropic.ts';
import { PreCommitFailure, type AnswerEnd, type RelayOutcome } from './answer-outcome.ts';
import type { AnswerWriteOptions } from './answer-writer.ts';
import { chatAnswerWriter } from './chat-answer-writer.ts';

/**
 * The Chat Completions answer writer over a loopback socket: typed events and Anthropic's SSE
 * bytes as chunks ending in [DONE], accounting before the last chunks, the commit rule (an error
 * before the first chunk is a PreCommitFailure; after it, one error line and no [DONE]), an
 * upstream error answer re-shaped, and the keep-alive comment of a silent stream.
 */

const events = loadScenario('text', 'claude-sonnet-5-5') as AnthropicStreamEvent[];
const context = { id: 'chatcmpl-test', created: 1_765_000_000, model: 'claude-sonnet-5-5' };

interface Written {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly outcome: RelayOutcome | PreCommitFailure;
  readonly ends: AnswerEnd[];
}

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function write(answer: ProviderAnswer, options: Partial<AnswerWriteOptions> = {}, read?: (response: Response) => Promise<string>): Promise<Written> {
  const ends: AnswerEnd[] = [];
  let settle: (outcome: RelayOutcome | PreCommitFailure) => void = () => undefined;
  const outcome = new Promise<RelayOutcome | PreCommitFailure>((resolve) => (settle = resolve));
  const server = createServer((_request, response: ServerResponse) => {
    const controller = new AbortController();
    response.on('close', () => controller.abort());
    chatAnswerWriter({ context, includeUsage: true })(answer, {
      response,
      requestId: 'req_test',
      headers: { 'x-gateway-provider': 'bedrock' },
      stream: true,
      provider: 'bedrock',
      maxEventBytes: 1_000_000,
      pingIntervalMs: 60_000,
      now: () => performance.now(),
      signal: controller.signal,
      beforeEnd: async (end) => {
        ends.push(end);
      },
      ...options,
    }).then(settle, (error: unknown) => {
      if (!(error instanceof PreCommitFailure)) throw error;
      response.writeHead(599).end();
      settle(error);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const body = read === undefined ? await response.text() : await read(response);
  return { status: response.status, headers: response.headers, body, outcome: await outcome, ends };
}

async function* from(items: readonly AnthropicStreamEvent[]): AsyncGenerator<AnthropicStreamEvent> {
  yield* items;
}

const info = { headers: {} };
const dataLines = (body: string) => body.split('\n\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));

function passthrough(status: number, body: string, headers: Record<string, string> = {}): ProviderAnswer {
  const upstream = { status, headers, body: Readable.from([Buffer.from(body)]) } as unknown as RawUpstreamResponse;
  return { kind: 'passthrough', upstream, info };
}

describe('chatAnswerWriter', () => {
  it('typed events: chunks, the usage chunk, [DONE]; usage recorded before the end', async () => {
    const written = await write({ kind: 'events', events: from(events), info });
    expect(written.status).toBe(200);
    expect(written.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const lines = dataLines(written.body);
    expect(lines.at(-1)).toBe('[DONE]');
    expect(JSON.parse(lines.at(-2) as string)).toMatchObject({ object: 'chat.completion.chunk', id: 'chatcmpl-test', choices: [], usage: { completion_tokens: 12 } });
    expect(written.ends).toEqual([expect.objectContaining({ status: 200, usage: expect.objectContaining({ input: 25, output: 12 }) as unknown })]);
    expect(written.outcome).toMatchObject({ end: 'complete', sse: true });
  });

  it('Anthropic SSE bytes (passthrough) give the same chunks as the typed events', async () => {
    const sse = events.map((event) => encodeSseEvent(event)).join('');
    const fromBytes = await write(passthrough(200, sse, { 'content-type': 'text/event-stream' }));
    const fromEvents = await write({ kind: 'events', events: from(events), info });
    expect(dataLines(fromBytes.body)).toEqual(dataLines(fromEvents.body));
  });

  it('an error event before the first chunk is a PreCommitFailure: nothing written, routing may fall back', async () => {
    const written = await write({ kind: 'events', events: from([{ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]), info });
    expect(written.status).toBe(599);
    expect((written.outcome as PreCommitFailure).error.code).toBe('GW_UPSTREAM_OVERLOADED');
  });

  it('a stream cut after the first chunk ends with one OpenAI error line and no [DONE]', async () => {
    const written = await write({ kind: 'events', events: from(events.slice(0, 3)), info });
    const lines = dataLines(written.body);
    expect(lines).not.toContain('[DONE]');
    expect(JSON.parse(lines.at(-1) as string)).toEqual({ error: { message: 'The upstream ended the stream before message_stop.', type: 'server_error', param: null, code: null } });
    expect(written.outcome).toMatchObject({ end: 'upstream_error', error: { code: 'GW_UPSTREAM_STREAM_BROKEN' } });
  });

  it('an upstream error answer is re-shaped: 529 -> 503, OpenAI body, retry-after kept', async () => {
    const written = await write(passthrough(529, JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }), { 'retry-after': '7', 'request-id': 'req_up' }));
    expect(written.status).toBe(503);
    expect([written.headers.get('retry-after'), written.headers.get('x-gateway-upstream-request-id')]).toEqual(['7', 'req_up']);
    expect(JSON.parse(written.body)).toEqual({ error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' } });
  });

  it('a non-streaming Message is a chat.completion', async () => {
    const message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [{ type: 'text', text: 'Hi.' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 2 } };
    const written = await write(passthrough(200, JSON.stringify(message), { 'content-type': 'application/json' }), { stream: false });
    expect(JSON.parse(written.body)).toMatchObject({ object: 'chat.completion', id: 'chatcmpl-test', choices: [{ message: { content: 'Hi.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2 } });
  });

  it('a silent stream gets `: ping` comment lines', async () => {
    let release: () => void = () => undefined;
    const pinged = new Promise<void>((resolve) => (release = resolve));
    async function* silent(): AsyncGenerator<AnthropicStreamEvent> {
      yield events[0] as AnthropicStreamEvent;
      await pinged;
      yield* events.slice(1);
    }
    const written = await write({ kind: 'events', events: silent(), info }, { pingIntervalMs: 5 }, async (response) => {
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      while (!text.includes(': ping\n\n: ping\n\n')) text += new TextDecoder().decode((await reader.read()).value);
      release();
      for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
      return text;
    });
    expect(dataLines(written.body).at(-1)).toBe('[DONE]');
  });
});
