import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Admin UI sessions (docs/adr/0009-admin-ui.md): a login exchanges the master key (role
 * `admin`) or a gateway API key (role `viewer`, read-only, its own user's data) for a signed
 * token in an HttpOnly, SameSite=Strict cookie. The token carries its claims and an HMAC-SHA-256
 * under a secret derived from the master key, so every instance accepts it (no session table)
 * and changing the master key ends every session. A fresh id per login (rotation); logout
 * forgets the id on this instance until it expires (the cookie is HttpOnly: scripts cannot copy
 * it elsewhere). The CSRF token is the HMAC of the session id: the page gets it in the login
 * answer and sends it as `x-csrf-token` with every change.
 */

export const SESSION_COOKIE = 'gw_admin_session';
/** Sessions last 8 hours from login. */
export const SESSION_TTL_MS = 8 * 3_600_000;

export type SessionRole = 'admin' | 'viewer';

export interface Session {
  readonly id: string;
  readonly role: SessionRole;
  /** A viewer's user (the key's). */
  readonly userId?: string;
  /** A viewer's key. */
  readonly keyId?: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

interface Claims {
  readonly sid: string;
  readonly role: SessionRole;
  readonly uid?: string;
  readonly kid?: string;
  readonly exp: number;
}

function isClaims(value: unknown): value is Claims {
  if (typeof value !== 'object' || value === null) return false;
  const claims = value as Record<string, unknown>;
  return (
    typeof claims['sid'] === 'string' &&
    (claims['role'] === 'admin' || claims['role'] === 'viewer') &&
    (claims['uid'] === undefined || typeof claims['uid'] === 'string') &&
    (claims['kid'] === undefined || typeof claims['kid'] === 'string') &&
    typeof claims['exp'] === 'number'
  );
}

export class AdminSessions {
  readonly #secret: Buffer;
  readonly #now: () => number;
  readonly #ttlMs: number;
  /** Logged-out session ids, until they would have expired. */
  readonly #revoked = new Map<string, number>();

  /** `masterKey` undefined: a random secret (sessions of this process only; viewers alone can log in). */
  constructor(masterKey: string | undefined, now: () => number, ttlMs = SESSION_TTL_MS) {
    const root = masterKey ?? randomBytes(32).toString('base64');
    this.#secret = createHmac('sha256', root).update('claude-gateway admin session v1').digest();
    this.#now = now;
    this.#ttlMs = ttlMs;
  }

  /** A new session (a new id every login) and its cookie value. */
  issue(role: SessionRole, owner: { readonly userId?: string; readonly keyId?: string } = {}): { readonly session: Session; readonly token: string } {
    const session: Session = { id: randomBytes(18).toString('base64url'), role, ...owner, expiresAt: this.#now() + this.#ttlMs };
    const claims: Claims = { sid: session.id, role, ...(owner.userId === undefined ? {} : { uid: owner.userId }), ...(owner.keyId === undefined ? {} : { kid: owner.keyId }), exp: session.expiresAt };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { session, token: `${payload}.${this.#sign(payload)}` };
  }

  /** The live session a cookie value holds, or undefined (malformed, forged, expired, logged out). */
  read(token: string | undefined): Session | undefined {
    if (token === undefined || token.length > 2048) return undefined;
    const [payload, signature, extra] = token.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined) return undefined;
    if (!equalText(signature, this.#sign(payload))) return undefined;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isClaims(claims) || claims.exp <= this.#now() || this.#revoked.has(claims.sid)) return undefined;
    return { id: claims.sid, role: claims.role, ...(claims.uid === undefined ? {} : { userId: claims.uid }), ...(claims.kid === undefined ? {} : { keyId: claims.kid }), expiresAt: claims.exp };
  }

  /** Logout: the session is refused from now on (on this instance; see above). */
  revoke(session: Session): void {
    const now = this.#now();
    for (const [id, expiresAt] of this.#revoked) if (expiresAt <= now) this.#revoked.delete(id);
    this.#revoked.set(session.id, session.expiresAt);
  }

  csrfToken(session: Session): string {
    return this.#sign(`csrf:${session.id}`);
  }

  checkCsrf(session: Session, presented: string | undefined): boolean {
    return presented !== undefined && equalText(presented, this.csrfToken(session));
  }

  #sign(text: string): string {
    return createHmac('sha256', this.#secret).update(text).digest('base64url');
  }
}

function equalText(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Attempts per address and minute, in memory (per instance): login guessing is slowed, not stopped by it alone. */
export class LoginThrottle {
  readonly #attempts = new Map<string, { windowStart: number; count: number }>();
  readonly #now: () => number;
  readonly #limit: number;

  constructor(now: () => number, limit = 10) {
    this.#now = now;
    this.#limit = limit;
  }

  /** Counts an attempt; the ms to wait when over the limit, else undefined. */
  attempt(address: string): number | undefined {
    const now = this.#now();
    const windowStart = now - (now % 60_000);
    if (this.#attempts.size > 10_000) for (const [key, entry] of this.#attempts) if (entry.windowStart < windowStart) this.#attempts.delete(key);
    const entry = this.#attempts.get(address);
    if (entry === undefined || entry.windowStart !== windowStart) {
      this.#attempts.set(address, { windowStart, count: 1 });
      return undefined;
    }
    entry.count += 1;
    return entry.count > this.#limit ? windowStart + 60_000 - now : undefined;
  }
}
