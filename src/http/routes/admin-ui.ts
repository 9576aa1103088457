import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app.ts';
import { looksLikeGatewayKey } from '../../accounting/keys.ts';
import { GatewayError } from '../../errors.ts';
import { isSameOrigin, sessionOf } from '../admin-ui/admin-caller.ts';
import { loadAssets, pickEncoding, type Asset } from '../admin-ui/assets.ts';
import { LoginThrottle, SESSION_COOKIE, type AdminSessions, type Session } from '../admin-ui/session.ts';
import { jsonBody } from './admin.ts';

/**
 * The admin web UI (docs/admin-ui.md): the page at `/admin`, its files at `/admin/assets/…`
 * (from memory, brotli or gzip), and the session routes: `POST /admin/session` logs in with the
 * master key or a gateway API key (10 attempts a minute per address), `GET /admin/session` says
 * who is logged in (and the CSRF token), `DELETE /admin/session` logs out. Every `/admin`
 * answer carries a strict Content-Security-Policy (no inline script or style, nothing from
 * elsewhere, no framing).
 */

export const ADMIN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers every admin answer (page, files, JSON) carries. */
export function setAdminSecurityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', ADMIN_CSP);
  reply.header('x-frame-options', 'DENY');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
}

function isTls(request: FastifyRequest): boolean {
  return request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
}

function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/admin; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${isTls(request) ? '; Secure' : ''}`;
}

function sessionView(session: Session, sessions: AdminSessions) {
  return {
    role: session.role,
    user_id: session.userId ?? null,
    key_id: session.keyId ?? null,
    expires_at: new Date(session.expiresAt).toISOString(),
    csrf_token: sessions.csrfToken(session),
  };
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset | undefined) {
  if (asset === undefined) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `The admin UI has no file ${JSON.stringify(request.url.split('?')[0])}.`);
  reply.header('cache-control', 'no-cache').header('etag', asset.etag).header('vary', 'accept-encoding').type(asset.type);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const encoding = pickEncoding(request.headers['accept-encoding']);
  if (encoding === undefined) return reply.send(asset.body);
  return reply.header('content-encoding', encoding).send(encoding === 'br' ? asset.brotli : asset.gzip);
}

async function login(request: FastifyRequest, reply: FastifyReply, deps: AppDependencies, sessions: AdminSessions, throttle: LoginThrottle) {
  const wait = throttle.attempt(request.ip);
  if (wait !== undefined) throw new GatewayError('GW_LOGIN_RATE_LIMITED', 'Too many login attempts from this address; wait a minute.', { retryAfterMs: wait });
  if (!isSameOrigin(request)) throw new GatewayError('GW_CSRF', 'Log in from the admin UI itself (same origin).');
  const key = (await jsonBody(request, deps))['key'];
  if (typeof key !== 'string' || key === '' || key.length > 1024) throw new GatewayError('GW_INVALID_FIELD', 'key: send the master key or a gateway API key.');
  const { authenticator } = deps.accounting;
  let issued: { readonly session: Session; readonly token: string } | undefined;
  try {
    authenticator.requireAdmin({ 'x-api-key': key });
    issued = sessions.issue('admin');
  } catch {
    if (authenticator.mode !== 'passthrough' && looksLikeGatewayKey(key)) {
      const record = await authenticator.verify(key, { allowDisabled: true }).catch(() => undefined);
      if (record !== undefined) issued = sessions.issue('viewer', { userId: record.userId, keyId: record.id });
    }
  }
  if (issued === undefined) throw new GatewayError('GW_LOGIN_FAILED', 'That is neither the master key nor an active gateway API key.');
  // A login replaces any earlier session of this browser.
  const previous = sessionOf(request, sessions);
  if (previous !== undefined) sessions.revoke(previous);
  request.log.info({ request_id: request.id, role: issued.session.role, user_id: issued.session.userId, key_id: issued.session.keyId }, 'admin ui: logged in');
  const maxAge = Math.ceil((issued.session.expiresAt - deps.clock.now()) / 1000);
  return reply.header('set-cookie', sessionCookie(request, issued.token, maxAge)).header('cache-control', 'no-store').send(sessionView(issued.session, sessions));
}

export function adminUiPlugin(deps: AppDependencies, sessions: AdminSessions): FastifyPluginAsync {
  const throttle = new LoginThrottle(() => deps.clock.now());
  const assets = loadAssets();
  return async (ui) => {
    ui.addHook('onRequest', async (_request, reply) => setAdminSecurityHeaders(reply));
    ui.get('/admin', (request, reply) => sendAsset(request, reply, assets.get('index.html')));
    ui.get<{ Params: { '*': string } }>('/admin/assets/*', (request, reply) => sendAsset(request, reply, request.params['*'] === 'index.html' ? undefined : assets.get(request.params['*'])));

    ui.post('/admin/session', (request, reply) => login(request, reply, deps, sessions, throttle));
    ui.get('/admin/session', async (request, reply) => {
      const session = sessionOf(request, sessions);
      if (session === undefined) throw new GatewayError('GW_SESSION_REQUIRED', 'Not logged in to the admin UI.');
      return reply.header('cache-control', 'no-store').send(sessionView(session, sessions));
    });
    ui.delete('/admin/session', async (request, reply) => {
      const session = sessionOf(request, sessions);
      if (session !== undefined) {
        const token = request.headers['x-csrf-token'];
        if (!isSameOrigin(request) || !sessions.checkCsrf(session, typeof token === 'string' ? token : undefined)) throw new GatewayError('GW_CSRF', 'Log out from the admin UI itself (with its CSRF token).');
        sessions.revoke(session);
      }
      return reply.header('set-cookie', sessionCookie(request, '', 0)).code(204).send();
    });
  };
}
