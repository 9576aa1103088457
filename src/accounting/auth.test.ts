import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authSchema } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';
import { SqliteAccountingStore } from '../store/sqlite/accounting.ts';
import type { ApiKeyRecord } from '../store/accounting.ts';
import { Authenticator } from './auth.ts';
import { digestKey, digestsEqual, displayPrefix, generateKey, parseKey, secretsEqual } from './keys.ts';

describe('gateway key format', () => {
  it('is sk-gw-<id>-<secret>-<check>, parses back to its id, and rejects any changed character', () => {
    const made = generateKey(undefined);
    expect(made.key).toMatch(/^sk-gw-[0-9A-Za-z]{16}-[0-9A-Za-z]{32}-[0-9A-Za-z]{6}$/);
    expect(parseKey(made.key)).toEqual({ id: made.id });
    expect(made.prefix).toBe(displayPrefix(made.id));
    expect(made.key.startsWith(made.prefix)).toBe(true);
    for (let index = 6; index < made.key.length; index++) {
      if (made.key[index] === '-') continue;
      const changed = made.key.slice(0, index) + (made.key[index] === 'a' ? 'b' : 'a') + made.key.slice(index + 1);
      if (index < 6 + 16) expect(parseKey(changed)?.id).not.toBe(made.id);
      else expect(parseKey(changed)).toBeUndefined();
    }
    expect(parseKey(`${made.key}x`)).toBeUndefined();
    expect(generateKey(undefined).key).not.toBe(made.key);
  });

  it('stores SHA-256 or HMAC-SHA-256 with a pepper; digests compare in constant time', () => {
    const made = generateKey(undefined);
    expect(made.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(made.digest).not.toContain(made.key);
    const peppered = digestKey(made.key, 'pepper');
    expect(peppered).not.toBe(made.digest);
    expect(digestsEqual(made.digest, digestKey(made.key, undefined))).toBe(true);
    expect(digestsEqual(made.digest, peppered)).toBe(false);
    expect(digestsEqual(made.digest, made.digest.slice(0, 10))).toBe(false);
    expect(digestsEqual('', '')).toBe(false);
    expect(secretsEqual('master', 'master')).toBe(true);
    expect(secretsEqual('master', 'master2')).toBe(false);
  });
});

describe('Authenticator', () => {
  let store: SqliteAccountingStore;
  let now = Date.UTC(2026, 10, 20, 12);
  const clock = () => now;

  beforeEach(() => {
    store = SqliteAccountingStore.open(':memory:');
    now = Date.UTC(2026, 10, 20, 12);
  });
  afterEach(async () => store.close());

  async function key(fields: Partial<ApiKeyRecord> = {}, pepper?: string): Promise<{ key: string; record: ApiKeyRecord }> {
    const made = generateKey(pepper);
    const record: ApiKeyRecord = { id: made.id, digest: made.digest, prefix: made.prefix, userId: 'ann', name: 'laptop', status: 'active', createdAt: now, updatedAt: now, ...fields };
    await store.createKey(record);
    return { key: made.key, record };
  }

  const auth = (fields: Record<string, unknown> = {}) => new Authenticator(authSchema.parse(fields), store, clock);

  async function refusal(promise: Promise<unknown>): Promise<GatewayError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof GatewayError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('passthrough: the client credential goes upstream, the user is the path, the header or default', async () => {
    const gate = auth();
    const headers = { 'x-api-key': 'sk-ant-client', 'x-gateway-user': 'bea' };
    const passed = await gate.api(headers, undefined);
    expect(passed.upstreamHeaders).toBe(headers);
    expect(passed.principal).toMatchObject({ kind: 'anonymous', userId: 'bea', credentialId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect((await gate.api(headers, 'cid')).principal.userId).toBe('cid');
    expect((await gate.api({ 'x-gateway-user': 'not ok!' }, undefined)).principal.userId).toBe('default');
    // A gateway key is refused rather than forwarded (or answered with the gateway's credentials).
    const { key: gatewayKey } = await key();
    expect((await refusal(gate.api({ 'x-api-key': gatewayKey }, undefined))).code).toBe('GW_KEY_INVALID');
  });

  it('keys: the key in any of three places; the client credential never goes upstream', async () => {
    const gate = auth({ mode: 'keys' });
    const { key: secret, record } = await key();
    for (const headers of [{ 'x-api-key': secret }, { authorization: `Bearer ${secret}` }, { 'x-gateway-key': secret, 'x-api-key': 'sk-ant-client' }]) {
      const passed = await gate.api(headers, undefined);
      expect(passed.principal).toMatchObject({ kind: 'key', userId: 'ann', key: { id: record.id } });
      expect(passed.upstreamHeaders['x-api-key']).toBeUndefined();
      expect(passed.upstreamHeaders.authorization).toBeUndefined();
      expect(passed.upstreamHeaders['x-gateway-key']).toBeUndefined();
    }
    expect((await refusal(gate.api({}, undefined))).code).toBe('GW_KEY_REQUIRED');
    expect((await refusal(gate.api({ 'x-api-key': 'sk-ant-client' }, undefined))).code).toBe('GW_KEY_INVALID');
    // The right id with another secret is not the key.
    const forged = generateKey(undefined).key.replace(/^sk-gw-[0-9A-Za-z]{16}/, `sk-gw-${record.id}`);
    expect((await refusal(gate.api({ 'x-api-key': forged }, undefined))).code).toBe('GW_KEY_INVALID');
  });

  it('both: the key header is required and stripped; the client credential passes, a gateway-key-shaped one does not', async () => {
    const gate = auth({ mode: 'both' });
    const { key: secret } = await key();
    expect((await refusal(gate.api({ 'x-api-key': 'sk-ant-client' }, undefined))).code).toBe('GW_KEY_REQUIRED');
    const passed = await gate.api({ 'x-api-key': 'sk-ant-client', 'x-gateway-key': secret }, undefined);
    expect(passed.upstreamHeaders).toEqual({ 'x-api-key': 'sk-ant-client' });
    // The gateway's own credential is never the fallback in this mode (C13).
    expect(await refusal(gate.api({ 'x-gateway-key': secret }, undefined))).toMatchObject({ code: 'GW_NO_CREDENTIAL', status: 401 });
    const misplaced = await refusal(gate.api({ authorization: `Bearer ${secret}`, 'x-gateway-key': secret }, undefined));
    expect(misplaced).toMatchObject({ code: 'GW_NO_CREDENTIAL', message: expect.stringContaining('a gateway key is not one') });
  });

  it('never forwards a gateway key or the master key however it is spaced or framed', async () => {
    const { key: secret } = await key();
    // Passthrough: a blank x-api-key does not hide a gateway key sent as Bearer.
    expect((await refusal(auth().api({ 'x-api-key': '  ', authorization: `Bearer ${secret}` }, undefined))).code).toBe('GW_KEY_INVALID');
    const both = auth({ mode: 'both', master_key: 'the-master' });
    const spaced = await both.api({ 'x-api-key': ` ${secret} `, 'x-gateway-key': secret, authorization: 'Bearer sk-ant-client' }, undefined);
    expect(spaced.upstreamHeaders['x-api-key']).toBeUndefined();
    const raw = await both.api({ authorization: 'the-master', 'x-gateway-key': secret, 'x-api-key': 'sk-ant-client' }, undefined);
    expect(raw.upstreamHeaders.authorization).toBeUndefined();
    const rawKey = await both.api({ authorization: secret, 'x-gateway-key': secret, 'x-api-key': 'sk-ant-client' }, undefined);
    expect(rawKey.upstreamHeaders.authorization).toBeUndefined();
  });

  it('refuses, in every mode, a request whose forwarded headers still carry a gateway key or the master key (C12)', async () => {
    const { key: secret } = await key();
    const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
    for (const mode of ['passthrough', 'keys', 'both']) {
      const gate = auth({ mode, master_key: 'the-master-key-123' });
      const own = mode === 'passthrough' ? { 'x-api-key': 'sk-ant-client' } : mode === 'keys' ? { 'x-api-key': secret } : { 'x-api-key': 'sk-ant-client', 'x-gateway-key': secret };
      for (const extra of [
        { authorization: 'the-master-key-123' },
        { authorization: basic('user:the-master-key-123') },
        { authorization: basic(`${secret}:`) },
        { 'x-custom': `token=${secret}` },
        { 'x-custom': 'prefix-the-master-key-123-suffix' },
        { 'anthropic-beta': `a,${secret}` },
      ]) {
        const headers = { ...own, ...extra };
        let refused: GatewayError | undefined;
        try {
          const passed = await gate.api(headers, undefined);
          // Let through only with the secret gone (a keys-mode credential header is replaced).
          expect(JSON.stringify(passed.upstreamHeaders)).not.toMatch(/sk-gw-|the-master-key-123/);
        } catch (error) {
          refused = error as GatewayError;
        }
        if (refused !== undefined) expect(['GW_SECRET_IN_HEADER', 'GW_KEY_INVALID', 'GW_KEY_REQUIRED']).toContain(refused.code);
        // A credential header in keys or both mode may instead be removed (the secret gone, as checked above).
        if (!('authorization' in extra) || mode === 'passthrough') expect([mode, extra, refused?.code]).toEqual([mode, extra, 'GW_SECRET_IN_HEADER']);
      }
    }
  });

  it('refuses a credential header holding several credentials (C12)', async () => {
    for (const headers of [{ 'x-api-key': 'sk-ant-a, sk-gw-b' }, { 'x-api-key': ['sk-ant-a', 'sk-ant-b'] }, { authorization: 'Bearer sk-ant-a, Bearer sk-ant-b' }, { 'x-api-key': 'sk-ant-a', 'x-gateway-key': 'k1, k2' }]) {
      expect((await refusal(auth({ mode: 'both' }).api(headers, undefined))).code).toBe('GW_DUPLICATE_CREDENTIAL');
      expect((await refusal(auth().api(headers, undefined))).code).toBe('GW_DUPLICATE_CREDENTIAL');
    }
  });

  it('a pepper changes the digest: keys stored without it no longer verify', async () => {
    const { key: secret } = await key({}, 'pepper-1');
    expect((await auth({ mode: 'keys', key_pepper: 'pepper-1' }).api({ 'x-api-key': secret }, undefined)).principal.kind).toBe('key');
    expect((await refusal(auth({ mode: 'keys', key_pepper: 'pepper-2' }).api({ 'x-api-key': secret }, undefined))).code).toBe('GW_KEY_INVALID');
  });

  it('the master key is an administrator in every mode and is never forwarded', async () => {
    for (const mode of ['passthrough', 'keys', 'both']) {
      const gate = auth({ mode, master_key: 'the-master' });
      const passed = await gate.api({ 'x-api-key': 'the-master' }, undefined);
      expect(passed.principal.kind).toBe('admin');
      expect(passed.upstreamHeaders['x-api-key']).toBeUndefined();
      expect(() => gate.requireAdmin({ authorization: 'Bearer the-master' })).not.toThrow();
      expect(() => gate.requireAdmin({ 'x-api-key': 'not-the-master' })).toThrow(expect.objectContaining({ code: 'GW_FORBIDDEN' }));
      expect(() => gate.requireAdmin({})).toThrow(expect.objectContaining({ code: 'GW_ADMIN_REQUIRED' }));
    }
    expect(() => auth({ mode: 'keys' }).requireAdmin({ 'x-api-key': 'anything' })).toThrow(expect.objectContaining({ code: 'GW_ADMIN_REQUIRED' }));
  });

  it('revoked keys fail at once through this instance; other instances within the cache time', async () => {
    const gate = auth({ mode: 'keys', key_cache_ms: 5_000 });
    const other = auth({ mode: 'keys', key_cache_ms: 5_000 });
    const { key: secret, record } = await key();
    await gate.api({ 'x-api-key': secret }, undefined);
    await other.api({ 'x-api-key': secret }, undefined);
    await store.updateKey(record.id, { status: 'revoked' }, now);
    gate.invalidate(record.id);
    expect((await refusal(gate.api({ 'x-api-key': secret }, undefined))).code).toBe('GW_KEY_INVALID');
    // The other instance trusts its copy until it expires, then reads the revocation.
    expect((await other.api({ 'x-api-key': secret }, undefined)).principal.kind).toBe('key');
    now += 5_001;
    expect((await refusal(other.api({ 'x-api-key': secret }, undefined))).code).toBe('GW_KEY_INVALID');
  });

  it('a key disabled for its budget is refused with billing_error until the next UTC month re-enables it', async () => {
    const gate = auth({ mode: 'keys' });
    const { key: secret, record } = await key({ status: 'disabled', disabledReason: 'budget_exceeded', disabledMonth: '2026-11' });
    const refused = await refusal(gate.api({ 'x-api-key': secret }, undefined));
    expect(refused).toMatchObject({ code: 'GW_BUDGET_EXHAUSTED', status: 402, type: 'billing_error' });
    expect(refused.message).not.toContain(record.digest);
    now = Date.UTC(2026, 11, 1, 0, 0, 1);
    expect((await gate.api({ 'x-api-key': secret }, undefined)).principal.kind).toBe('key');
    expect(await store.getKey(record.id)).toMatchObject({ status: 'active' });
    expect((await store.getKey(record.id))?.disabledReason).toBeUndefined();
    // An administrator's disable is not lifted by the calendar.
    const { key: held } = await key({ status: 'disabled', disabledReason: 'left the team' });
    expect((await refusal(gate.api({ 'x-api-key': held }, undefined))).code).toBe('GW_KEY_DISABLED');
  });
});
