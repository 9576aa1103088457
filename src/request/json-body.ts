import { GatewayError } from '../errors.ts';
import { scanBody, scanError } from './body-scan.ts';
import { decodeRequestBody, isIdentityEncoding } from './decode-body.ts';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.ts';

/**
 * The request body decoded (if compressed, capped at `maxBytes`) and parsed as a JSON object.
 * A top-level field named twice is refused first, as the routing scan does, so every reader of
 * a body sees the same top-level fields (JSON.parse alone would silently keep the last).
 */
export async function readJsonObject(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<{ object: Record<string, unknown>; bytes: number }> {
  const plain = isIdentityEncoding(contentEncoding) ? body : await decodeRequestBody(body, contentEncoding as string, maxBytes);
  const { scan, depth } = scanBody(plain);
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
  return { object: parsed as Record<string, unknown>, bytes: plain.length };
}
