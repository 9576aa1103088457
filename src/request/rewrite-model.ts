import { readJsonObject } from './json-body.ts';

/**
 * The one case where an Anthropic-bound body is re-serialised: a route (or a Bedrock-form id
 * normalised back to its Anthropic id) changes the model. Everything else in the body keeps its
 * value; the result is uncompressed, so the caller drops `content-encoding`.
 */
export async function withModel(body: Buffer, contentEncoding: string | undefined, model: string, maxBytes: number): Promise<Buffer> {
  const { object } = await readJsonObject(body, contentEncoding, maxBytes);
  return Buffer.from(JSON.stringify({ ...object, model }));
}
