import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../app.ts';
import { GatewayError } from '../errors.ts';
import { BodyLease, declaredLength, readBody, type BodyBudget } from './body-budget.ts';
import { badRequestTarget, requestTargetForm } from './raw-error.ts';

/**
 * How a request comes in, before any route handler runs: its target and credential headers are
 * checked first of all, and its body is read only after the route's `onRequest` hooks
 * (authentication, rate limits) admitted it, within the body limit and the budget of bytes all
 * bodies may hold at once (body-budget.ts). Bodies stay raw bytes: the passthrough forwards them
 * unchanged and reads only a copy.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** What this request holds of the in-flight body budget (set before its body is read). */
    bodyLease: BodyLease | null;
    /** Sends `100 Continue` to a client that asked for it (set before its body is read). */
    sendContinue: (() => void) | null;
  }
}

export function notFound(request: FastifyRequest): GatewayError {
  return new GatewayError('GW_ROUTE_NOT_FOUND', `Not found: ${request.method} ${request.url.split('?')[0]}`);
}

/** The first of `names` (lower-case) that `rawHeaders` (Node's name, value, name, value… list) holds twice. */
export function repeatedHeader(rawHeaders: readonly string[], names: ReadonlySet<string>): string | undefined {
  let seen: Set<string> | undefined;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as string).toLowerCase();
    if (!names.has(name)) continue;
    if (seen?.has(name) === true) return name;
    (seen ??= new Set()).add(name);
  }
  return undefined;
}

export function registerRequestIntake(app: FastifyInstance, bodyBudget: BodyBudget, deps: AppDependencies): void {
  const bodyLimit = deps.config.server.body_limit_bytes;
  // Only origin-form targets (`/path?query`): an absolute-form `POST http://elsewhere/v1/messages`
  // is routed by its path but must never be forwarded as it was written. First hook of all.
  // Node keeps only the first of two Authorization headers (and joins two x-api-key): a
  // credential header sent twice is refused here, from the headers as they arrived.
  const credentialHeaders = new Set(['x-api-key', 'authorization', deps.config.auth.key_header]);
  app.addHook('onRequest', async (request) => {
    const form = requestTargetForm(request.raw.url);
    if (form !== undefined) throw badRequestTarget(form);
    const repeated = repeatedHeader(request.raw.rawHeaders, credentialHeaders);
    if (repeated !== undefined) throw new GatewayError('GW_DUPLICATE_CREDENTIAL', `The ${repeated} header is sent more than once; send exactly one credential.`);
  });
  app.decorateRequest('bodyLease', null);
  app.decorateRequest('sendContinue', null);
  app.addHook('preParsing', (request, reply, payload, done) => {
    const lease = new BodyLease(bodyBudget);
    request.bodyLease = lease;
    reply.raw.once('close', () => lease.release());
    // `Expect: 100-continue`: the client waits for the go-ahead before it sends the body, which
    // comes only now, after authentication and limits, right before the body is read.
    if (request.headers.expect?.toLowerCase() === '100-continue') request.sendContinue = () => reply.raw.writeContinue();
    done(null, payload);
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    // An unknown route is answered without its body.
    if (request.is404 || request.bodyLease === null) return done(notFound(request), undefined);
    let length: number | undefined;
    try {
      length = declaredLength(request.headers['content-length']);
    } catch (error) {
      return done(error as Error, undefined);
    }
    request.sendContinue?.();
    readBody(payload, { limit: bodyLimit, length, lease: request.bodyLease }).then(
      (body) => done(null, body),
      (error: Error) => done(error, undefined),
    );
  });
}
