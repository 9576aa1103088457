import { describe, expect, it } from 'vitest';
import { encodeSseEvent } from '../anthropic/sse-encode.ts';
import { earlyEvents, FirstEventError } from './early-events.ts';

const start = encodeSseEvent({ type: 'message_start' });
const ping = encodeSseEvent({ type: 'ping' });
const block = encodeSseEvent({ type: 'content_block_start' });
const overloaded = encodeSseEvent({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } as { type: string });

describe('earlyEvents', () => {
  it.each([
    ['message_start alone', start, { content: false }],
    ['message_start and pings', start + ping + ping, { content: false }],
    ['content', start + block, { content: true }],
    ['an unnamed event or a comment counts as content', 'data: {}\n\n', { content: true }],
    ['CRLF framing', (start + ping).replaceAll('\n', '\r\n'), { content: false }],
  ])('%s', (_name, text, expected) => {
    expect(earlyEvents(Buffer.from(text))).toEqual(expected);
  });

  it('finds an error before content, not one after it', () => {
    const early = earlyEvents(Buffer.from(start + ping + overloaded));
    expect(early.content).toBe(false);
    expect(early.error?.toString()).toBe(overloaded.trimEnd());
    expect(earlyEvents(Buffer.from(start + block + overloaded))).toEqual({ content: true });
  });

  it('turns the held error into the gateway error of its type', () => {
    const failure = new FirstEventError(Buffer.from(overloaded));
    expect(failure.errorType()).toBe('overloaded_error');
    expect(failure.movesOn()).toBe(true);
    expect(failure.toGatewayError('anthropic')).toMatchObject({ code: 'GW_UPSTREAM_OVERLOADED', status: 529, message: 'Overloaded', firstEventError: true });
    expect(new FirstEventError(Buffer.from('event: error\ndata: not json\n\n')).toGatewayError('anthropic')).toMatchObject({ code: 'GW_UPSTREAM_ERROR', message: 'anthropic sent an error event first.' });
  });

  it.each([
    ['overloaded_error', true],
    ['api_error', true],
    ['rate_limit_error', true],
    ['timeout_error', true],
    ['invalid_request_error', false],
    ['authentication_error', false],
    ['request_too_large', false],
    ['some_new_error', false],
  ])('an %s event moves on: %s (the registry’s routing column)', (type, movesOn) => {
    expect(new FirstEventError(Buffer.from(encodeSseEvent({ type: 'error', error: { type, message: 'm' } } as { type: string }))).movesOn()).toBe(movesOn);
  });
});
