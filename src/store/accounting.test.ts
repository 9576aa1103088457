import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDynalite, type TestDynamo } from '../../test/helpers/dynalite.ts';
import { DuplicateKeyError, type AccountingStore, type AccountingStoreKind, type ApiKeyRecord, type UsageOutcome, type UsageRecord } from './accounting.ts';
import { DynamoAccountingStore } from './dynamodb/accounting.ts';
import { describeTables, dynamoTables, setupTables } from './dynamodb/tables.ts';
import { SqliteAccountingStore } from './sqlite/accounting.ts';

const now = 1_700_000_000_000; // 2023-11-14T22:13:20Z
const day = 86_400_000;
const month = '2023-11';

/** Fresh state for one test; every `open` is another store on that same state (another process or host). */
interface Backend {
  open(): Promise<AccountingStore>;
  dispose(): Promise<void>;
}

/** A day's requests by outcome (every outcome named, zeros included). */
function outcomes(counts: Partial<Record<UsageOutcome, number>>): Record<UsageOutcome, number> {
  return { completed: 0, client_aborted: 0, upstream_error: 0, interrupted: 0, ...counts };
}

function key(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const id = overrides.id ?? 'key_AbCdEfGh12345678';
  return { id, digest: `digest-of-${id}`, prefix: `sk-gw-${id.slice(0, 8)}`, userId: 'alice', name: 'laptop', status: 'active', createdAt: now, updatedAt: now, ...overrides };
}

function usage(overrides: Partial<UsageRecord> & Pick<UsageRecord, 'requestId'>): UsageRecord {
  return {
    startedAt: now,
    state: 'complete',
    userId: 'alice',
    route: 'messages',
    stream: false,
    inputTokens: 100,
    outputTokens: 20,
    cacheReadTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    costMicros: 1_000,
    reservedMicros: 0,
    expiresAt: Math.floor(now / 1000) + 90 * 86_400,
    ...overrides,
  };
}

const fullKey = key({
  id: 'key_Full000000000000',
  disabledReason: 'budget_exceeded',
  disabledMonth: '2023-10',
  serviceTier: 'priority',
  rpmLimit: 60,
  tpmLimit: 100_000,
  monthlyBudgetMicros: 25_000_000,
});

const fullUsage = usage({
  requestId: 'req_full',
  keyId: 'key_Full000000000000',
  credentialId: 'cred3f2a9c',
  modelRequested: 'claude-sonnet-4-5',
  modelServed: 'us.anthropic.claude-sonnet-4-5-v1:0',
  provider: 'bedrock',
  region: 'us-west-2',
  serviceTier: 'priority',
  stream: true,
  status: 200,
  errorType: 'overloaded_error',
  fallback: 'rate_limited',
  inputTokens: 1_234,
  outputTokens: 567,
  cacheReadTokens: 89,
  cacheWrite5mTokens: 10,
  cacheWrite1hTokens: 11,
  costMicros: 4_321,
  reservedMicros: 50_000,
  budgetMonth: month,
  latencyMs: 812.5,
  ttfbMs: 120.25,
});

