import { generateKey } from '../../src/accounting/keys.ts';
import type { AccountingStore, ApiKeyRecord } from '../../src/store/accounting.ts';

/**
 * Stores a new active gateway key straight in the accounting store (no admin API call, so any
 * record can be made: a reserved user id, a name an older version let through). Returns the key
 * to send and its id.
 */
export async function storeKey(store: AccountingStore, fields: Partial<ApiKeyRecord> & { readonly userId: string }): Promise<{ key: string; id: string }> {
  const made = generateKey(undefined);
  const now = Date.now();
  await store.createKey({ id: made.id, digest: made.digest, prefix: made.prefix, name: 'test', status: 'active', createdAt: now, updatedAt: now, ...fields });
  return { key: made.key, id: made.id };
}
