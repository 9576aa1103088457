import type { Transform } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { GatewayError } from '../errors.ts';

/**
 * Decodes a compressed request body so the gateway can read routing fields from a copy.
 * The forwarded bytes stay compressed, exactly as the client sent them. Decoding runs off the
 * event loop (zlib's thread pool) and stops at `maxBytes` of output (decompression bombs).
 * The codings the gateway decodes are listed once, here, for request bodies and for the copies of
 * answers it meters (http/compressed-usage.ts), one-shot and as streams.
 */

type Decoder = (input: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>;

/** A zlib decompression stream (they all can flush what they decoded so far). */
export type DecoderStream = Transform & { flush(callback: () => void): void };

interface Coding {
  readonly decode: Decoder;
  readonly stream: () => DecoderStream;
}

const gzip: Coding = { decode: promisify(zlib.gunzip), stream: () => zlib.createGunzip() };

const codings: ReadonlyMap<string, Coding> = new Map<string, Coding>([
  ['gzip', gzip],
  ['x-gzip', gzip],
  ['deflate', { decode: promisify(zlib.inflate), stream: () => zlib.createInflate() }],
  ['br', { decode: promisify(zlib.brotliDecompress), stream: () => zlib.createBrotliDecompress() }],
  ...('zstdDecompress' in zlib ? [['zstd', { decode: promisify(zlib.zstdDecompress), stream: () => zlib.createZstdDecompress() }] as [string, Coding]] : []),
]);

/** The codings of a Content-Encoding value in the order they are undone (the last applied first), `identity` left out. */
export function codingsToUndo(contentEncoding: string): string[] {
  return contentEncoding
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity')
    .reverse();
}

/** A decompression stream for one coding, or undefined when the gateway cannot decode it. */
export function decoderStream(coding: string): DecoderStream | undefined {
  return codings.get(coding)?.stream();
}

/** Whether the gateway can decode `coding`. */
export function canDecode(coding: string): boolean {
  return codings.has(coding);
}

export function isIdentityEncoding(contentEncoding: string | undefined): boolean {
  return contentEncoding === undefined || contentEncoding === '' || contentEncoding.trim().toLowerCase() === 'identity';
}

export async function decodeRequestBody(body: Buffer, contentEncoding: string, maxBytes: number): Promise<Buffer> {
  // Encodings apply in order, so decode in reverse: "gzip, br" was gzipped first, then brotli.
  let decoded = body;
  for (const coding of codingsToUndo(contentEncoding)) {
    const decoder = codings.get(coding)?.decode;
    if (decoder === undefined) {
      throw new GatewayError('GW_ENCODING_UNSUPPORTED', `Content-Encoding "${coding}" is not supported; use gzip, deflate, br or zstd.`);
    }
    decoded = await decodeOne(decoder, decoded, coding, maxBytes);
  }
  return decoded;
}

async function decodeOne(decoder: Decoder, input: Buffer, coding: string, maxBytes: number): Promise<Buffer> {
  try {
    return await decoder(input, { maxOutputLength: maxBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new GatewayError('GW_DECODED_BODY_TOO_LARGE', `The request body is larger than ${maxBytes} bytes once decoded.`);
    }
    throw new GatewayError('GW_ENCODING_INVALID', `The request body is not valid ${coding} data.`, { cause: error });
  }
}
