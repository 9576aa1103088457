import { GatewayError } from '../errors.ts';
import type { RequestBody } from '../request/request-body.ts';

/**
 * Longest model id accepted (the longest real ones, Bedrock ARNs, are about 120). The model is
 * echoed into headers, log lines, error messages, usage records and cooldown keys: a 5 MB
 * "model" must be refused before any of them, and before the upstream is called.
 */
export const MAX_MODEL_CHARS = 256;

export interface MessageRouting {
  readonly model: string;
  readonly stream: boolean;
}

/**
 * What routing needs from a Messages-style body, from the top-level scan of its JSON text
 * (decoded if compressed; request-body.ts). The body that goes upstream is the client's, unchanged.
 */
export async function readMessageRouting(body: RequestBody): Promise<MessageRouting> {
  if (body.raw.length === 0) throw new GatewayError('GW_BODY_NOT_JSON_OBJECT', 'The request body is empty; send a JSON object.');
  const { model, modelIsInvalid, stream } = await body.fields();
  if (model === undefined) {
    throw new GatewayError('GW_MODEL_MISSING', modelIsInvalid ? 'model: Input should be a valid string' : 'model: Field required');
  }
  if (model.length > MAX_MODEL_CHARS) throw new GatewayError('GW_MODEL_MISSING', `model: String should have at most ${MAX_MODEL_CHARS} characters (got ${model.length}).`);
  return { model, stream: stream === true };
}
