import type { ServerResponse } from 'node:http';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
import { FakeAnthropic, loadScenario, sseOf, type SseItem } from '../fakes/anthropic.ts';
import { eventually, startTestGateway, useGatewayWithFake } from '../helpers/gateway.ts';

const context = useGatewayWithFake({}, { 'anthropic.idle_timeout_ms': 400 });

const streamBody = '{"model":"claude-sonnet-5-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hi"}]}';

async function stream(headers: Record<string, string> = {}) {
  const response = await request(`${context.gateway.url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-k', ...headers },
    body: streamBody,
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, bytes, events: decodeSse(bytes) };
}

function fixtureBytes(name: string): Buffer {
  return Buffer.from(loadScenario(name, 'claude-sonnet-5-5').map(sseOf).join(''), 'utf8');
}

describe('SSE relay', () => {
  it.each([
    ['text', 'event' as const],
    ['text', 'byte' as const],
    ['tool-use', 7],
    ['thinking', 'byte' as const],
    ['thinking', 13],
  ])('relays the %s scenario byte for byte when the upstream writes in %s chunks', async (scenario, chunking) => {
    const events = loadScenario(scenario, 'claude-sonnet-5-5');
    context.fake.enqueue({ kind: 'sse', headers: { 'request-id': 'req_stream' }, items: events.map((event) => ({ event })), chunking });
    const response = await stream();
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(response.headers['request-id']).toBe('req_stream');
    expect(response.bytes.equals(fixtureBytes(scenario))).toBe(true);
  });

  it('relays unknown event types, comments and CRLF framing unchanged', async () => {
    const raw = ': keep-alive comment\r\n\r\nevent: future_event_2031\r\ndata: {"type":"future_event_2031","x":1}\r\n\r\n' + fixtureBytes('text').toString();
    context.fake.enqueue({ kind: 'sse', items: [{ raw }], chunking: 5 });
    const response = await stream();
    expect(response.bytes.toString()).toBe(raw);
  });

  it('asks the upstream for an uncompressed stream', async () => {
    await stream({ 'accept-encoding': 'gzip, br' });
    expect(context.fake.last().headers['accept-encoding']).toBe('identity');
  });
});

describe('failures after the commit point', () => {
  const events = loadScenario('tool-use', 'claude-sonnet-5-5');

  it.each(Array.from({ length: events.length - 1 }, (_, index) => index + 1))(
    'a connection lost after %i events gives those events, then exactly one error event, then the end',
    async (delivered) => {
      const items: SseItem[] = events.slice(0, delivered).map((event) => ({ event }));
      // Half of the next event reaches the gateway before the reset: it must never reach the client.
      items.push({ raw: sseOf(events[delivered] as { type: string }).slice(0, 25) });
      context.fake.enqueue({ kind: 'sse', items, then: delivered % 2 === 0 ? 'reset' : 'close' });
      const response = await stream();
      expect(response.status).toBe(200);
      expect(response.events.slice(0, delivered).map((event) => JSON.parse(event.data))).toEqual(events.slice(0, delivered));
      expect(response.events).toHaveLength(delivered + 1);
      const last = response.events.at(-1);
      expect(last?.event).toBe('error');
      expect(JSON.parse(last?.data ?? '{}')).toMatchObject({ type: 'error', error: { type: 'api_error' } });
      expect(response.bytes.toString()).not.toContain('message_stop');
    },
  );

  it.each(['reset', 'close'] as const)('a %s after message_stop loses nothing and adds no error event', async (then) => {
    context.fake.enqueue({ kind: 'sse', items: [...events.map((event) => ({ event })), { raw: ': trailing comment\n' }], then });
    const response = await stream();
    expect(response.events.map((event) => JSON.parse(event.data))).toEqual(events);
  });

  it('a stream that ends cleanly before message_stop gets one error event', async () => {
    context.fake.enqueue({ kind: 'sse', items: events.slice(0, 4).map((event) => ({ event })) });
    const response = await stream();
    expect(response.events.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'error']);
  });

  it('an upstream silent past the idle timeout gets one timeout_error event', async () => {
    context.fake.enqueue({ kind: 'sse', items: events.slice(0, 2).map((event) => ({ event })), then: 'hang' });
    const response = await stream();
    expect(response.events.map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'error']);
    expect(JSON.parse(response.events[2]?.data ?? '{}')).toMatchObject({ error: { type: 'timeout_error' } });
  });

  it('relays an upstream error event as it came and adds nothing', async () => {
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    context.fake.enqueue({ kind: 'sse', items: [{ event: events[0] as { type: string } }, { event: overloaded }] });
    const response = await stream();
    expect(response.events.map((event) => event.event)).toEqual(['message_start', 'error']);
    expect(JSON.parse(response.events[1]?.data ?? '{}')).toEqual(overloaded);
  });
});

describe('failures before the commit point', () => {
  it('a reset before the first event is an HTTP 502, not a 200 stream', async () => {
    context.fake.enqueue({ kind: 'sse', items: [{ raw: 'event: message_start\ndata: {"ty' }], then: 'reset' });
    const response = await stream();
    expect(response.status).toBe(502);
    expect(JSON.parse(response.bytes.toString())).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    expect(response.headers['request-id']).toMatch(/^req_gw/);
  });

  it('a 200 stream with no event at all is an HTTP 502', async () => {
    context.fake.enqueue({ kind: 'sse', items: [] });
    expect((await stream()).status).toBe(502);
  });

  it('a reset instead of an answer is a 502 api_error', async () => {
    context.fake.enqueue({ kind: 'reset' });
    const response = await stream();
    expect(response.status).toBe(502);
    expect(JSON.parse(response.bytes.toString())).toMatchObject({ error: { type: 'api_error' } });
  });

  it('an upstream that sends no headers in time is a 504 timeout_error', async () => {
    const slow = await startTestGateway({ ANTHROPIC_API_BASE: context.fake.url }, { 'anthropic.headers_timeout_ms': 300 });
    try {
      context.fake.enqueue({ kind: 'hang' });
      const response = await request(`${slow.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: streamBody });
      expect(response.statusCode).toBe(504);
      expect(await response.body.json()).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
    } finally {
      await slow.close();
    }
  });

  it('an unreachable upstream is a 502 api_error', async () => {
    const closed = await FakeAnthropic.start();
    const url = closed.url;
    await closed.close();
    const orphan = await startTestGateway({ ANTHROPIC_API_BASE: url });
    try {
      const response = await request(`${orphan.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: streamBody });
      expect(response.statusCode).toBe(502);
      expect(await response.body.json()).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('ECONNREFUSED') } });
    } finally {
      await orphan.close();
    }
  });
});

describe('client disconnects and slow readers', () => {
  it('a client that disconnects mid-stream aborts the upstream request', async () => {
    const events = loadScenario('text', 'claude-sonnet-5-5');
    context.fake.enqueue({ kind: 'sse', items: [{ event: events[0] as { type: string } }, { delayMs: 60_000 }] });
    const controller = new AbortController();
    const response = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: streamBody, signal: controller.signal });
    const reader = response.body[Symbol.asyncIterator]();
    await reader.next();
    controller.abort();
    const upstream = context.fake.last();
    await upstream.settled;
    expect(upstream.aborted).toBe(true);
    await eventually(() => context.gateway.inflight.size === 0);
  });

  it('a client that disconnects while the upstream has not answered aborts it too', async () => {
    context.fake.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const pending = request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: streamBody, signal: controller.signal });
    await eventually(() => context.fake.requests.length === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await context.fake.last().settled;
    expect(context.fake.last().aborted).toBe(true);
  });

  it('a slow reader pauses the upstream instead of growing a buffer', async () => {
    const eventBytes = Buffer.from(sseOf({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x'.repeat(16 * 1024) } } as { type: string }));
    // 128 MB: more than every kernel socket buffer on the path can hold (tcp_rmem max is 32 MB here).
    const total = 8192;
    let written = 0;
    let finished = false;
    const start = loadScenario('text', 'claude-sonnet-5-5').slice(0, 2).map(sseOf).join('');
    context.fake.enqueue({
      kind: 'custom',
      handle: (_request, response: ServerResponse) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(start);
        const pump = () => {
          while (written < total) {
            written++;
            if (!response.write(eventBytes)) {
              response.once('drain', pump);
              return;
            }
          }
          response.end(sseOf({ type: 'message_stop' }));
          finished = true;
        };
        pump();
      },
    });
    const response = await request(`${context.gateway.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: streamBody, highWaterMark: 16 * 1024 });
    const iterator = response.body[Symbol.asyncIterator]();
    const first = await iterator.next();
    let received = (first.value as Buffer).length;
    // Read nothing for a while: the upstream must stall far short of the whole stream.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(finished).toBe(false);
    expect(written * eventBytes.length).toBeLessThan(96 * 1024 * 1024);
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      received += (next.value as Buffer).length;
    }
    expect(finished).toBe(true);
    expect(received).toBe(Buffer.byteLength(start) + total * eventBytes.length + Buffer.byteLength(sseOf({ type: 'message_stop' })));
  });
});
