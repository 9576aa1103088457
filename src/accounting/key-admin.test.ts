import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { SqliteAccountingStore } from '../store/sqlite/accounting.ts';
import { createApiKey, keyView, parseCreateKeyInput, parseUpdateKeyInput, printable, revokeApiKey, toKeyPatch, updateApiKey } from './key-admin.ts';
import { isUserId, userIdProblem } from './auth.ts';
import { digestKey, parseKey } from './keys.ts';

const T0 = Date.UTC(2026, 2, 14, 9, 30);

function invalidField(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('GW_INVALID_FIELD');
    return (error as GatewayError).message;
  }
  throw new Error('no error thrown');
}

describe('create and update inputs', () => {
  it.each([
    [{ name: 'n' }, 'user_id: '],
    [{ user_id: '', name: 'n' }, 'user_id: must be 1-128 characters'],
    [{ user_id: 'a b', name: 'n' }, 'user_id: must be 1-128 characters'],
    [{ user_id: 'x'.repeat(129), name: 'n' }, 'user_id: must be 1-128 characters'],
    [{ user_id: 'alice', name: '' }, 'name: must not be empty'],
    [{ user_id: 'alice', name: 'n'.repeat(201) }, 'name: must be at most 200 characters'],
    [{ user_id: 'alice', name: 'n', service_tier: 'turbo' }, 'service_tier: '],
    [{ user_id: 'alice', name: 'n', rpm_limit: 0 }, 'rpm_limit: must be positive'],
    [{ user_id: 'alice', name: 'n', tpm_limit: 1.5 }, 'tpm_limit: must be an integer'],
    [{ user_id: 'alice', name: 'n', rpm_limit: '10' }, 'rpm_limit: '],
    [{ user_id: 'alice', name: 'n', monthly_budget_usd: -1 }, 'monthly_budget_usd: must be positive'],
    [{ user_id: 'alice', name: 'n', monthly_budget_usd: 0.0000001 }, 'monthly_budget_usd: must be at least 0.000001'],
    [{ user_id: 'alice', name: 'n', rpm_limit: null }, 'rpm_limit: '],
    [{ user_id: 'alice', name: 'n', digest: 'ab' }, 'unknown field digest'],
  ])('create refuses %j', (input, message) => {
    expect(invalidField(() => parseCreateKeyInput(input))).toContain(message);
  });

  it('create accepts every field', () => {
    const input = { user_id: 'a.b_c@d+e-f', name: 'laptop', service_tier: 'priority', rpm_limit: 60, tpm_limit: 100_000, monthly_budget_usd: 12.5 };
    expect(parseCreateKeyInput(input)).toEqual(input);
  });

  it.each([
    [{}, 'Nothing to change'],
    [{ status: 'revoked' }, 'status: '],
    [{ user_id: 'bob' }, 'unknown field user_id'],
    [{ name: null }, 'name: '],
  ])('update refuses %j', (input, message) => {
    expect(invalidField(() => parseUpdateKeyInput(input))).toContain(message);
  });

  it('update maps null to a cleared limit and status to its reason fields', () => {
    expect(toKeyPatch({ rpm_limit: null, tpm_limit: 5, monthly_budget_usd: null, service_tier: null, name: 'x' })).toEqual({ name: 'x', serviceTier: null, rpmLimit: null, tpmLimit: 5, monthlyBudgetMicros: null });
    expect(toKeyPatch({ monthly_budget_usd: 0.25 })).toEqual({ monthlyBudgetMicros: 250_000 });
    expect(toKeyPatch({ status: 'active' })).toEqual({ status: 'active', disabledReason: null, disabledMonth: null });
    expect(toKeyPatch({ status: 'disabled' })).toEqual({ status: 'disabled', disabledReason: 'disabled_by_admin', disabledMonth: null });
  });
});

