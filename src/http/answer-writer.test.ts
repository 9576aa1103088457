import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { accumulate } from '../anthropic/accumulate.ts';
import { decodeSse } from '../anthropic/sse-decode.ts';
import type { AnthropicStreamEvent, MessageStreamEvent } from '../anthropic/types.ts';
import { GatewayError } from '../errors.ts';
import type { ProviderAnswer } from '../providers/provider.ts';
import { loadScenario } from '../../test/fakes/anthropic.ts';
import { PreCommitFailure, type AnswerEnd, type RelayOutcome } from './answer-outcome.ts';
import { writeAnswer, type AnswerWriteOptions } from './answer-writer.ts';

/**
 * The answer writer over a loopback socket: typed events as SSE under the commit rule, pings,
 * accounting before message_stop, a client that leaves, and typed events accumulated for a
 * client that did not ask for a stream.
 */

const events = loadScenario('text', 'claude-sonnet-5-5') as AnthropicStreamEvent[];

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

/** Serves one request with `answer`, returns what the client saw and what the writer said. */
async function write(
  answer: ProviderAnswer,
  options: Partial<AnswerWriteOptions> = {},
  onResponse?: (response: Response) => Promise<string>,
  onServed?: (response: ServerResponse) => void,
): Promise<Written> {
  const ends: AnswerEnd[] = [];
  let resolveOutcome: (outcome: RelayOutcome | PreCommitFailure) => void = () => undefined;
  const outcome = new Promise<RelayOutcome | PreCommitFailure>((resolve) => (resolveOutcome = resolve));
  const server = createServer((request, response: ServerResponse) => {
    const controller = new AbortController();
    onServed?.(response);
    response.on('close', () => controller.abort());
    writeAnswer(answer, {
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
    }).then(resolveOutcome, (error: unknown) => {
      if (!(error instanceof PreCommitFailure)) throw error;
      response.writeHead(error.error.status).end(error.error.message);
      resolveOutcome(error);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  const body = onResponse === undefined ? await response.text() : await onResponse(response);
  return { status: response.status, headers: response.headers, body, outcome: await outcome, ends };
}

async function* from(items: readonly (AnthropicStreamEvent | Error)[]): AsyncGenerator<AnthropicStreamEvent> {
  for (const item of items) {
    if (item instanceof Error) throw item;
    yield item;
  }
}

const info = { headers: { 'x-gateway-service-tier': 'default' }, serviceTier: 'default' };
const eventsAnswer = (items: readonly (AnthropicStreamEvent | Error)[]): ProviderAnswer => ({ kind: 'events', events: from(items), info });

describe('writeAnswer: typed events', () => {
  it('encodes the events as SSE once, with the SSE and gateway headers, and records usage before message_stop', async () => {
    const written = await write(eventsAnswer(events));
    expect(written.status).toBe(200);
    expect(written.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect([written.headers.get('request-id'), written.headers.get('x-gateway-provider'), written.headers.get('x-gateway-service-tier')]).toEqual(['req_test', 'bedrock', 'default']);
    expect(decodeSse(written.body).map((event) => JSON.parse(event.data) as unknown)).toEqual(events);
    expect(written.ends).toHaveLength(1);
    expect(written.ends[0]).toMatchObject({ status: 200, serviceTier: 'default', usage: { input: 25, output: 12 } });
    expect(written.outcome).toMatchObject({ status: 200, end: 'complete', sse: true, usage: { input: 25, output: 12 } });
  });

  it('finds the end by event type: a text that names message_stop is only text', async () => {
    const decoy = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n' } } as AnthropicStreamEvent;
    const written = await write(eventsAnswer([...events.slice(0, 3), decoy, ...events.slice(3)]));
    expect(written.ends).toHaveLength(1);
    expect(decodeSse(written.body).filter((event) => event.event === 'message_stop')).toHaveLength(1);
  });

  it('a failure before the first event is a PreCommitFailure: nothing was written', async () => {
    const throttled = new GatewayError('GW_UPSTREAM_RATE_LIMITED', 'Too many requests', { provider: 'bedrock' });
    const written = await write(eventsAnswer([throttled]));
    expect(written.outcome).toBeInstanceOf(PreCommitFailure);
    expect((written.outcome as PreCommitFailure).error).toBe(throttled);
    expect([written.status, written.body]).toEqual([429, 'Too many requests']);
  });

  it('a failure after the first event is exactly one error event, then the end', async () => {
    const throttled = new GatewayError('GW_UPSTREAM_RATE_LIMITED', 'Too many requests', { provider: 'bedrock' });
    const written = await write(eventsAnswer([...events.slice(0, 3), throttled]));
    const decoded = decodeSse(written.body);
    expect(decoded.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'ping', 'error']);
    expect(JSON.parse(decoded.at(-1)?.data ?? '{}')).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'Too many requests' }, request_id: 'req_test' });
    expect(written.outcome).toMatchObject({ end: 'upstream_error', error: throttled, usage: { input: 25 } });
    expect(written.ends).toEqual([]);
  });

  it('an error event ends the stream as the writer ends any failure; first, it is an HTTP error', async () => {
    const overloaded: AnthropicStreamEvent = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const written = await write(eventsAnswer([...events.slice(0, 4), overloaded, ...events.slice(4)]));
    const decoded = decodeSse(written.body);
    expect(decoded.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'error']);
    expect(JSON.parse(decoded.at(-1)?.data ?? '{}')).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_test' });
    expect(written.outcome).toMatchObject({ end: 'upstream_error', error: { code: 'GW_UPSTREAM_OVERLOADED' } });
    const first = await write(eventsAnswer([overloaded]));
    expect([first.status, (first.outcome as PreCommitFailure).error.type]).toEqual([529, 'overloaded_error']);
  });

  it('reads the upstream no faster than the client takes the stream (backpressure)', async () => {
    const big = { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x'.repeat(64 * 1024) } } as AnthropicStreamEvent;
    let pulled = 0;
    async function* many(): AsyncGenerator<AnthropicStreamEvent> {
      yield* events.slice(0, 2);
      for (let index = 0; index < 400; index++) {
        pulled++;
        yield big;
      }
      yield* events.slice(-3);
    }
    let response: ServerResponse | undefined;
    const written = await write({ kind: 'events', events: many(), info }, {}, async (client) => {
      const reader = (client.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      // The client reads nothing more: the writer must stop pulling once the socket is full.
      await vi.waitUntil(() => response?.writableNeedDrain === true, { timeout: 5_000, interval: 5 });
      const whenFull = pulled;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(pulled).toBe(whenFull);
      expect(pulled).toBeLessThan(400);
      let text = '';
      for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
      return text;
    }, (served) => (response = served));
    expect(pulled).toBe(400);
    expect(written.outcome).toMatchObject({ end: 'complete' });
  });

  it('a stream that ends before message_stop gets one error event, and an error event releases the upstream', async () => {
    const cut = await write(eventsAnswer(events.slice(0, 4)));
    expect(decodeSse(cut.body).map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'error']);
    expect(cut.outcome).toMatchObject({ end: 'upstream_error', error: { code: 'GW_UPSTREAM_STREAM_BROKEN' } });
    let released = false;
    async function* upstream(): AsyncGenerator<AnthropicStreamEvent> {
      try {
        yield* events.slice(0, 4);
        yield { type: 'error', error: { type: 'api_error', message: 'boom' } };
        yield* events.slice(4);
      } finally {
        released = true;
      }
    }
    await write({ kind: 'events', events: upstream(), info });
    expect(released).toBe(true);
  });

  it('pings a silent stream', async () => {
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
      while (!text.includes('event: ping\ndata: {"type":"ping"}\n\nevent: ping')) text += new TextDecoder().decode((await reader.read()).value);
      release();
      for (let chunk = await reader.read(); chunk.done !== true; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
      return text;
    });
    expect(decodeSse(written.body).filter((event) => event.event === 'ping').length).toBeGreaterThanOrEqual(2);
    expect(decodeSse(written.body).at(-1)?.event).toBe('message_stop');
  });

  it('a client that leaves releases the upstream', async () => {
    let returned = false;
    let stall: () => void = () => undefined;
    const iterable: AsyncIterable<AnthropicStreamEvent> = {
      [Symbol.asyncIterator]: () => {
        let index = 0;
        return {
          next: async () => {
            if (index === 1) await new Promise<void>((resolve) => (stall = resolve));
            return { done: false, value: events[index++] as AnthropicStreamEvent };
          },
          return: async () => {
            returned = true;
            return { done: true, value: undefined };
          },
        };
      },
    };
    const written = await write({ kind: 'events', events: iterable, info }, {}, async (response) => {
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      await reader.read();
      await reader.cancel();
      // The next event arrives after the client left: the writer stops there.
      setTimeout(() => stall(), 50);
      return '';
    });
    expect(written.outcome).toMatchObject({ end: 'client_abort' });
    expect(returned).toBe(true);
  });
});

