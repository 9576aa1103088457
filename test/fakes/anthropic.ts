import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { accumulate } from '../../src/anthropic/accumulate.ts';
import { encodeSseEvent } from '../../src/anthropic/sse-encode.ts';
import type { MessageStreamEvent } from '../../src/anthropic/types.ts';
import { ScriptedServer } from './scripted-server.ts';

/**
 * A scriptable fake of the Anthropic API on 127.0.0.1, built from the shapes in
 * shared/spec/protocols.md §1. It records every request it receives (raw header pairs and body
 * bytes) and answers either from a queue of scripted steps or from a default responder that
 * serves the fixture scenarios in test/fixtures/anthropic (header `x-fake-scenario`).
 */

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Header name/value pairs exactly as received. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** Set when the client closed the connection before the response finished. */
  aborted: boolean;
  /** Resolves when the response ends or the client goes away. */
  readonly settled: Promise<void>;
}

export type SseItem =
  | { readonly event: MessageStreamEvent | Record<string, unknown> }
  /** Bytes written as they are (partial events, comments, odd framing). */
  | { readonly raw: string }
  | { readonly delayMs: number };

export type FakeStep =
  | { readonly kind: 'json'; readonly status?: number; readonly headers?: Record<string, string>; readonly body: unknown; readonly delayMs?: number }
  | {
      readonly kind: 'sse';
      readonly status?: number;
      readonly headers?: Record<string, string>;
      readonly items: readonly SseItem[];
      /** How bytes are cut into writes: whole events (default), one byte at a time, or fixed sizes. */
      readonly chunking?: 'event' | 'byte' | number;
      /**
       * What happens after the items: end normally (default), close the connection mid-body
       * (FIN, no chunked terminator), reset it (RST, after the peer has read what was sent), or hang.
       */
      readonly then?: 'end' | 'close' | 'reset' | 'hang';
      readonly headersDelayMs?: number;
    }
  /** Reset the connection without answering. */
  | { readonly kind: 'reset' }
  /** Never answer. */
  | { readonly kind: 'hang' }
  | { readonly kind: 'custom'; readonly handle: (request: RecordedRequest, response: ServerResponse) => void };

export type Responder = (request: RecordedRequest) => FakeStep;

const fixtureDirectory = new URL('../fixtures/anthropic/', import.meta.url);

export function loadScenario(name: string, model: string): MessageStreamEvent[] {
  const text = readFileSync(new URL(`${name}.jsonl`, fixtureDirectory), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line.replaceAll('"{{model}}"', JSON.stringify(model))) as MessageStreamEvent);
}

/** SSE framing of one event: the gateway's own writer, so fake and gateway frame alike. */
export const sseOf = encodeSseEvent;

export const fakeModels = [
  { type: 'model', id: 'claude-opus-5-5', display_name: 'Claude Opus 5.5', created_at: '2026-09-30T00:00:00Z' },
  { type: 'model', id: 'claude-sonnet-5-5', display_name: 'Claude Sonnet 5.5', created_at: '2026-09-30T00:00:00Z' },
  { type: 'model', id: 'claude-haiku-5-5', display_name: 'Claude Haiku 5.5', created_at: '2026-09-30T00:00:00Z' },
];

function requestedModel(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { model?: unknown };
    return typeof parsed.model === 'string' ? parsed.model : 'unknown-model';
  } catch {
    return 'unknown-model';
  }
}

