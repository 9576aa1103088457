import type { FastifyRequest } from 'fastify';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { requestJson } from './request-json.ts';

function requestWith(body: Buffer, contentEncoding?: string): FastifyRequest {
  return { body, headers: contentEncoding === undefined ? {} : { 'content-encoding': contentEncoding } } as unknown as FastifyRequest;
}

describe('requestJson', () => {
  it('parses a body once per request: every reader gets the same object', async () => {
    const request = requestWith(gzipSync(JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 5 })), 'gzip');
    const first = await requestJson(request, 1_000);
    const second = await requestJson(request, 1_000);
    expect(first).toEqual({ object: { model: 'claude-haiku-4-5', max_tokens: 5 }, bytes: 43 });
    expect(second.object).toBe(first.object);
  });

  it('another request with the same bytes is parsed on its own', async () => {
    const bytes = Buffer.from('{"model":"m"}');
    const [one, two] = await Promise.all([requestJson(requestWith(bytes), 1_000), requestJson(requestWith(bytes), 1_000)]);
    expect(one.object).not.toBe(two.object);
  });

  it('a body that cannot be read refuses every reader alike', async () => {
    const request = requestWith(Buffer.from('{"model":"a","model":"b"}'));
    await expect(requestJson(request, 1_000)).rejects.toMatchObject({ code: 'GW_DUPLICATE_FIELD' });
    await expect(requestJson(request, 1_000)).rejects.toMatchObject({ code: 'GW_DUPLICATE_FIELD' });
  });
});
