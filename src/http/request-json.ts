import type { FastifyRequest } from 'fastify';
import { readJsonObject } from '../request/json-body.ts';

/**
 * A request's body as a JSON object, decoded and parsed once per request by whichever reader
 * asks first: the feature switches, the budget's size and count, a model rewrite, each Bedrock
 * attempt. They share the one object and never change it (translation is pure), so a budgeted
 * request served by Bedrock is parsed once, not once per reader and attempt.
 */

type JsonBody = Awaited<ReturnType<typeof readJsonObject>>;

const parsed = new WeakMap<FastifyRequest, Promise<JsonBody>>();

/** The body as a JSON object, decoded within `maxBytes` (`server.body_limit_bytes`). */
export function requestJson(request: FastifyRequest, maxBytes: number): Promise<JsonBody> {
  let body = parsed.get(request);
  if (body === undefined) {
    body = readJsonObject(request.body as Buffer, request.headers['content-encoding'], maxBytes);
    parsed.set(request, body);
  }
  return body;
}