function describeAccountingStore(kind: AccountingStoreKind, createBackend: () => Promise<Backend>): void {
  describe(`${kind} accounting store (shared suite)`, () => {
    let backend: Backend;
    let store: AccountingStore;
    beforeEach(async () => {
      backend = await createBackend();
      store = await backend.open();
    });
    afterEach(() => backend.dispose());

    describe('keys', () => {
      it('reads a key back by id and by digest, optional fields and all', async () => {
        expect(store.kind).toBe(kind);
        const minimal = key();
        await store.createKey(minimal);
        await store.createKey(fullKey);
        expect(await store.getKey(minimal.id)).toEqual(minimal);
        expect(await store.getKey(fullKey.id)).toEqual(fullKey);
        expect(await store.getKeyByDigest(fullKey.digest)).toEqual(fullKey);
        expect(await store.getKeyByDigest(minimal.digest)).toEqual(minimal);
        expect(await store.getKey('key_Missing00000000')).toBeUndefined();
        expect(await store.getKeyByDigest('no-such-digest')).toBeUndefined();
      });

      it('refuses a second key with the same id or the same digest, and keeps the first intact', async () => {
        const first = key();
        await store.createKey(first);
        const sameId = key({ digest: 'another-digest', name: 'intruder' });
        const sameDigest = key({ id: 'key_Other00000000000', digest: first.digest, name: 'intruder' });
        await expect(store.createKey(sameId)).rejects.toThrow(new DuplicateKeyError('id'));
        await expect(store.createKey(sameDigest)).rejects.toBeInstanceOf(DuplicateKeyError);
        await expect(store.createKey(sameDigest)).rejects.toThrow('an API key with this digest exists already');
        expect(await store.getKey(first.id)).toEqual(first);
        expect(await store.getKeyByDigest(first.digest)).toEqual(first);
        expect(await store.getKey(sameDigest.id)).toBeUndefined();
        expect(await store.getKeyByDigest(sameId.digest)).toBeUndefined();
        // The refused key left nothing behind: its digest is free for another key.
        const later = key({ id: 'key_Later00000000000', digest: sameId.digest });
        await store.createKey(later);
        expect(await store.getKeyByDigest(sameId.digest)).toEqual(later);
        expect(await store.listKeys()).toEqual([first, later]);
      });

      it('lists keys oldest first (ties by id), all or one user\'s', async () => {
        const keys = [
          key({ id: 'key_C', userId: 'alice', createdAt: now + 2 }),
          key({ id: 'key_B', userId: 'bob', createdAt: now + 1 }),
          key({ id: 'key_A', userId: 'alice', createdAt: now + 2 }),
          key({ id: 'key_D', userId: 'alice', createdAt: now }),
        ];
        for (const record of keys) await store.createKey(record);
        const [c, b, a, d] = keys;
        expect(await store.listKeys()).toEqual([d, b, a, c]);
        expect(await store.listKeys({ userId: 'alice' })).toEqual([d, a, c]);
        expect(await store.listKeys({ userId: 'bob' })).toEqual([b]);
        expect(await store.listKeys({ userId: 'carol' })).toEqual([]);
      });

      it('updates the given fields, clears those set to null, leaves the rest and stamps updatedAt', async () => {
        await store.createKey(fullKey);
        const updated = await store.updateKey(fullKey.id, { name: 'ci', status: 'disabled', rpmLimit: 5, disabledReason: null, tpmLimit: null, serviceTier: null }, now + 60_000);
        const { disabledReason: _reason, tpmLimit: _tpm, serviceTier: _tier, ...kept } = fullKey;
        const expected = { ...kept, name: 'ci', status: 'disabled', rpmLimit: 5, updatedAt: now + 60_000 };
        expect(updated).toEqual(expected);
        expect(await store.getKey(fullKey.id)).toEqual(expected);
        expect(await store.getKeyByDigest(fullKey.digest)).toEqual(expected);
        expect(await store.updateKey(fullKey.id, {}, now + 61_000)).toEqual({ ...expected, updatedAt: now + 61_000 });
        expect(await store.updateKey(fullKey.id, { monthlyBudgetMicros: null, disabledMonth: null, serviceTier: 'flex' }, now + 62_000)).toEqual({
          ...kept,
          name: 'ci',
          status: 'disabled',
          rpmLimit: 5,
          serviceTier: 'flex',
          monthlyBudgetMicros: undefined,
          disabledMonth: undefined,
          updatedAt: now + 62_000,
        });
      });

      it('updates nothing and says so for a key that does not exist', async () => {
        expect(await store.updateKey('key_Missing00000000', { status: 'revoked' }, now)).toBeUndefined();
        expect(await store.getKey('key_Missing00000000')).toBeUndefined();
        expect(await store.listKeys()).toEqual([]);
      });
    });

    describe('budgets', () => {
      it('reserves, then settles a reservation into spent', async () => {
        expect(await store.getBudget('key_A', month)).toEqual({ spentMicros: 0, reservedMicros: 0 });
        expect(await store.reserveBudget('key_A', month, 300, 1_000)).toEqual({ ok: true });
        expect(await store.reserveBudget('key_A', month, 200, 1_000)).toEqual({ ok: true });
        expect(await store.getBudget('key_A', month)).toEqual({ spentMicros: 0, reservedMicros: 500 });
        expect(await store.settleBudget('key_A', month, 300, 120)).toEqual({ spentMicros: 120, reservedMicros: 200 });
        expect(await store.settleBudget('key_A', month, 200, 250)).toEqual({ spentMicros: 370, reservedMicros: 0 });
        expect(await store.getBudget('key_A', month)).toEqual({ spentMicros: 370, reservedMicros: 0 });
        // Other months and other keys are other budgets.
        expect(await store.getBudget('key_A', '2023-12')).toEqual({ spentMicros: 0, reservedMicros: 0 });
        expect(await store.getBudget('key_B', month)).toEqual({ spentMicros: 0, reservedMicros: 0 });
      });

      it('admits a reservation that reaches the limit exactly and refuses one beyond it, telling spent from reserved', async () => {
        await store.reserveBudget('key_A', month, 600, 1_000);
        await store.settleBudget('key_A', month, 600, 600);
        await store.reserveBudget('key_A', month, 300, 1_000);
        expect(await store.reserveBudget('key_A', month, 101, 1_000)).toEqual({ ok: false, spentMicros: 600, reservedMicros: 300 });
        expect(await store.reserveBudget('key_A', month, 100, 1_000)).toEqual({ ok: true });
        expect(await store.reserveBudget('key_A', month, 0, 1_000)).toEqual({ ok: true });
        expect(await store.reserveBudget('key_A', month, 1, 1_000)).toEqual({ ok: false, spentMicros: 600, reservedMicros: 400 });
        // A lower limit (the budget was cut) refuses even an empty reservation once over it.
        expect(await store.reserveBudget('key_A', month, 0, 900)).toEqual({ ok: false, spentMicros: 600, reservedMicros: 400 });
        expect(await store.getBudget('key_A', month)).toEqual({ spentMicros: 600, reservedMicros: 400 });
      });

      it('refuses a first reservation larger than the whole limit and stores nothing', async () => {
        expect(await store.reserveBudget('key_A', month, 1_001, 1_000)).toEqual({ ok: false, spentMicros: 0, reservedMicros: 0 });
        expect(await store.getBudget('key_A', month)).toEqual({ spentMicros: 0, reservedMicros: 0 });
        expect(await store.reserveBudget('key_A', month, 1_000, 1_000)).toEqual({ ok: true });
      });

      it('never lets reserved go below zero when a settlement releases more than is held', async () => {
        await store.reserveBudget('key_A', month, 100, 1_000);
        expect(await store.settleBudget('key_A', month, 500, 50)).toEqual({ spentMicros: 50, reservedMicros: 0 });
        // A settlement with no reservation row at all (e.g. after a restart) still charges.
        expect(await store.settleBudget('key_B', month, 70, 30)).toEqual({ spentMicros: 30, reservedMicros: 0 });
        expect(await store.settleBudget('key_A', month, 0, 0)).toEqual({ spentMicros: 50, reservedMicros: 0 });
        // The budget stays usable and exact after clamping.
        expect(await store.reserveBudget('key_A', month, 950, 1_000)).toEqual({ ok: true });
        expect(await store.reserveBudget('key_A', month, 1, 1_000)).toEqual({ ok: false, spentMicros: 50, reservedMicros: 950 });
      });

      it('C1: 200 concurrent reservations admit exactly floor(remaining / amount), and settle back within the budget', async () => {
        const limit = 1_000_000;
        await store.reserveBudget('key_A', month, 130_000, limit);
        await store.settleBudget('key_A', month, 130_000, 130_000); // remaining: 870,000
        const other = await backend.open();
        const amount = 7_000;
        const results = await Promise.all(Array.from({ length: 200 }, (_, index) => (index % 2 === 0 ? store : other).reserveBudget('key_A', month, amount, limit)));
        const admitted = results.filter((result) => result.ok).length;
        expect(admitted).toBe(Math.floor(870_000 / amount)); // 124
        for (const result of results) {
          if (!result.ok) expect(result.spentMicros + result.reservedMicros + amount).toBeGreaterThan(limit);
        }
        expect(await store.getBudget('key_A', month)).toEqual({ spentMicros: 130_000, reservedMicros: admitted * amount });
        await Promise.all(Array.from({ length: admitted }, (_, index) => (index % 2 === 0 ? other : store).settleBudget('key_A', month, amount, amount - (index % 3) * 1_000)));
        const after = await other.getBudget('key_A', month);
        expect(after.reservedMicros).toBe(0);
        expect(after.spentMicros).toBeLessThanOrEqual(limit);
        expect(after.spentMicros).toBe(130_000 + Array.from({ length: admitted }, (_, index) => amount - (index % 3) * 1_000).reduce((sum, value) => sum + value, 0));
      });

      it('refuses fractional or negative micro-dollars and malformed months', async () => {
        await expect(store.reserveBudget('key_A', month, 1.5, 1_000)).rejects.toThrow(TypeError);
        await expect(store.reserveBudget('key_A', month, -1, 1_000)).rejects.toThrow(TypeError);
        await expect(store.settleBudget('key_A', month, 1, Number.NaN)).rejects.toThrow(TypeError);
        await expect(store.getBudget('key_A', '2023-13')).rejects.toThrow(TypeError);
        expect(await store.getBudget('key_A', month)).toEqual({ spentMicros: 0, reservedMicros: 0 });
      });

      it('keeps a model\'s state through any sequence of reservations and settlements (property)', async () => {
        let run = 0;
        const operation = fc.oneof(
          fc.record({ kind: fc.constant('reserve' as const), amount: fc.integer({ min: 0, max: 400 }) }),
          fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), actual: fc.integer({ min: 0, max: 500 }) }),
        );
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 0, max: 1_000 }), fc.array(operation, { maxLength: 20 }), async (limit, operations) => {
            const keyId = `key_Property${run++}`;
            let spent = 0;
            let reserved = 0;
            const held: number[] = [];
            for (const step of operations) {
              if (step.kind === 'reserve') {
                const admit = spent + reserved + step.amount <= limit;
                const result = await store.reserveBudget(keyId, month, step.amount, limit);
                expect(result).toEqual(admit ? { ok: true } : { ok: false, spentMicros: spent, reservedMicros: reserved });
                if (admit) {
                  reserved += step.amount;
                  held.push(step.amount);
                }
                const state = await store.getBudget(keyId, month);
                if (admit) expect(state.spentMicros + state.reservedMicros).toBeLessThanOrEqual(limit);
              } else {
                // A held reservation, or (none held) one the store never saw, as after a crash.
                const release = held.length === 0 ? step.pick % 300 : (held.splice(step.pick % held.length, 1)[0] as number);
                reserved = Math.max(0, reserved - release);
                spent += step.actual;
                expect(await store.settleBudget(keyId, month, release, step.actual)).toEqual({ spentMicros: spent, reservedMicros: reserved });
              }
              expect(reserved).toBeGreaterThanOrEqual(0);
            }
            expect(await store.getBudget(keyId, month)).toEqual({ spentMicros: spent, reservedMicros: reserved });
          }),
          { numRuns: kind === 'sqlite' ? 100 : 25 },
        );
      });
    });

    describe('usage', () => {
      it('reads a record back by request id, optional fields and all', async () => {
        const minimal = usage({ requestId: 'req_min' });
        await store.writeUsage([minimal, fullUsage]);
        expect(await store.getUsage('req_min')).toEqual(minimal);
        expect(await store.getUsage('req_full')).toEqual(fullUsage);
        expect(await store.getUsage('req_missing')).toBeUndefined();
        await store.writeUsage([]);
      });

      it('is idempotent: the same batch written twice leaves one row per request', async () => {
        const batch = [usage({ requestId: 'req_1' }), usage({ requestId: 'req_2', userId: 'bob', costMicros: 7 }), usage({ requestId: 'req_3', state: 'in_progress', reservedMicros: 90 })];
        await store.writeUsage(batch);
        await store.writeUsage(batch);
        for (const record of batch) expect(await store.getUsage(record.requestId)).toEqual(record);
        expect(await store.usageByDay({ from: now, to: now + 1 })).toEqual([
          { userId: 'alice', day: '2023-11-14', requests: 1, inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 1_000, outcomes: outcomes({ completed: 1 }) },
          { userId: 'bob', day: '2023-11-14', requests: 1, inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 7, outcomes: outcomes({ completed: 1 }) },
        ]);
      });

      it('never lets an in_progress row replace a final one; a final row replaces anything', async () => {
        const intent = usage({ requestId: 'req_1', state: 'in_progress', inputTokens: 0, outputTokens: 0, costMicros: 0, reservedMicros: 5_000 });
        const final = usage({ requestId: 'req_1', state: 'complete', reservedMicros: 5_000, costMicros: 3_100, status: 200 });
        await store.writeUsage([intent]);
        expect(await store.getUsage('req_1')).toEqual(intent);
        const revisedIntent = { ...intent, modelServed: 'claude-sonnet-4-5' };
        await store.writeUsage([revisedIntent]);
        expect(await store.getUsage('req_1')).toEqual(revisedIntent);
        await store.writeUsage([final]);
        expect(await store.getUsage('req_1')).toEqual(final);
        await store.writeUsage([intent]);
        expect(await store.getUsage('req_1')).toEqual(final);
        const interrupted = { ...final, state: 'interrupted' as const, costMicros: 5_000 };
        await store.writeUsage([interrupted]);
        expect(await store.getUsage('req_1')).toEqual(interrupted);
        // Inside one batch the same rule applies in order.
        await store.writeUsage([final, intent]);
        expect(await store.getUsage('req_1')).toEqual(final);
        const other = usage({ requestId: 'req_2', state: 'in_progress' });
        await store.writeUsage([other, { ...other, state: 'complete', costMicros: 9 }, { ...other, modelServed: 'late' }]);
        expect(await store.getUsage('req_2')).toEqual({ ...other, state: 'complete', costMicros: 9 });
      });

      it('sums final records per user and UTC day, inside [from, to), with filters', async () => {
        const midnight = Date.UTC(2023, 10, 15); // 2023-11-15T00:00:00Z
        await store.writeUsage([
          usage({ requestId: 'r1', startedAt: midnight - 1, cacheWrite5mTokens: 3, cacheWrite1hTokens: 4, cacheReadTokens: 5 }),
          usage({ requestId: 'r2', startedAt: midnight, provider: 'bedrock', credentialId: 'cred1', costMicros: 10 }),
          usage({ requestId: 'r3', startedAt: midnight + 5_000, provider: 'anthropic', credentialId: 'cred1', inputTokens: 1, outputTokens: 2, costMicros: 20, outcome: 'client_aborted' }),
          usage({ requestId: 'r4', startedAt: midnight + 6_000, userId: 'bob', provider: 'bedrock', state: 'interrupted', costMicros: 400 }),
          usage({ requestId: 'r5', startedAt: midnight + 7_000, state: 'in_progress', costMicros: 99_999 }),
          usage({ requestId: 'r6', startedAt: midnight + day, costMicros: 1 }),
          usage({ requestId: 'r7', startedAt: midnight - day - 1, costMicros: 2 }),
        ]);
        const window = { from: midnight - day, to: midnight + day };
        expect(await store.usageByDay(window)).toEqual([
          { userId: 'alice', day: '2023-11-14', requests: 1, inputTokens: 100, outputTokens: 20, cacheReadTokens: 5, cacheWriteTokens: 7, costMicros: 1_000, outcomes: outcomes({ completed: 1 }) },
          { userId: 'alice', day: '2023-11-15', requests: 2, inputTokens: 101, outputTokens: 22, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 30, outcomes: outcomes({ completed: 1, client_aborted: 1 }) },
          // A record without an outcome counts by its state (written before outcomes were recorded).
          { userId: 'bob', day: '2023-11-15', requests: 1, inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 400, outcomes: outcomes({ interrupted: 1 }) },
        ]);
        expect(await store.usageByDay({ ...window, userId: 'bob' })).toEqual([
          { userId: 'bob', day: '2023-11-15', requests: 1, inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 400, outcomes: outcomes({ interrupted: 1 }) },
        ]);
        expect(await store.usageByDay({ ...window, provider: 'bedrock' })).toEqual([
          { userId: 'alice', day: '2023-11-15', requests: 1, inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 10, outcomes: outcomes({ completed: 1 }) },
          { userId: 'bob', day: '2023-11-15', requests: 1, inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 400, outcomes: outcomes({ interrupted: 1 }) },
        ]);
        expect(await store.usageByDay({ ...window, userId: 'alice', credentialId: 'cred1', provider: 'anthropic' })).toEqual([
          { userId: 'alice', day: '2023-11-15', requests: 1, inputTokens: 1, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 20, outcomes: outcomes({ client_aborted: 1 }) },
        ]);
        // from is inclusive, to exclusive, for every user and for one.
        for (const userId of [undefined, 'alice']) {
          expect((await store.usageByDay({ userId, from: midnight, to: midnight + 5_000 })).map((row) => row.costMicros)).toEqual([10]);
          expect((await store.usageByDay({ userId, from: midnight - 1, to: midnight })).map((row) => row.costMicros)).toEqual([1_000]);
          expect((await store.usageByDay({ userId, from: midnight + day, to: midnight + day + 1 })).map((row) => row.costMicros)).toEqual([1]);
        }
        expect(await store.usageByDay({ from: midnight, to: midnight })).toEqual([]);
        expect(await store.usageByDay({ ...window, userId: 'carol' })).toEqual([]);
      });

      it('interrupts in_progress records started before a time, charging their reservation, and returns them', async () => {
        const stale = [
          usage({ requestId: 'req_b', startedAt: now - 2_000, state: 'in_progress', reservedMicros: 700, costMicros: 0, budgetMonth: month, keyId: 'key_A' }),
          usage({ requestId: 'req_a', startedAt: now - 2_000, state: 'in_progress', reservedMicros: 300, costMicros: 0, userId: 'bob' }),
          usage({ requestId: 'req_c', startedAt: now - 3_000, state: 'in_progress', reservedMicros: 0, costMicros: 0 }),
        ];
        const fresh = usage({ requestId: 'req_fresh', startedAt: now, state: 'in_progress', reservedMicros: 900, costMicros: 0 });
        const done = usage({ requestId: 'req_done', startedAt: now - 5_000, state: 'complete', reservedMicros: 800, costMicros: 123 });
        await store.writeUsage([...stale, fresh, done]);
        const interrupted = await store.interruptStale(now);
        const [b, a, c] = stale as [UsageRecord, UsageRecord, UsageRecord];
        const expected = [c, a, b].map((record) => ({ ...record, state: 'interrupted', outcome: 'interrupted', costMicros: record.reservedMicros }));
        expect(interrupted).toEqual(expected);
        for (const record of expected) expect(await store.getUsage(record.requestId)).toEqual(record);
        expect(await store.getUsage('req_fresh')).toEqual(fresh);
        expect(await store.getUsage('req_done')).toEqual(done);
        expect(await store.interruptStale(now)).toEqual([]);
        expect((await store.usageByDay({ from: now - day, to: now + day })).map((row) => [row.userId, row.requests, row.costMicros])).toEqual([
          ['alice', 3, 700 + 0 + 123],
          ['bob', 1, 300],
        ]);
        // The request finishing after all: its final row wins over the interruption.
        const late = { ...b, state: 'complete' as const, outcome: 'completed' as const, costMicros: 650 };
        await store.writeUsage([late]);
        expect(await store.getUsage('req_b')).toEqual(late);
        expect(await store.interruptStale(now + day)).toEqual([{ ...fresh, state: 'interrupted', outcome: 'interrupted', costMicros: 900 }]);
      });

      it('refuses a record no backend could store faithfully', async () => {
        await expect(store.writeUsage([usage({ requestId: 'req_1', costMicros: 1.5 })])).rejects.toThrow(TypeError);
        await expect(store.writeUsage([usage({ requestId: 'req_1' }), usage({ requestId: '', state: 'complete' })])).rejects.toThrow(TypeError);
        await expect(store.writeUsage([usage({ requestId: 'req_1', state: 'done' as 'complete' })])).rejects.toThrow(TypeError);
        await expect(store.writeUsage([usage({ requestId: 'req_1', outcome: 'cut' as 'completed' })])).rejects.toThrow(TypeError);
        expect(await store.getUsage('req_1')).toBeUndefined();
      });
    });

    it('rejects every operation after close, and a second close does nothing', async () => {
      await store.createKey(key());
      await store.close();
      await store.close();
      const closed = `the ${kind} accounting store is closed`;
      const operations: (() => Promise<unknown>)[] = [
        () => store.createKey(key({ id: 'key_Second000000000' })),
        () => store.getKey(key().id),
        () => store.getKeyByDigest(key().digest),
        () => store.listKeys(),
        () => store.updateKey(key().id, { name: 'x' }, now),
        () => store.reserveBudget('key_A', month, 1, 10),
        () => store.settleBudget('key_A', month, 1, 1),
        () => store.getBudget('key_A', month),
        () => store.writeUsage([usage({ requestId: 'req_1' })]),
        () => store.getUsage('req_1'),
        () => store.usageByDay({ from: now, to: now + 1 }),
        () => store.interruptStale(now),
        () => store.deleteExpired(now),
      ];
      for (const operation of operations) await expect(operation()).rejects.toThrow(closed);
      // Another instance on the same state still works and saw nothing from the closed one.
      const other = await backend.open();
      expect(await other.listKeys()).toEqual([key()]);
      expect(await other.getUsage('req_1')).toBeUndefined();
    });
  });
}

function temporaryDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'claude-gateway-accounting-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

function sqliteBackend(): { backend: Backend; path: string } {
  const directory = temporaryDirectory();
  const path = join(directory.path, 'gateway.db');
  const stores: AccountingStore[] = [];
  const backend: Backend = {
    open: async () => {
      const store = SqliteAccountingStore.open(path);
      stores.push(store);
      return store;
    },
    dispose: async () => {
      await Promise.all(stores.map((store) => store.close()));
      directory.remove();
    },
  };
  return { backend, path };
}

describeAccountingStore('sqlite', async () => sqliteBackend().backend);

let dynamo: TestDynamo | undefined;
let suite = 0;
beforeAll(async () => void (dynamo = await startDynalite()));
afterAll(() => dynamo?.stop());

function connection(prefix: string): { region: string; endpoint: string; credentials: TestDynamo['credentials']; tablePrefix: string } {
  if (dynamo === undefined) throw new Error('dynalite is not running');
  return { region: dynamo.region, endpoint: dynamo.endpoint, credentials: dynamo.credentials, tablePrefix: prefix };
}

async function dynamoBackend(): Promise<Backend> {
  const options = connection(`accounting-${process.pid}-${suite++}-`);
  await setupTables({ ...options, pollIntervalMs: 5 });
  const stores: AccountingStore[] = [];
  return {
    open: async () => {
      const store = new DynamoAccountingStore(options);
      stores.push(store);
      return store;
    },
    dispose: () => Promise.all(stores.map((store) => store.close())).then(() => undefined),
  };
}

