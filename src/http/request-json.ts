import type { FastifyRequest } from 'fastify';
import { createRequestBody, type ParsedJsonBody, type RequestBody } from '../request/request-body.ts';

/**
 * A request's body (src/request/request-body.ts), made once per request: every reader (the
 * routing fields, the feature switches, the budget's size and count, routing and each provider
 * attempt) shares one decoding, one scan and one lazily parsed object. A budgeted request served
 * by Bedrock is decoded, scanned and parsed once, not once per reader and attempt.
 */

const bodies = new WeakMap<FastifyRequest, RequestBody>();

/** The request's shared body; `maxBytes` bounds its decoding (`server.body_limit_bytes`). */
export function requestBody(request: FastifyRequest, maxBytes: number): RequestBody {
  let body = bodies.get(request);
  if (body === undefined) {
    body = createRequestBody(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0), request.headers['content-encoding'], maxBytes);
    bodies.set(request, body);
  }
  return body;
}

/** The body as a JSON object, decoded within `maxBytes` (`server.body_limit_bytes`). */
export function requestJson(request: FastifyRequest, maxBytes: number): Promise<ParsedJsonBody> {
  return requestBody(request, maxBytes).json();
}

/**
 * Replaces the request's body with one the gateway wrote (plain JSON): a Chat Completions
 * request converted to a Messages one, read from then on by every reader as if the client sent it.
 */
export function replaceRequestBody(request: FastifyRequest, json: Buffer, maxBytes: number): void {
  bodies.set(request, createRequestBody(json, undefined, maxBytes));
}
