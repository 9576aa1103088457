/**
 * The one case where an Anthropic-bound body is re-serialised: a route (or a Bedrock-form id
 * normalised back to its Anthropic id) changes the model. Everything else in the body keeps its
 * value; the result is uncompressed, so the caller drops `content-encoding`.
 */
export function withModel(body: Readonly<Record<string, unknown>>, model: string): Buffer {
  return Buffer.from(JSON.stringify({ ...body, model }));
}
