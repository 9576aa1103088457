import { GatewayError } from '../errors.ts';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE } from './json-bytes.ts';

/**
 * Reads the few top-level fields routing needs (`model`, `stream`) from a JSON request body
 * without parsing it into objects. The forwarded bytes are never touched; this only looks.
 *
 * Strings are skipped with `indexOf` (native memchr), so the cost is dominated by the number of
 * string tokens, not by their length: a 30 MB body of base64 images scans in a few milliseconds
 * where `JSON.parse` takes ~80 ms. Nested values are skipped structurally; numbers and literals
 * elsewhere are not validated.
 *
 * Top-level keys are compared after their escapes are decoded (`"mod\u0065l"` is `model`, as
 * every JSON parser reads it), and a top-level key named twice refuses the body (ADR 0002):
 * parsers disagree on which duplicate counts (JSON.parse and Python keep the last, others the
 * first or refuse), so the gateway could account for one value while the upstream runs another.
 */

export interface RoutingFields {
  /** The top-level `model` when it is a string. */
  readonly model: string | undefined;
  /** True when `model` is present but not a string. */
  readonly modelIsInvalid: boolean;
  /** The top-level `stream` when it is a boolean. */
  readonly stream: boolean | undefined;
}

export type ScanResult =
  | { readonly ok: true; readonly fields: RoutingFields }
  /** Not a JSON object, or malformed where the scanner looked. */
  | { readonly ok: false; readonly reason: string; readonly duplicate?: undefined }
  /** A top-level key appears more than once (after escapes are decoded): `duplicate` names it. */
  | { readonly ok: false; readonly reason: string; readonly duplicate: string };

const TRUE_LITERAL = Buffer.from('true');
const FALSE_LITERAL = Buffer.from('false');

class MalformedJson extends Error {}

class DuplicateKey extends Error {
  readonly key: string;

