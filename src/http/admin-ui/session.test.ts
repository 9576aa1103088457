import { describe, expect, it } from 'vitest';
import { AdminSessions, LoginThrottle, SESSION_TTL_MS } from './session.ts';

describe('admin UI sessions', () => {
  it('reads back what it issued, until it expires', () => {
    let now = 1_000_000;
    const sessions = new AdminSessions('master', () => now);
    const { session, token } = sessions.issue('viewer', { userId: 'alice', keyId: 'key_1' });
    expect(sessions.read(token)).toEqual({ id: session.id, role: 'viewer', userId: 'alice', keyId: 'key_1', expiresAt: 1_000_000 + SESSION_TTL_MS });
    now += SESSION_TTL_MS - 1;
    expect(sessions.read(token)?.role).toBe('viewer');
    now += 1;
    expect(sessions.read(token)).toBeUndefined();
  });

  it('gives every login a new id, and forgets a logged-out one', () => {
    const sessions = new AdminSessions('master', () => 0);
    const first = sessions.issue('admin');
    const second = sessions.issue('admin');
    expect(first.session.id).not.toBe(second.session.id);
    sessions.revoke(first.session);
    expect(sessions.read(first.token)).toBeUndefined();
    expect(sessions.read(second.token)?.role).toBe('admin');
  });

  it('refuses forged, altered and foreign tokens', () => {
    const sessions = new AdminSessions('master', () => 0);
    const { token } = sessions.issue('viewer', { userId: 'alice', keyId: 'key_1' });
    const [payload, signature] = token.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const promoted = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    expect(sessions.read(`${promoted}.${signature}`)).toBeUndefined();
    expect(sessions.read(`${payload}.${signature.slice(1)}x`)).toBeUndefined();
    expect(sessions.read(`${token}.extra`)).toBeUndefined();
    expect(sessions.read('')).toBeUndefined();
    expect(sessions.read(undefined)).toBeUndefined();
    // Another master key (rotated): every session ends.
    expect(new AdminSessions('rotated', () => 0).read(token)).toBeUndefined();
  });

  it('ties the CSRF token to the session', () => {
    const sessions = new AdminSessions('master', () => 0);
    const one = sessions.issue('admin').session;
    const two = sessions.issue('admin').session;
    expect(sessions.checkCsrf(one, sessions.csrfToken(one))).toBe(true);
    expect(sessions.checkCsrf(one, sessions.csrfToken(two))).toBe(false);
    expect(sessions.checkCsrf(one, undefined)).toBe(false);
  });
});

describe('login throttle', () => {
  it('allows 10 attempts a minute per address, then says how long to wait', () => {
    let now = 120_000 + 15_000;
    const throttle = new LoginThrottle(() => now);
    for (let attempt = 0; attempt < 10; attempt++) expect(throttle.attempt('10.0.0.1')).toBeUndefined();
    expect(throttle.attempt('10.0.0.1')).toBe(45_000);
    expect(throttle.attempt('10.0.0.2')).toBeUndefined();
    now = 180_000;
    expect(throttle.attempt('10.0.0.1')).toBeUndefined();
  });
});
