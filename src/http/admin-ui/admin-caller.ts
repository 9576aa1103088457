import type { FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app.ts';
import { presentedCredential } from '../../accounting/auth.ts';
import { GatewayError } from '../../errors.ts';
import type { AdminGuard } from '../admin-guard.ts';
import { SESSION_COOKIE, type AdminSessions, type Session } from './session.ts';

/**
 * Who calls an admin route: the master key in a header (API clients, scripts), or an admin UI
 * session from its cookie. A session's changes need the CSRF token and a same-origin request; a
 * viewer session (a gateway key's login) reads only the routes marked `config: { viewer: true }`,
 * scoped by the handlers to its own user, and ends when its key is revoked.
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** An admin route a read-only session (a gateway key's login) may read, narrowed to its own user. */
    viewer?: boolean;
  }
}

export interface AdminCaller {
  readonly role: 'admin' | 'viewer';
  /** A viewer's user: every read is narrowed to it. */
  readonly userId?: string;
  readonly keyId?: string;
  readonly session?: Session;
}

const callers = new WeakMap<FastifyRequest, AdminCaller>();

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** The caller the admin hook found (routes of the admin plugin only). */
export function adminCallerOf(request: FastifyRequest): AdminCaller {
  const caller = callers.get(request);
  if (caller === undefined) throw new GatewayError('GW_INTERNAL', 'The admin caller was not authenticated.');
  return caller;
}

/** One cookie's value from the `cookie` header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/** The session a request's cookie holds, if live. */
export function sessionOf(request: FastifyRequest, sessions: AdminSessions): Session | undefined {
  return sessions.read(cookieValue(request.headers.cookie, SESSION_COOKIE));
}

/** Whether a browser request comes from this gateway's own pages (Origin and Fetch Metadata, when sent). */
export function isSameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export async function authenticateAdmin(request: FastifyRequest, deps: AppDependencies, sessions: AdminSessions, guard: AdminGuard): Promise<void> {
  const { authenticator } = deps.accounting;
  const keyHeader = request.headers[deps.config.auth.key_header];
  if (presentedCredential(request.headers) !== undefined || keyHeader !== undefined || request.headers.cookie === undefined) {
    guard.check(request, () => authenticator.requireAdmin(request.headers));
    callers.set(request, { role: 'admin' });
    return;
  }
  const session = sessionOf(request, sessions);
  if (session === undefined) throw new GatewayError('GW_SESSION_REQUIRED', 'Log in to the admin UI again: the session is missing, expired or logged out.');
  if (!SAFE_METHODS.has(request.method)) {
    if (!isSameOrigin(request)) throw new GatewayError('GW_CSRF', 'A change through an admin UI session must come from the admin UI itself (same origin).');
    const token = request.headers['x-csrf-token'];
    if (!sessions.checkCsrf(session, typeof token === 'string' ? token : undefined)) throw new GatewayError('GW_CSRF', 'A change through an admin UI session needs its CSRF token in x-csrf-token.');
  }
  if (session.role === 'viewer') {
    const key = session.keyId === undefined ? undefined : await deps.accounting.store.getKey(session.keyId);
    if (key === undefined || key.status === 'revoked' || key.userId !== session.userId) throw new GatewayError('GW_SESSION_REQUIRED', 'The gateway API key this session logged in with was revoked; log in again.');
    const viewerRoute = request.routeOptions.config.viewer === true;
    if (!viewerRoute || !SAFE_METHODS.has(request.method)) throw new GatewayError('GW_FORBIDDEN', 'A read-only session (a gateway API key) may not use this admin route.');
    callers.set(request, { role: 'viewer', userId: key.userId, keyId: key.id, session });
    return;
  }
  callers.set(request, { role: 'admin', session });
}
