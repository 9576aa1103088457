import { GatewayError } from '../errors.ts';
import { scanBody, scanError, type ScanResult } from './body-scan.ts';
import { decodeRequestBody, isIdentityEncoding } from './decode-body.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.ts';

/** A JSON object body and the size of its JSON text (decoded, if it came compressed). */
export interface JsonBody {
  readonly object: Record<string, unknown>;
  readonly bytes: number;
}

/** What the top-level scan (body-scan.ts `scanBody`) found in a body's JSON text. */
export interface BodyScan {
  readonly scan: ScanResult;
  readonly depth: number | undefined;
}

/**
 * Parses a body's JSON text (`plain`, already decoded) that `scanned` is the top-level scan of.
 * A top-level field named twice is refused first, as the routing scan does, so every reader of
 * a body sees the same top-level fields (JSON.parse alone would silently keep the last).
 */
export function parseJsonObject(plain: Buffer, scanned: BodyScan): Record<string, unknown> {
  const { scan, depth } = scanned;
  if (!scan.ok && scan.duplicate !== undefined) throw scanError(scan);
  // Before any reader walks it: nothing the gateway does with a body may overflow the stack. The
  // scan measured the depth; a body it could not read is measured byte by byte (JSON.parse will
  // refuse it, but the depth is told first, as for any body).
  if (depth === undefined ? nestsDeeperThan(plain, MAX_JSON_DEPTH) : depth > MAX_JSON_DEPTH) {
    throw new GatewayError('GW_BODY_TOO_DEEP', `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; the gateway does not read such bodies.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(plain.toString('utf8'));
  } catch (error) {
    throw new GatewayError('GW_BODY_NOT_JSON_OBJECT', `The request body is not valid JSON: ${(error as Error).message}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new GatewayError('GW_BODY_NOT_JSON_OBJECT', 'The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

/**
 * The request body decoded (if compressed, capped at `maxBytes`) and parsed as a JSON object, in
 * one go. An API request's body is read through its RequestBody instead (request-body.ts), which
 * shares each step among the request's readers.
 */
export async function readJsonObject(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<JsonBody> {
  const plain = isIdentityEncoding(contentEncoding) ? body : await decodeRequestBody(body, contentEncoding as string, maxBytes);
  return { object: parseJsonObject(plain, scanBody(plain)), bytes: plain.length };
}