function wantsStream(body: Buffer): boolean {
  try {
    return (JSON.parse(body.toString('utf8')) as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
}

/** The default behaviour: the fixture scenario named by `x-fake-scenario` (default `text`). */
export const defaultResponder: Responder = (request) => {
  const requestId = { 'request-id': `req_fake_${request.method}_${request.path.replaceAll('/', '_')}` };
  if (request.method === 'POST' && request.path === '/v1/messages/count_tokens') {
    return { kind: 'json', headers: requestId, body: { input_tokens: Math.max(1, Math.round(request.body.length / 4)) } };
  }
  if (request.method === 'POST' && request.path === '/v1/messages') {
    const scenario = typeof request.headers['x-fake-scenario'] === 'string' ? request.headers['x-fake-scenario'] : 'text';
    const events = loadScenario(scenario, requestedModel(request.body));
    if (wantsStream(request.body)) return { kind: 'sse', headers: requestId, items: events.map((event) => ({ event })) };
    return { kind: 'json', headers: requestId, body: accumulate(events) };
  }
  if (request.method === 'GET' && request.path === '/v1/models') {
    return { kind: 'json', headers: requestId, body: { data: fakeModels, has_more: false, first_id: 'claude-opus-5-5', last_id: 'claude-haiku-5-5' } };
  }
  const modelMatch = /^\/v1\/models\/([^/]+)$/.exec(request.path);
  if (request.method === 'GET' && modelMatch !== null) {
    const model = fakeModels.find((candidate) => candidate.id === decodeURIComponent(modelMatch[1] as string));
    if (model !== undefined) return { kind: 'json', headers: requestId, body: model };
    return { kind: 'json', status: 404, headers: requestId, body: { type: 'error', error: { type: 'not_found_error', message: `model: ${modelMatch[1]}` }, request_id: requestId['request-id'] } };
  }
  return { kind: 'json', status: 404, headers: requestId, body: { type: 'error', error: { type: 'not_found_error', message: 'Not Found' }, request_id: null } };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeAnthropic extends ScriptedServer<FakeStep, RecordedRequest> {
  private constructor() {
    super('fake', defaultResponder);
  }

  static async start(): Promise<FakeAnthropic> {
    const fake = new FakeAnthropic();
    await fake.listen();
    return fake;
  }

  protected handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let settle: () => void = () => undefined;
      const settled = new Promise<void>((resolve) => {
        settle = resolve;
      });
      const url = request.url ?? '/';
      const recorded: RecordedRequest = {
        method: request.method ?? 'GET',
        url,
        path: url.split('?')[0] as string,
        headers: request.headers,
        rawHeaders: request.rawHeaders,
        body: Buffer.concat(chunks),
        aborted: false,
        settled,
      };
      response.on('close', () => {
        if (!response.writableFinished) recorded.aborted = true;
        settle();
      });
      this.requests.push(recorded);
      let step: FakeStep;
      try {
        step = this.queue.shift() ?? this.responder(recorded);
      } catch (error) {
        step = { kind: 'json', status: 500, body: { type: 'error', error: { type: 'api_error', message: `fake responder failed: ${String(error)}` } } };
      }
      void this.play(step, recorded, response).catch(() => response.destroy());
    });
  }

  private async play(step: FakeStep, request: RecordedRequest, response: ServerResponse): Promise<void> {
    switch (step.kind) {
      case 'reset':
        response.socket?.resetAndDestroy();
        return;
      case 'hang':
        return;
      case 'custom':
        step.handle(request, response);
        return;
      case 'json': {
        if (step.delayMs !== undefined) await sleep(step.delayMs);
        const body = typeof step.body === 'string' ? step.body : JSON.stringify(step.body);
        response.writeHead(step.status ?? 200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...step.headers });
        response.end(body);
        return;
      }
      case 'sse':
        await this.playSse(step, response);
        return;
    }
  }

  private async playSse(step: Extract<FakeStep, { kind: 'sse' }>, response: ServerResponse): Promise<void> {
    if (step.headersDelayMs !== undefined) await sleep(step.headersDelayMs);
    response.writeHead(step.status ?? 200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...step.headers });
    response.flushHeaders();
    for (const item of step.items) {
      if (response.destroyed) return;
      if ('delayMs' in item) {
        await sleep(item.delayMs);
        continue;
      }
      const text = 'raw' in item ? item.raw : sseOf(item.event as { type: string });
      await writeChunked(response, Buffer.from(text, 'utf8'), step.chunking ?? 'event');
    }
    if (step.then === 'close') response.socket?.end(); // FIN after what was written, without the chunked terminator
    else if (step.then === 'reset') {
      // An RST discards data the peer has not read yet: give loopback delivery a moment first.
      await sleep(50);
      response.socket?.resetAndDestroy();
    } else if (step.then !== 'hang') response.end();
  }
}

