import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { completionOf, frameScenario, openAIScenarios, type ChunkItem, type OpenAIScenario } from './openai-scenarios.ts';
import { ScriptedServer } from './scripted-server.ts';

/**
 * A scriptable fake OpenAI-compatible upstream on 127.0.0.1 (Chat Completions, protocols.md §6),
 * for OpenAI, Groq, Cerebras, OpenRouter, DeepSeek and the like. It records every request and
 * answers from a queue of scripted steps, else from a default responder that serves the
 * scenarios of openai-scenarios.ts (chosen by `x-fake-scenario`, else by a model named after a
 * scenario, else `text`): as SSE chunks for `stream: true` (usage chunks only when the request
 * asked with `stream_options.include_usage`, as OpenAI does), else as the folded
 * `chat.completion`. Scenario `rate-limited` answers 429 with OpenAI's reset headers.
 */

export interface OpenAIRecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body parsed, when it is JSON. */
  readonly json: Record<string, unknown> | undefined;
  /** The gateway closed the connection before the answer was whole. */
  aborted?: boolean;
}

export type OpenAISseItem = ChunkItem | { readonly raw: string } | { readonly delayMs: number };

export type OpenAIFakeStep =
  | { readonly kind: 'json'; readonly status?: number; readonly headers?: Record<string, string>; readonly body: unknown }
  | {
      readonly kind: 'sse';
      readonly headers?: Record<string, string>;
      readonly items: readonly OpenAISseItem[];
      /** `data: [DONE]` after the items (default true). */
      readonly done?: boolean;
      /** How bytes are cut into writes: whole items (default), one byte at a time, or fixed sizes. */
      readonly chunking?: 'item' | 'byte' | number;
      /** After the items: end (default) or cut the connection (no chunked terminator). */
      readonly then?: 'end' | 'close';
    }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' };

export type OpenAIResponder = (request: OpenAIRecordedRequest) => OpenAIFakeStep;

export const fakeOpenAIModels = ['fake-model', ...Object.keys(openAIScenarios)];

/** OpenAI's error body. */
export function openAIErrorBody(message: string, type: string, code: string | null = null): unknown {
  return { error: { message, type, param: null, code } };
}

/** A 429 as OpenAI and Groq send it: both buckets' state, the tokens bucket exhausted. */
export function rateLimitedStep(resetTokens = '6m0s', resetRequests = '1s'): OpenAIFakeStep {
  return {
    kind: 'json',
    status: 429,
    headers: {
      'x-request-id': 'req_fake_429',
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-remaining-requests': '499',
      'x-ratelimit-reset-requests': resetRequests,
      'x-ratelimit-limit-tokens': '30000',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': resetTokens,
    },
    body: openAIErrorBody('Rate limit reached for tokens per min (TPM): Limit 30000, Used 30000.', 'tokens', 'rate_limit_exceeded'),
  };
}

function scenarioOf(request: OpenAIRecordedRequest): string {
  const header = request.headers['x-fake-scenario'];
  if (typeof header === 'string') return header;
  const model = request.json?.model;
  return typeof model === 'string' && (model in openAIScenarios || model === 'rate-limited') ? model : 'text';
}

/** Whether a chunk is a usage-only chunk (`choices: []` and `usage`). */
function isUsageChunk(item: ChunkItem): boolean {
  return 'chunk' in item && Array.isArray(item.chunk.choices) && item.chunk.choices.length === 0;
}

export const defaultOpenAIResponder: OpenAIResponder = (request) => {
  const headers = { 'x-request-id': 'req_fake_openai' };
  if (request.method === 'GET' && request.path.endsWith('/models')) {
    return { kind: 'json', headers, body: { object: 'list', data: fakeOpenAIModels.map((id) => ({ id, object: 'model', created: 1_765_000_000, owned_by: 'fake' })) } };
  }
  if (request.method !== 'POST' || !request.path.endsWith('/chat/completions')) return { kind: 'json', status: 404, headers, body: openAIErrorBody('Not found', 'invalid_request_error') };
  if (request.json === undefined) return { kind: 'json', status: 400, headers, body: openAIErrorBody('We could not parse the JSON body of your request.', 'invalid_request_error') };
  const scenario = scenarioOf(request);
  if (scenario === 'rate-limited') return rateLimitedStep();
  const items = (openAIScenarios as Record<string, readonly ChunkItem[]>)[scenario];
  if (items === undefined) return { kind: 'json', status: 400, headers, body: openAIErrorBody(`unknown fake scenario ${scenario}`, 'invalid_request_error') };
  if (request.json.stream === true) {
    const options = request.json.stream_options;
    const includeUsage = typeof options === 'object' && options !== null && (options as { include_usage?: unknown }).include_usage === true;
    return { kind: 'sse', headers, items: includeUsage ? items : items.filter((item) => !isUsageChunk(item)) };
  }
  const completion = completionOf(items);
  if ('error' in completion) return { kind: 'json', status: 502, headers, body: completion };
  return { kind: 'json', headers, body: completion };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeOpenAI extends ScriptedServer<OpenAIFakeStep, OpenAIRecordedRequest> {
  private constructor() {
    super('fake OpenAI', defaultOpenAIResponder);
  }

  static async start(): Promise<FakeOpenAI> {
    const fake = new FakeOpenAI();
    await fake.listen();
    return fake;
  }

  /** Plays a scenario by name as the next answer, whatever the request asks. */
  enqueueScenario(name: OpenAIScenario, options: { readonly chunking?: 'item' | 'byte' | number } = {}): void {
    this.enqueue({ kind: 'sse', items: openAIScenarios[name], ...options });
  }

  protected handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      let json: Record<string, unknown> | undefined;
      try {
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        json = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      const recorded: OpenAIRecordedRequest = { method: request.method ?? 'GET', path: (request.url ?? '/').split('?')[0] as string, headers: request.headers, body, json };
      response.on('close', () => {
        if (!response.writableFinished) recorded.aborted = true;
      });
      this.requests.push(recorded);
      const step = this.queue.shift() ?? this.responder(recorded);
      void this.play(step, response).catch(() => response.destroy());
    });
  }

  private async play(step: OpenAIFakeStep, response: ServerResponse): Promise<void> {
    switch (step.kind) {
      case 'reset':
        response.socket?.resetAndDestroy();
        return;
      case 'hang':
        return;
      case 'json': {
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

  private async playSse(step: Extract<OpenAIFakeStep, { kind: 'sse' }>, response: ServerResponse): Promise<void> {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...step.headers });
    response.flushHeaders();
    const items: OpenAISseItem[] = [...step.items, ...(step.done === false ? [] : [{ raw: 'data: [DONE]\n\n' }])];
    for (const item of items) {
      if (response.destroyed) return;
      if ('delayMs' in item) {
        await sleep(item.delayMs);
        continue;
      }
      const text = 'raw' in item ? item.raw : frameScenario([item], false);
      await writeChunked(response, Buffer.from(text, 'utf8'), step.chunking ?? 'item');
    }
    if (step.then === 'close') response.socket?.end();
    else response.end();
  }
}

async function writeChunked(response: ServerResponse, bytes: Buffer, chunking: 'item' | 'byte' | number): Promise<void> {
  const size = chunking === 'item' ? bytes.length : chunking === 'byte' ? 1 : chunking;
  for (let offset = 0; offset < bytes.length; offset += size) {
    const ok = response.write(bytes.subarray(offset, offset + size));
    if (size < bytes.length) await new Promise((resolve) => setImmediate(resolve));
    if (!ok) await new Promise((resolve) => response.once('drain', resolve));
  }
}
