import { readJsonObject } from './json-body.ts';

/**
 * A request body as every reader shares it: the bytes exactly as the client sent them (possibly
 * compressed: passthrough sends them unchanged) and the JSON object they hold, decoded and parsed
 * at most once, lazily, by whichever reader asks first (feature switches, the budget's size and
 * count, a model rewrite, each translated attempt). Readers never change the object
 * (translation is pure), so one parse serves them all.
 */

export interface ParsedJsonBody {
  readonly object: Record<string, unknown>;
  /** Size of the decoded body in bytes. */
  readonly bytes: number;
}

export interface RequestBody {
  /** The body as received (compressed when `encoding` says so). */
  readonly raw: Buffer;
  /** The client's `content-encoding`, if any. */
  readonly encoding: string | undefined;
  /** The body decoded and parsed as a JSON object: the same promise for every call. */
  json(): Promise<ParsedJsonBody>;
}

/** A body parsed on first use, decoded within `maxBytes` (`server.body_limit_bytes`). */
export function createRequestBody(raw: Buffer, encoding: string | undefined, maxBytes: number): RequestBody {
  let parsed: Promise<ParsedJsonBody> | undefined;
  return {
    raw,
    encoding,
    json: () => (parsed ??= readJsonObject(raw, encoding, maxBytes)),
  };
}
