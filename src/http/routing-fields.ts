import { GatewayError } from '../errors.ts';
import { scanError, scanRoutingFields } from '../request/body-scan.ts';
import { decodeRequestBody, isIdentityEncoding } from '../request/decode-body.ts';

export interface MessageRouting {
  readonly model: string;
  readonly stream: boolean;
}

/**
 * What routing needs from a Messages-style body, read from a copy (decoded if compressed).
 * The body that goes upstream is the client's, unchanged.
 */
export async function readMessageRouting(body: unknown, contentEncoding: string | undefined, maxBytes: number): Promise<MessageRouting> {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new GatewayError('GW_BODY_NOT_JSON_OBJECT', 'The request body is empty; send a JSON object.');
  }
  const plain = isIdentityEncoding(contentEncoding) ? body : await decodeRequestBody(body, contentEncoding as string, maxBytes);
  const scan = scanRoutingFields(plain);
  if (!scan.ok) throw scanError(scan);
  const { model, modelIsInvalid, stream } = scan.fields;
  if (model === undefined) {
    throw new GatewayError('GW_MODEL_MISSING', modelIsInvalid ? 'model: Input should be a valid string' : 'model: Field required');
  }
  return { model, stream: stream === true };
}
