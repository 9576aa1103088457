import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { decodeRequestBody, isIdentityEncoding } from './decode-body.ts';

const text = Buffer.from('{"model":"claude-sonnet-5","messages":[]}');

describe('decodeRequestBody', () => {
  it.each([
    ['gzip', zlib.gzipSync(text)],
    ['deflate', zlib.deflateSync(text)],
    ['br', zlib.brotliCompressSync(text)],
    ['zstd', zlib.zstdCompressSync(text)],
    ['GZIP', zlib.gzipSync(text)],
    ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(text))],
    ['identity, gzip', zlib.gzipSync(text)],
  ])('decodes %s', async (encoding, body) => {
    expect((await decodeRequestBody(body, encoding, 1024)).toString()).toBe(text.toString());
  });

  it('refuses an unknown coding with the Anthropic detail code', async () => {
    const failure = decodeRequestBody(text, 'compress', 1024);
    await expect(failure).rejects.toMatchObject({ code: 'GW_ENCODING_UNSUPPORTED', status: 400, detailsCode: 'request_body_encoding_unsupported' });
  });

  it('refuses corrupt data', async () => {
    await expect(decodeRequestBody(text, 'gzip', 1024)).rejects.toMatchObject({ code: 'GW_ENCODING_INVALID', status: 400 });
  });

  it('stops a decompression bomb at the limit', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const failure = decodeRequestBody(bomb, 'gzip', 1024 * 1024);
    await expect(failure).rejects.toBeInstanceOf(GatewayError);
    await expect(failure).rejects.toMatchObject({ code: 'GW_DECODED_BODY_TOO_LARGE', status: 413 });
  });

  it.each([[undefined, true], ['', true], ['identity', true], [' Identity ', true], ['gzip', false]])('isIdentityEncoding(%j) is %s', (value, expected) => {
    expect(isIdentityEncoding(value)).toBe(expected);
  });
});