describe('key lifecycle', () => {
  let store: SqliteAccountingStore;
  beforeEach(() => {
    store = SqliteAccountingStore.open(':memory:');
  });
  afterEach(async () => store.close());

  it('creates a key whose digest alone is stored, and shows a view without it', async () => {
    const { key, record } = await createApiKey(store, { user_id: 'alice', name: 'laptop', monthly_budget_usd: 20, rpm_limit: 30 }, { pepper: 'pepper', now: T0 });
    expect(parseKey(key)?.id).toBe(record.id);
    expect(record.digest).toBe(digestKey(key, 'pepper'));
    expect(await store.getKey(record.id)).toEqual(record);
    expect(keyView(record)).toEqual({
      id: record.id,
      prefix: `sk-gw-${record.id}`,
      user_id: 'alice',
      name: 'laptop',
      status: 'active',
      disabled_reason: null,
      disabled_month: null,
      service_tier: null,
      rpm_limit: 30,
      tpm_limit: null,
      monthly_budget_usd: 20,
      created_at: '2026-03-14T09:30:00.000Z',
      updated_at: '2026-03-14T09:30:00.000Z',
    });
    expect(JSON.stringify(keyView(record))).not.toContain(record.digest);
  });

  it('validates input even when called without parsing first', async () => {
    await expect(createApiKey(store, { user_id: 'no spaces', name: 'x' }, { pepper: undefined, now: T0 })).rejects.toMatchObject({ code: 'GW_INVALID_FIELD' });
  });

  it('updates, re-activates a budget-disabled key, and revokes for good', async () => {
    const { record } = await createApiKey(store, { user_id: 'alice', name: 'laptop', tpm_limit: 10 }, { pepper: undefined, now: T0 });
    await store.updateKey(record.id, { status: 'disabled', disabledReason: 'budget_exceeded', disabledMonth: '2026-03' }, T0);
    const updated = await updateApiKey(store, record.id, { status: 'active', tpm_limit: null, name: 'desk' }, T0 + 1_000);
    expect(updated).toMatchObject({ status: 'active', name: 'desk', updatedAt: T0 + 1_000 });
    expect(updated?.disabledReason).toBeUndefined();
    expect(updated?.disabledMonth).toBeUndefined();
    expect(updated?.tpmLimit).toBeUndefined();

    expect((await revokeApiKey(store, record.id, T0 + 2_000))?.status).toBe('revoked');
    expect((await revokeApiKey(store, record.id, T0 + 3_000))?.updatedAt).toBe(T0 + 2_000);
    await expect(updateApiKey(store, record.id, { status: 'active' }, T0 + 4_000)).rejects.toMatchObject({ code: 'GW_INVALID_FIELD' });
    expect((await store.getKey(record.id))?.status).toBe('revoked');
  });

  it('answers undefined for an unknown id', async () => {
    expect(await updateApiKey(store, 'nope', { name: 'x' }, T0)).toBeUndefined();
    expect(await revokeApiKey(store, 'nope', T0)).toBeUndefined();
  });
});

describe('user ids and free text (issue 10 A6)', () => {
  it.each([
    ['alice', undefined],
    ['a.b_c@d+e-f', undefined],
    ['admin', 'is reserved (admin, default cannot be user ids)'],
    ['ADMIN', 'is reserved (admin, default cannot be user ids)'],
    ['Default', 'is reserved (admin, default cannot be user ids)'],
    [':admin', 'must be 1-128 characters of A-Z a-z 0-9 . _ @ + -'],
    ['x'.repeat(129), 'must be 1-128 characters of A-Z a-z 0-9 . _ @ + -'],
  ])('%s: %s', (id, problem) => {
    expect(userIdProblem(id)).toBe(problem);
    expect(isUserId(id)).toBe(problem === undefined);
  });

  it('printable escapes control characters and bidirectional overrides, nothing else', () => {
    expect(printable('caf\u00e9 ☃ ok')).toBe('caf\u00e9 ☃ ok');
    expect(printable('a\u001b[31m\r\n\t\u0000\u007f\u009b\u202e\u2028b')).toBe('a\\u{1b}[31m\\u{d}\\u{a}\\u{9}\\u{0}\\u{7f}\\u{9b}\\u{202e}\\u{2028}b');
  });
});