  constructor(key: string) {
    super(`the top-level field ${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)} appears more than once`);
    this.key = key;
  }
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipWhitespace(body: Buffer, index: number): number {
  while (index < body.length && isWhitespace(body[index] as number)) index++;
  return index;
}

/** `index` is at an opening quote; returns the index just past the closing quote. */
function skipString(body: Buffer, index: number): number {
  let cursor = index + 1;
  for (;;) {
    const quote = body.indexOf(QUOTE, cursor);
    if (quote === -1) throw new MalformedJson('unterminated string');
    let backslashes = 0;
    for (let back = quote - 1; back > index && body[back] === BACKSLASH; back--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    cursor = quote + 1;
  }
}

/** The deepest nesting a scan saw, counting the top-level object as 1. */
interface Nesting {
  deepest: number;
}

/** `index` is at `{` or `[`; returns the index just past the matching close. */
function skipContainer(body: Buffer, index: number, nesting: Nesting): number {
  let depth = 0;
  let cursor = index;
  while (cursor < body.length) {
    const byte = body[cursor] as number;
    if (byte === QUOTE) {
      cursor = skipString(body, cursor);
      continue;
    }
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++;
      // Inside the top-level object, so one level deeper than its own count.
      if (depth + 1 > nesting.deepest) nesting.deepest = depth + 1;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return cursor + 1;
    }
    cursor++;
  }
  throw new MalformedJson('unterminated object or array');
}

/** Skips a number or literal: up to the next structural byte or whitespace. */
function skipScalar(body: Buffer, index: number): number {
  let cursor = index;
  while (cursor < body.length) {
    const byte = body[cursor] as number;
    if (byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || isWhitespace(byte)) break;
    cursor++;
  }
  if (cursor === index) throw new MalformedJson('missing value');
  return cursor;
}

function skipValue(body: Buffer, index: number, nesting: Nesting): number {
  const byte = body[index];
  if (byte === QUOTE) return skipString(body, index);
  if (byte === OPEN_BRACE || byte === OPEN_BRACKET) return skipContainer(body, index, nesting);
  return skipScalar(body, index);
}

function keyEquals(body: Buffer, start: number, end: number, key: Buffer): boolean {
  return end - start === key.length && body.compare(key, 0, key.length, start, end) === 0;
}

function decodeString(body: Buffer, start: number, end: number): string {
  // `start` and `end` include the quotes. Escapes are rare in keys and model ids: only then pay for JSON.parse.
  const raw = body.subarray(start + 1, end - 1);
  if (raw.indexOf(BACKSLASH) === -1) return raw.toString('utf8');
  const decoded: unknown = JSON.parse(body.subarray(start, end).toString('utf8'));
  return decoded as string;
}

function readBoolean(body: Buffer, start: number, end: number): boolean | undefined {
  if (keyEquals(body, start, end, TRUE_LITERAL)) return true;
  if (keyEquals(body, start, end, FALSE_LITERAL)) return false;
  return undefined;
}

export function scanRoutingFields(body: Buffer): ScanResult {
  return scanBody(body).scan;
}

/**
 * The routing fields, and how deep the body nests (arrays and objects inside each other, the
 * top-level object counting as 1), found by the same pass; the depth is undefined when the scan
 * failed. Readers that parse a body refuse one nested too deep from this (json-body.ts).
 */
export function scanBody(body: Buffer): { readonly scan: ScanResult; readonly depth: number | undefined } {
  const nesting: Nesting = { deepest: 1 };
  try {
    return { scan: { ok: true, fields: scanObject(body, nesting) }, depth: nesting.deepest };
  } catch (error) {
    if (error instanceof MalformedJson) return { scan: { ok: false, reason: error.message }, depth: undefined };
    if (error instanceof DuplicateKey) return { scan: { ok: false, reason: error.message, duplicate: error.key }, depth: undefined };
    if (error instanceof SyntaxError) return { scan: { ok: false, reason: 'invalid string escape' }, depth: undefined };
    throw error;
  }
}

/** The client's error for a failed scan: a duplicated field, or JSON the gateway cannot read. */
export function scanError(failure: Extract<ScanResult, { ok: false }>): GatewayError {
  if (failure.duplicate !== undefined) {
    return new GatewayError('GW_DUPLICATE_FIELD', `The request body is ambiguous: ${failure.reason}. Send each top-level field once.`);
  }
  return new GatewayError('GW_BODY_NOT_JSON_OBJECT', `The request body is not valid JSON: ${failure.reason}.`);
}

function scanObject(body: Buffer, nesting: Nesting): RoutingFields {
  let model: string | undefined;
  let modelIsInvalid = false;
  let stream: boolean | undefined;
  // Top-level keys are few (a Messages body has about ten): a Set of their decoded names is cheap.
  const seen = new Set<string>();
  let index = skipWhitespace(body, 0);
  if (body[index] !== OPEN_BRACE) throw new MalformedJson('the body is not a JSON object');
  index = skipWhitespace(body, index + 1);
  if (body[index] === CLOSE_BRACE) return { model, modelIsInvalid, stream };
  for (;;) {
    if (body[index] !== QUOTE) throw new MalformedJson('expected a property name');
    const keyStart = index;
    index = skipString(body, index);
    const key = decodeString(body, keyStart, index);
    if (seen.has(key)) throw new DuplicateKey(key);
    seen.add(key);
    index = skipWhitespace(body, index);
    if (body[index] !== COLON) throw new MalformedJson('expected a colon after a property name');
    const valueStart = skipWhitespace(body, index + 1);
    if (valueStart >= body.length) throw new MalformedJson('missing value');
    const valueEnd = skipValue(body, valueStart, nesting);
    if (key === 'model') {
      const isString = body[valueStart] === QUOTE;
      model = isString ? decodeString(body, valueStart, valueEnd) : undefined;
      modelIsInvalid = !isString;
    } else if (key === 'stream') {
      stream = readBoolean(body, valueStart, valueEnd);
    }
    index = skipWhitespace(body, valueEnd);
    const next = body[index];
    if (next === CLOSE_BRACE) break;
    if (next !== COMMA) throw new MalformedJson('expected a comma or the end of the object');
    index = skipWhitespace(body, index + 1);
  }
  if (skipWhitespace(body, index + 1) !== body.length) throw new MalformedJson('unexpected data after the JSON object');
  return { model, modelIsInvalid, stream };
}

/**
 * Where the value of a top-level `key` sits in a JSON object body, `[start, end)` in bytes,
 * found the way the scan finds it (escaped key names decoded); undefined when the body has no
 * such key or is not an object the scanner can read. For a byte-level edit of one value
 * (splice-model.ts): every other byte stays as the client sent it.
 */
export function topLevelValueSpan(body: Buffer, key: string): { readonly start: number; readonly end: number } | undefined {
  const nesting: Nesting = { deepest: 1 };
  try {
    let index = skipWhitespace(body, 0);
    if (body[index] !== OPEN_BRACE) return undefined;
    index = skipWhitespace(body, index + 1);
    while (body[index] === QUOTE) {
      const keyStart = index;
      index = skipString(body, index);
      const name = decodeString(body, keyStart, index);
      index = skipWhitespace(body, index);
      if (body[index] !== COLON) return undefined;
      const start = skipWhitespace(body, index + 1);
      const end = skipValue(body, start, nesting);
      if (name === key) return { start, end };
      index = skipWhitespace(body, end);
      if (body[index] !== COMMA) return undefined;
      index = skipWhitespace(body, index + 1);
    }
    return undefined;
  } catch {
    return undefined;
  }
}
