import { scanBody, scanError, type RoutingFields } from './body-scan.ts';
import { decodeRequestBody, isIdentityEncoding } from './decode-body.ts';
import { parseJsonObject, type BodyScan, type JsonBody } from './json-body.ts';

/**
 * A request body as every reader shares it, read lazily and at most once per step by whichever
 * reader asks first: the bytes exactly as the client sent them (`raw`, possibly compressed: a
 * passthrough sends them unchanged), decoded once if compressed (`plain`), scanned once for the
 * top-level fields routing needs (`fields`: no parse, the passthrough stops here), and parsed
 * once into an object (`json`: the feature switches, the budget's size and count, a model
 * rewrite and every translated attempt share it). Readers never change the object (translation
 * is pure). A failure is remembered too: every reader of a bad body gets the same refusal.
 */

export type ParsedJsonBody = JsonBody;

export class RequestBody {
  /** The body as received (compressed when `encoding` says so). */
  readonly raw: Buffer;
  /** The client's `content-encoding`, if any. */
  readonly encoding: string | undefined;
  private readonly maxBytes: number;
  private decoded: Promise<Buffer> | undefined;
  private scanned: Promise<BodyScan> | undefined;
  private parsed: Promise<ParsedJsonBody> | undefined;

  /** `maxBytes` caps the decoded size of a compressed body (`server.body_limit_bytes`). */
  constructor(raw: Buffer, encoding: string | undefined, maxBytes: number) {
    this.raw = raw;
    this.encoding = encoding;
    this.maxBytes = maxBytes;
  }

  /** The JSON text: the raw bytes, or their decoding when the body came compressed. */
  plain(): Promise<Buffer> {
    this.decoded ??= isIdentityEncoding(this.encoding) ? Promise.resolve(this.raw) : decodeRequestBody(this.raw, this.encoding as string, this.maxBytes);
    return this.decoded;
  }

  /** The top-level scan of the JSON text (its fields and depth), without parsing it. */
  scan(): Promise<BodyScan> {
    this.scanned ??= this.plain().then(scanBody);
    return this.scanned;
  }

  /** The top-level `model` and `stream`, from the scan; a body that is not a readable JSON object is refused. */
  async fields(): Promise<RoutingFields> {
    const { scan } = await this.scan();
    if (!scan.ok) throw scanError(scan);
    return scan.fields;
  }

  /** The body decoded and parsed as a JSON object, and the size of its JSON text: the same promise for every call. */
  json(): Promise<ParsedJsonBody> {
    this.parsed ??= this.parse();
    return this.parsed;
  }

  private async parse(): Promise<ParsedJsonBody> {
    const plain = await this.plain();
    return { object: parseJsonObject(plain, await this.scan()), bytes: plain.length };
  }
}

/** A body read on first use, decoded within `maxBytes` (`server.body_limit_bytes`). */
export function createRequestBody(raw: Buffer, encoding: string | undefined, maxBytes: number): RequestBody {
  return new RequestBody(raw, encoding, maxBytes);
}
