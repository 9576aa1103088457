import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { GatewayError } from '../errors.ts';

/**
 * Decodes a compressed request body so the gateway can read routing fields from a copy.
 * The forwarded bytes stay compressed, exactly as the client sent them. Decoding runs off the
 * event loop (zlib's thread pool) and stops at `maxBytes` of output (decompression bombs).
 */

type Decoder = (input: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Promise<Buffer>;

const decoders: ReadonlyMap<string, Decoder> = new Map<string, Decoder>([
  ['gzip', promisify(zlib.gunzip)],
  ['x-gzip', promisify(zlib.gunzip)],
  ['deflate', promisify(zlib.inflate)],
  ['br', promisify(zlib.brotliDecompress)],
  ...('zstdDecompress' in zlib ? [['zstd', promisify(zlib.zstdDecompress)] as [string, Decoder]] : []),
]);

export function isIdentityEncoding(contentEncoding: string | undefined): boolean {
  return contentEncoding === undefined || contentEncoding === '' || contentEncoding.trim().toLowerCase() === 'identity';
}

export async function decodeRequestBody(body: Buffer, contentEncoding: string, maxBytes: number): Promise<Buffer> {
  // Encodings apply in order, so decode in reverse: "gzip, br" was gzipped first, then brotli.
  const codings = contentEncoding.split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== '' && coding !== 'identity');
  let decoded = body;
  for (const coding of codings.reverse()) {
    const decoder = decoders.get(coding);
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