async function writeChunked(response: ServerResponse, bytes: Buffer, chunking: 'event' | 'byte' | number): Promise<void> {
  const size = chunking === 'event' ? bytes.length : chunking === 'byte' ? 1 : chunking;
  for (let offset = 0; offset < bytes.length; offset += size) {
    const ok = response.write(bytes.subarray(offset, offset + size));
    if (size < bytes.length) await new Promise((resolve) => setImmediate(resolve));
    if (!ok) await new Promise((resolve) => response.once('drain', resolve));
  }
}

/** Event list for a one-block text answer. */
export function textEvents(model: string, text: string, id = 'msg_fake_gen_text'): MessageStreamEvent[] {
  return [
    { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, output_tokens: 1 } } } as unknown as MessageStreamEvent,
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as unknown as MessageStreamEvent,
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } as MessageStreamEvent,
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 10 } } as unknown as MessageStreamEvent,
    { type: 'message_stop' },
  ];
}

/** Event list for a single tool call. */
export function toolUseEvents(model: string, toolId: string, name: string, input: unknown): MessageStreamEvent[] {
  const json = JSON.stringify(input);
  return [
    { type: 'message_start', message: { id: 'msg_fake_gen_tool', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 30, output_tokens: 1 } } } as unknown as MessageStreamEvent,
    { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: toolId, name, input: {} } } as unknown as MessageStreamEvent,
    { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: json.slice(0, 5) } } as MessageStreamEvent,
    { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: json.slice(5) } } as MessageStreamEvent,
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 15 } } as unknown as MessageStreamEvent,
    { type: 'message_stop' },
  ];
}

/** Serves `events` as a stream or, for a non-streaming request, as the accumulated message. */
export function answer(request: RecordedRequest, events: MessageStreamEvent[]): FakeStep {
  if (wantsStream(request.body)) return { kind: 'sse', headers: { 'request-id': 'req_fake_generated' }, items: events.map((event) => ({ event })) };
  return { kind: 'json', headers: { 'request-id': 'req_fake_generated' }, body: accumulate(events) };
}

export type FakeEncoding = 'gzip' | 'deflate' | 'br';

/** Whether `accept-encoding` allows `encoding` (a q=0 refuses it; `*` allows it). */
function accepts(header: string | string[] | undefined, encoding: FakeEncoding): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of value.split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    if (name !== encoding && name !== '*') continue;
    return !parameters.some((parameter) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(parameter));
  }
  return false;
}

function compressor(encoding: FakeEncoding): zlib.Gzip | zlib.Deflate | zlib.BrotliCompress {
  return encoding === 'gzip' ? zlib.createGzip() : encoding === 'deflate' ? zlib.createDeflate() : zlib.createBrotliCompress();
}

/**
 * Wraps a responder so its successful answers come compressed with `encoding`: whenever the
 * client's accept-encoding allows it (`when-allowed`, what real servers do), or always, even when
 * the client asked for identity (`always`, a misbehaving upstream). Streams are compressed event
 * by event (flushed), as a compressing proxy in front of a streaming server would.
 */
export function compressingResponder(encoding: FakeEncoding, mode: 'when-allowed' | 'always', inner: Responder = defaultResponder): Responder {
  return (request) => {
    const step = inner(request);
    const compress = mode === 'always' || accepts(request.headers['accept-encoding'], encoding);
    if (!compress || (step.kind !== 'json' && step.kind !== 'sse') || (step.status ?? 200) >= 300) return step;
    return {
      kind: 'custom',
      handle: (_request, response) => {
        const sse = step.kind === 'sse';
        response.writeHead(step.status ?? 200, {
          'content-type': sse ? 'text/event-stream; charset=utf-8' : 'application/json',
          'content-encoding': encoding,
          vary: 'accept-encoding',
          ...step.headers,
        });
        const stream = compressor(encoding);
        stream.pipe(response);
        if (step.kind === 'json') {
          stream.end(typeof step.body === 'string' ? step.body : JSON.stringify(step.body));
          return;
        }
        void (async () => {
          for (const item of step.items) {
            if ('delayMs' in item) {
              await sleep(item.delayMs);
              continue;
            }
            stream.write('raw' in item ? item.raw : sseOf(item.event as { type: string }));
            await new Promise<void>((resolve) => stream.flush(() => resolve()));
          }
          stream.end();
        })();
      },
    };
  };
}
