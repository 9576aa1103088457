import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urlFetchSchema } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import { createUrlFetcher, inlineSources, isPrivateAddress } from './url-fetch.ts';

const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
let server: Server;
let origin = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/cat.png') response.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else if (request.url === '/notes.txt') response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('plain notes');
    else if (request.url === '/page.html') response.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
    else if (request.url?.startsWith('/big.png') === true) response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(4096));
    else if (request.url === '/redirect') response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const imageMessage = (url: string) => ({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url } }, { type: 'text', text: 'what is it?' }] }] });

async function failure(run: Promise<unknown>): Promise<GatewayError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true], ['10.1.2.3', true], ['172.20.0.1', true], ['192.168.1.1', true], ['169.254.169.254', true], ['100.64.0.1', true],
    ['0.0.0.0', true], ['::1', true], ['fd00::1', true], ['fe80::1', true], ['::ffff:127.0.0.1', true], ['::ffff:7f00:1', true], ['::ffff:808:808', false], ['not-an-ip', true],
    ['8.8.8.8', false], ['2606:4700::1111', false], ['172.32.0.1', false], ['2002:7f00:1::', true], ['64:ff9b:1::a00:1', true], ['::a00:1', true],
  ])('%s -> %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('URL fetching', () => {
  const signal = new AbortController().signal;

  it('refuses private addresses unless the host is allowed, and inlines the bytes when it is', async () => {
    const guarded = createUrlFetcher(urlFetchSchema.parse({ enabled: true }));
    const blocked = await failure(guarded.inline(imageMessage(`${origin}/cat.png`), signal));
    expect(blocked).toMatchObject({ code: 'GW_URL_FETCH_FAILED', status: 400 });
    expect(blocked.message).toContain('private address');
    const viaName = await failure(guarded.inline(imageMessage(`${origin.replace('http://127.0.0.1', 'https://localhost')}/cat.png`), signal));
    expect(viaName.message).toContain('private address');
    const mapped = await failure(guarded.inline(imageMessage(`${origin.replace('127.0.0.1', '[::ffff:127.0.0.1]')}/cat.png`), signal));
    expect(mapped.message).toContain('private address');
    await guarded.close();

    const allowed = createUrlFetcher(urlFetchSchema.parse({ enabled: true, allow_private_hosts: ['127.0.0.1'] }));
    const original = imageMessage(`${origin}/cat.png`);
    expect(await allowed.inline(original, signal)).toEqual({
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png.toString('base64') } }, { type: 'text', text: 'what is it?' }] }],
    });
    expect(original.messages[0]?.content[0]).toEqual({ type: 'image', source: { type: 'url', url: `${origin}/cat.png` } });
    await allowed.close();
  });

  it('rejects wrong content types, oversize bodies, redirects, failures and non-http schemes', async () => {
    const fetcher = createUrlFetcher(urlFetchSchema.parse({ enabled: true, allow_private_hosts: ['127.0.0.1'], max_bytes: 1024 }));
    expect((await failure(fetcher.inline(imageMessage(`${origin}/page.html`), signal))).message).toContain('text/html is not an image');
    expect((await failure(fetcher.inline(imageMessage(`${origin}/big.png`), signal))).message).toContain('add up to more than 1024 bytes');
    expect((await failure(fetcher.inline(imageMessage(`${origin}/redirect`), signal))).message).toContain('answered 302');
    expect((await failure(fetcher.inline(imageMessage(`${origin}/missing.png`), signal))).message).toContain('answered 404');
    expect((await failure(fetcher.inline(imageMessage('file:///etc/passwd'), signal))).message).toContain('only https');
    expect((await failure(fetcher.inline(imageMessage('http://example.com/cat.png'), signal))).message).toContain('only https');
    await fetcher.close();
  });

  it('caps the number of URLs and the bytes of all of them together, fetching each URL once', async () => {
    const many = { messages: [{ role: 'user', content: Array.from({ length: 21 }, (_, index) => ({ type: 'image', source: { type: 'url', url: `https://example.com/${index}.png` } })) }] };
    let calls = 0;
    const counting = async () => {
      calls++;
      return { type: 'base64' as const, media_type: 'image/png', data: 'AA==' };
    };
    expect((await failure(inlineSources(many, counting))).message).toContain('at most 20');
    expect(calls).toBe(0);
    const repeated = { messages: [{ role: 'user', content: [imageMessage('https://example.com/a.png').messages[0]?.content[0], imageMessage('https://example.com/a.png').messages[0]?.content[0]] }] };
    await inlineSources(repeated, counting);
    expect(calls).toBe(1);

    const fetcher = createUrlFetcher(urlFetchSchema.parse({ enabled: true, allow_private_hosts: ['127.0.0.1'], max_bytes: 5_000 }));
    const two = { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: `${origin}/big.png` } }, { type: 'image', source: { type: 'url', url: `${origin}/big.png?again` } }] }] };
    expect((await failure(fetcher.inline(two, signal))).message).toContain('add up to more than 5000 bytes');
    await fetcher.close();
  });

  it('inlines documents, text as a text source, also inside tool results', async () => {
    const fetch = async (url: string, kind: string) => ({ type: 'text' as const, media_type: 'text/plain', data: `${kind}:${url}` });
    const body = { model: 'm', messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/a.txt' } }] }] }, { role: 'assistant', content: 'plain string' }] };
    expect(await inlineSources(body, fetch)).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'document:https://example.com/a.txt' } }] }] }, { role: 'assistant', content: 'plain string' }],
    });
  });
});
