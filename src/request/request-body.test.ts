import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RequestBody } from './request-body.ts';

describe('RequestBody', () => {
  it('shares one decoding and one parse between its readers', async () => {
    const raw = gzipSync(JSON.stringify({ model: 'claude-haiku-4-5', stream: true, max_tokens: 5 }));
    const body = new RequestBody(raw, 'gzip', 1_000);
    expect(await body.fields()).toEqual({ model: 'claude-haiku-4-5', modelIsInvalid: false, stream: true });
    expect(await body.plain()).toBe(await body.plain());
    const first = await body.json();
    expect(first).toEqual({ object: { model: 'claude-haiku-4-5', stream: true, max_tokens: 5 }, bytes: 57 });
    expect((await body.json()).object).toBe(first.object);
    expect(body.raw).toBe(raw);
  });

  it('parses without a scan having been asked for, and scans once for both', async () => {
    const body = new RequestBody(Buffer.from('{"model":"m","a":[[1]]}'), undefined, 1_000);
    expect((await body.json()).object).toEqual({ model: 'm', a: [[1]] });
    expect(await body.scan()).toBe(await body.scan());
    expect((await body.scan()).depth).toBe(3);
  });

  it('refuses every reader of a bad body alike', async () => {
    const duplicate = new RequestBody(Buffer.from('{"model":"a","model":"b"}'), undefined, 1_000);
    await expect(duplicate.fields()).rejects.toMatchObject({ code: 'GW_DUPLICATE_FIELD' });
    await expect(duplicate.json()).rejects.toMatchObject({ code: 'GW_DUPLICATE_FIELD' });
    const malformed = new RequestBody(Buffer.from('{"model":'), undefined, 1_000);
    await expect(malformed.fields()).rejects.toMatchObject({ code: 'GW_BODY_NOT_JSON_OBJECT' });
    await expect(malformed.json()).rejects.toMatchObject({ code: 'GW_BODY_NOT_JSON_OBJECT' });
    const bomb = new RequestBody(gzipSync(Buffer.alloc(10_000, 0x20)), 'gzip', 1_000);
    await expect(bomb.fields()).rejects.toMatchObject({ code: 'GW_DECODED_BODY_TOO_LARGE' });
    await expect(bomb.json()).rejects.toMatchObject({ code: 'GW_DECODED_BODY_TOO_LARGE' });
  });
});
