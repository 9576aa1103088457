import { GatewayError } from '../errors.ts';
import { decodeRequestBody, isIdentityEncoding } from './decode-body.ts';

/**
 * The one case where an Anthropic-bound body is re-serialised: a route (or a Bedrock-form id
 * normalised back to its Anthropic id) changes the model. Everything else in the body keeps its
 * value; the result is uncompressed, so the caller drops `content-encoding`.
 */
export async function withModel(body: Buffer, contentEncoding: string | undefined, model: string, maxBytes: number): Promise<Buffer> {
  const plain = isIdentityEncoding(contentEncoding) ? body : await decodeRequestBody(body, contentEncoding as string, maxBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(plain.toString('utf8'));
  } catch (error) {
    throw new GatewayError('GW_BODY_NOT_JSON_OBJECT', `The request body is not valid JSON: ${(error as Error).message}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new GatewayError('GW_BODY_NOT_JSON_OBJECT', 'The request body must be a JSON object.');
  return Buffer.from(JSON.stringify({ ...parsed, model }));
}