describeAccountingStore('dynamodb', dynamoBackend);

describe('sqlite accounting store', () => {
  let backend: Backend;
  let path: string;
  beforeEach(() => void ({ backend, path } = sqliteBackend()));
  afterEach(() => backend.dispose());

  it('deletes records expired before now (expiresAt in epoch seconds) and keeps the rest', async () => {
    const store = await backend.open();
    const second = Math.floor(now / 1000);
    await store.writeUsage([
      usage({ requestId: 'gone', expiresAt: second - 1 }),
      usage({ requestId: 'edge', expiresAt: second }),
      usage({ requestId: 'kept', expiresAt: second + 1 }),
    ]);
    expect(await store.deleteExpired(now)).toBe(1);
    expect(await store.getUsage('gone')).toBeUndefined();
    expect(await store.getUsage('edge')).toBeDefined();
    expect(await store.deleteExpired(now + 1)).toBe(1);
    expect(await store.getUsage('edge')).toBeUndefined();
    expect(await store.getUsage('kept')).toBeDefined();
    expect(await store.deleteExpired(now + 1)).toBe(0);
  });

  it('keeps keys, budgets and usage across close and reopen', async () => {
    const before = await backend.open();
    await before.createKey(fullKey);
    await before.reserveBudget('key_A', month, 10, 100);
    await before.writeUsage([fullUsage]);
    await before.close();
    const after = await backend.open();
    expect(await after.getKey(fullKey.id)).toEqual(fullKey);
    expect(await after.getBudget('key_A', month)).toEqual({ spentMicros: 0, reservedMicros: 10 });
    expect(await after.getUsage(fullUsage.requestId)).toEqual(fullUsage);
  });

  it('C1 across processes: four threads with their own connections admit exactly floor(remaining / amount)', async () => {
    const setup = await backend.open();
    await setup.reserveBudget('key_A', month, 50_000, 1_000_000);
    await setup.settleBudget('key_A', month, 50_000, 50_000); // remaining 950,000
    const amount = 9_000;
    const admitted = await raceInThreads(path, { threads: 4, attempts: 50, keyId: 'key_A', month, amount, limit: 1_000_000 });
    expect(admitted.reduce((sum, count) => sum + count, 0)).toBe(Math.floor(950_000 / amount)); // 105
    expect(await setup.getBudget('key_A', month)).toEqual({ spentMicros: 50_000, reservedMicros: 105 * amount });
  });
});