describe('writeAnswer: a client that did not ask for a stream', () => {
  it('gets the typed events accumulated into the Message, with its usage', async () => {
    const written = await write(eventsAnswer(events), { stream: false });
    expect(written.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(written.body)).toEqual(accumulate(events.filter((event) => event.type !== 'ping') as MessageStreamEvent[]));
    expect(written.ends[0]).toMatchObject({ status: 200, usage: { input: 25, output: 12 }, serviceTier: 'default' });
    expect(written.outcome).toMatchObject({ sse: false, end: 'complete' });
  });

  it('a stream that fails or breaks the order rules before its end is an error, not a half message', async () => {
    const throttled = new GatewayError('GW_UPSTREAM_RATE_LIMITED', 'Too many requests', { provider: 'bedrock' });
    expect(((await write(eventsAnswer([...events.slice(0, 4), throttled]), { stream: false })).outcome as PreCommitFailure).error).toBe(throttled);
    const unordered = await write(eventsAnswer(events.slice(2)), { stream: false });
    expect((unordered.outcome as PreCommitFailure).error.code).toBe('GW_UPSTREAM_PROTOCOL');
    const overloaded = await write(eventsAnswer([events[0] as AnthropicStreamEvent, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]), { stream: false });
    expect((overloaded.outcome as PreCommitFailure).error.type).toBe('overloaded_error');
  });

  it('gets a typed Message as JSON', async () => {
    const message = accumulate(events.filter((event) => event.type !== 'ping') as MessageStreamEvent[]);
    const written = await write({ kind: 'message', message, info }, { stream: false });
    expect(JSON.parse(written.body)).toEqual(message);
    expect(written.outcome).toMatchObject({ usage: { input: 25, output: 12 } });
  });
});
