import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { AppDependencies } from '../app.ts';
import { invalidPathUserId, isUserId, type Principal } from '../accounting/auth.ts';
import { GatewayError } from '../errors.ts';
import { shutdownError } from './inflight.ts';

/**
 * Admission from the headers alone, in an `onRequest` hook, before a byte of the body is read:
 * draining, the `/user/{id}` check, authentication, and the requests- and tokens-per-minute
 * limits. A refused request is answered without its body being read (the answer closes the
 * connection). What needs the body (the budget reservation, the usage intent record) follows
 * in the handler.
 */

export interface Admission {
  readonly principal: Principal;
  /** The request headers to send upstream (gateway keys removed; in keys mode the client's credential too). */
  readonly upstreamHeaders: IncomingHttpHeaders;
  /** `/user/{id}` when the path names one. */
  readonly userId: string | undefined;
  /** Monotonic and epoch ms the request was admitted (its latency is measured from here). */
  readonly startedAt: number;
  readonly startedAtEpoch: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API routes' `onRequest` hook. */
    admission: Admission | null;
  }
}

export async function admitFromHeaders(request: FastifyRequest, route: 'messages' | 'count_tokens' | 'models', deps: AppDependencies): Promise<void> {
  const startedAt = deps.clock.monotonic();
  const startedAtEpoch = deps.clock.now();
  // Draining: requests still arriving on kept-alive connections are turned away (retryable).
  if (deps.state.draining) throw shutdownError();
  const userId = (request.params as { userId?: string }).userId;
  if (userId !== undefined && !isUserId(userId)) throw invalidPathUserId();
  const { principal, upstreamHeaders } = await deps.accounting.authenticator.api(request.headers, userId, request.url);
  if (route !== 'models') await deps.accounting.admitCaller(principal, route, startedAtEpoch);
  request.admission = { principal, upstreamHeaders, userId, startedAt, startedAtEpoch };
}

/** The admission of a request that passed the hook. */
export function admissionOf(request: FastifyRequest): Admission {
  if (request.admission === null) throw new GatewayError('GW_INTERNAL', 'The request reached its handler without admission.');
  return request.admission;
}