/** Runs `attempts` reservations in each of `threads` worker threads (each its own SQLite connection), all released at once. */
async function raceInThreads(
  path: string,
  race: { threads: number; attempts: number; keyId: string; month: string; amount: number; limit: number },
): Promise<number[]> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const { SqliteAccountingStore } = await import(workerData.moduleUrl);
      const store = SqliteAccountingStore.open(workerData.path, { busyTimeoutMs: 20000 });
      const gate = new Int32Array(workerData.gate);
      Atomics.add(gate, 1, 1);
      Atomics.wait(gate, 0, 0);
      let admitted = 0;
      for (let attempt = 0; attempt < workerData.attempts; attempt++) {
        const result = await store.reserveBudget(workerData.keyId, workerData.month, workerData.amount, workerData.limit);
        if (result.ok) admitted++;
      }
      await store.close();
      parentPort.postMessage(admitted);
    })();
  `;
  const gate = new Int32Array(new SharedArrayBuffer(8));
  const moduleUrl = new URL('./sqlite/accounting.ts', import.meta.url).href;
  const workers = Array.from({ length: race.threads }, () => new Worker(source, { eval: true, workerData: { ...race, path, moduleUrl, gate: gate.buffer } }));
  const results = workers.map(
    (worker) =>
      new Promise<number>((resolve, reject) => {
        worker.once('message', (count: number) => resolve(count));
        worker.once('error', reject);
      }),
  );
  while (Atomics.load(gate, 1) < race.threads) await new Promise((resolve) => setTimeout(resolve, 2));
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
  try {
    return await Promise.all(results);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

describe('dynamodb tables and store', () => {
  it('setupTables creates every table with its keys, indexes and TTL, and a second run changes nothing', async () => {
    const options = connection(`setup-${process.pid}-`);
    expect((await describeTables(options)).every((report) => report.status === undefined)).toBe(true);
    const first = await setupTables({ ...options, pollIntervalMs: 5 });
    expect(first.map(({ name, created, status }) => ({ name, created, status }))).toEqual(
      Object.values(dynamoTables).map((table) => ({ name: `setup-${process.pid}-${table.suffix}`, created: true, status: 'ACTIVE' })),
    );
    // dynalite has no TTL API: reported, not fatal.
    expect(first.filter((report) => report.ttl !== undefined).map((report) => [report.table, report.ttl])).toEqual([
      ['usage', 'unsupported'],
      ['rateLimits', 'unsupported'],
      ['cooldowns', 'unsupported'],
      ['ptcContainers', 'unsupported'],
    ]);
    const second = await setupTables({ ...options, pollIntervalMs: 5 });
    expect(second.map((report) => report.created)).toEqual(first.map(() => false));
    expect((await describeTables(options)).map((report) => report.status)).toEqual(first.map(() => 'ACTIVE'));
  });

  it('setupTables refuses an existing table whose keys differ from the definition', async () => {
    const options = connection(`mismatch-${process.pid}-`);
    const { CreateTableCommand } = await import('@aws-sdk/client-dynamodb');
    const { createDynamoClient } = await import('./dynamodb/tables.ts');
    const client = createDynamoClient(options);
    await client.send(
      new CreateTableCommand({
        TableName: `mismatch-${process.pid}-keys`,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'key_id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'key_id', KeyType: 'HASH' }],
      }),
    );
    client.destroy();
    await expect(setupTables({ ...options, pollIntervalMs: 5 })).rejects.toThrow(`DynamoDB table mismatch-${process.pid}-keys exists with key schema key_id:HASH; the gateway needs id:HASH`);
  });

  it('reads every page of a report larger than one 1 MB response', async () => {
    const backend = await dynamoBackend();
    const store = await backend.open();
    const padding = 'x'.repeat(900);
    // About 1.2 KB an item: the scan spans two pages, and so does alice's query (3 of 4 items).
    const records = Array.from({ length: 1_300 }, (_, index) =>
      usage({ requestId: `req_${index}`, startedAt: now + index, modelRequested: padding, userId: index % 4 === 0 ? 'bob' : 'alice', costMicros: index }),
    );
    await store.writeUsage(records);
    const total = (rows: readonly { requests: number; costMicros: number }[]): [number, number] => [
      rows.reduce((sum, row) => sum + row.requests, 0),
      rows.reduce((sum, row) => sum + row.costMicros, 0),
    ];
    const alice = records.filter((record) => record.userId === 'alice');
    expect(total(await store.usageByDay({ from: now, to: now + day }))).toEqual([1_300, (1_299 * 1_300) / 2]);
    expect(total(await store.usageByDay({ userId: 'alice', from: now, to: now + day }))).toEqual([alice.length, alice.reduce((sum, record) => sum + record.costMicros, 0)]);
    await backend.dispose();
  });
});
