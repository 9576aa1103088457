import { z } from 'zod';
import { GatewayError } from '../errors.ts';
import { DuplicateKeyError, fromMicros, toMicros, type AccountingStore, type ApiKeyPatch, type ApiKeyRecord, type KeyStatus } from '../store/accounting.ts';
import { serviceTiers, type ServiceTier } from '../service-tier.ts';
import { userIdProblem } from './auth.ts';
import { generateKey } from './keys.ts';

/**
 * Creating, changing and revoking gateway API keys, shared by the admin HTTP API
 * (`http/routes/admin.ts`) and the CLI (`claude-gateway keys …`). Inputs and views are
 * snake_case, as on the wire. The whole key exists only in `createApiKey`'s result: it is shown
 * once and never stored (only its digest) nor logged. Callers that keep an `Authenticator`
 * must `invalidate(id)` after an update or a revocation.
 */

/** Largest monthly budget accepted, USD (keeps micro-dollars a safe integer with room to spare). */
export const MAX_BUDGET_USD = 1_000_000_000;

/** Why a key an administrator disabled is disabled (budget-disabled keys say `budget_exceeded`). */
export const ADMIN_DISABLED_REASON = 'disabled_by_admin';

const userId = z.string().superRefine((value, context) => {
  const problem = userIdProblem(value);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});

/**
 * Characters free text (a key's name) may not hold: control characters (ESC, CR, LF, NUL, …),
 * line and paragraph separators, and bidirectional overrides, which would rewrite a terminal
 * or a listing that shows the text.
 */
export const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const name = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .refine((value) => !UNPRINTABLE.test(value), 'must not contain control characters (newlines, tabs, escape sequences) or bidirectional overrides');

/** `text` with every UNPRINTABLE character shown as a \u{…} escape, for terminals and listings. */
export function printable(text: string): string {
  return text.replace(new RegExp(UNPRINTABLE.source, 'gu'), (character) => `\\u{${(character.codePointAt(0) as number).toString(16)}}`);
}

export const serviceTierSchema = z.enum(serviceTiers);
const limit = z.number().int('must be an integer').positive('must be positive').max(Number.MAX_SAFE_INTEGER, 'is too large');
const budgetUsd = z
  .number()
  .positive('must be positive')
  .max(MAX_BUDGET_USD, `must be at most ${MAX_BUDGET_USD}`)
  .refine((usd) => toMicros(usd) >= 1, 'must be at least 0.000001 (one micro-dollar)');

/** `POST /admin/keys` / `keys create`. */
export const createKeyInputSchema = z
  .object({
    user_id: userId,
    name,
    service_tier: serviceTierSchema.optional(),
    rpm_limit: limit.optional(),
    tpm_limit: limit.optional(),
    monthly_budget_usd: budgetUsd.optional(),
  })
  .strict();

/** `PATCH /admin/keys/{id}` / `keys update`: one or more of these; `null` clears a limit, tier or budget. */
export const updateKeyInputSchema = z
  .object({
    name: name.optional(),
    service_tier: serviceTierSchema.nullable().optional(),
    rpm_limit: limit.nullable().optional(),
    tpm_limit: limit.nullable().optional(),
    monthly_budget_usd: budgetUsd.nullable().optional(),
    status: z.enum(['active', 'disabled']).optional(),
  })
  .strict();

export type CreateKeyInput = z.infer<typeof createKeyInputSchema>;
export type UpdateKeyInput = z.infer<typeof updateKeyInputSchema>;

/** What is shown of a key (never its digest, never the key). */
export interface KeyView {
  readonly id: string;
  readonly prefix: string;
  readonly user_id: string;
  readonly name: string;
  readonly status: KeyStatus;
  readonly disabled_reason: string | null;
  readonly disabled_month: string | null;
  readonly service_tier: ServiceTier | null;
  readonly rpm_limit: number | null;
  readonly tpm_limit: number | null;
  readonly monthly_budget_usd: number | null;
  /** ISO 8601, UTC. */
  readonly created_at: string;
  readonly updated_at: string;
}

export interface CreatedKey {
  /** The whole key: show it once, never store or log it. */
  readonly key: string;
  readonly record: ApiKeyRecord;
}

/** `issues` as one message naming each field: `rpm_limit: must be positive; name: …`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
      const path = issue.path.map(String).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new GatewayError('GW_INVALID_FIELD', describeIssues(result.error.issues));
  return result.data;
}

/** A create input, checked; throws `GW_INVALID_FIELD` naming each bad field. */
export function parseCreateKeyInput(value: unknown): CreateKeyInput {
  return parseWith(createKeyInputSchema, value);
}

/** An update input, checked (at least one field); throws `GW_INVALID_FIELD` naming each bad field. */
export function parseUpdateKeyInput(value: unknown): UpdateKeyInput {
  const input = parseWith(updateKeyInputSchema, value);
  if (Object.keys(input).length === 0) {
    throw new GatewayError('GW_INVALID_FIELD', 'Nothing to change: send any of name, service_tier, rpm_limit, tpm_limit, monthly_budget_usd, status.');
  }
  return input;
}

const MAX_CREATE_ATTEMPTS = 3;

/** Creates a key for `input.user_id`; the result holds the whole key, to be shown once. */
export async function createApiKey(store: AccountingStore, input: CreateKeyInput, options: { readonly pepper: string | undefined; readonly now: number }): Promise<CreatedKey> {
  const checked = parseCreateKeyInput(input);
  for (let attempt = 1; ; attempt++) {
    const generated = generateKey(options.pepper);
    const record: ApiKeyRecord = {
      id: generated.id,
      digest: generated.digest,
      prefix: generated.prefix,
      userId: checked.user_id,
      name: checked.name,
      status: 'active',
      ...(checked.service_tier === undefined ? {} : { serviceTier: checked.service_tier }),
      ...(checked.rpm_limit === undefined ? {} : { rpmLimit: checked.rpm_limit }),
      ...(checked.tpm_limit === undefined ? {} : { tpmLimit: checked.tpm_limit }),
      ...(checked.monthly_budget_usd === undefined ? {} : { monthlyBudgetMicros: toMicros(checked.monthly_budget_usd) }),
      createdAt: options.now,
      updatedAt: options.now,
    };
    try {
      await store.createKey(record);
      return { key: generated.key, record };
    } catch (error) {
      // A random 16-character id colliding is all but impossible; draw again rather than fail.
      if (!(error instanceof DuplicateKeyError) || attempt >= MAX_CREATE_ATTEMPTS) throw error;
    }
  }
}

/** The store patch for an update input. */
export function toKeyPatch(input: UpdateKeyInput): ApiKeyPatch {
  return {
    ...(input.name === undefined ? {} : { name: input.name }),
    ...(input.service_tier === undefined ? {} : { serviceTier: input.service_tier }),
    ...(input.rpm_limit === undefined ? {} : { rpmLimit: input.rpm_limit }),
    ...(input.tpm_limit === undefined ? {} : { tpmLimit: input.tpm_limit }),
    ...(input.monthly_budget_usd === undefined ? {} : { monthlyBudgetMicros: input.monthly_budget_usd === null ? null : toMicros(input.monthly_budget_usd) }),
    // Re-activating forgets why the key was disabled; an administrator's disable is not undone
    // by a new budget month (only budget_exceeded keys re-enable themselves).
    ...(input.status === 'active' ? { status: 'active', disabledReason: null, disabledMonth: null } : {}),
    ...(input.status === 'disabled' ? { status: 'disabled', disabledReason: ADMIN_DISABLED_REASON, disabledMonth: null } : {}),
  };
}

/**
 * Applies an update; undefined when there is no such key. A revoked key stays revoked:
 * changing its status is refused (`GW_INVALID_FIELD`).
 */
export async function updateApiKey(store: AccountingStore, id: string, input: UpdateKeyInput, now: number): Promise<ApiKeyRecord | undefined> {
  const checked = parseUpdateKeyInput(input);
  const current = await store.getKey(id);
  if (current === undefined) return undefined;
  if (current.status === 'revoked' && checked.status !== undefined) {
    throw new GatewayError('GW_INVALID_FIELD', `status: the key ${current.prefix}… is revoked; a revoked key cannot be re-activated or disabled.`);
  }
  return store.updateKey(id, toKeyPatch(checked), now);
}

/** Revokes a key for good (idempotent); undefined when there is no such key. */
export async function revokeApiKey(store: AccountingStore, id: string, now: number): Promise<ApiKeyRecord | undefined> {
  const current = await store.getKey(id);
  if (current === undefined || current.status === 'revoked') return current;
  return store.updateKey(id, { status: 'revoked' }, now);
}

/** The snake_case view of a key: never the digest, never the key. */
export function keyView(record: ApiKeyRecord): KeyView {
  return {
    id: record.id,
    prefix: record.prefix,
    user_id: record.userId,
    name: record.name,
    status: record.status,
    disabled_reason: record.disabledReason ?? null,
    disabled_month: record.disabledMonth ?? null,
    service_tier: record.serviceTier ?? null,
    rpm_limit: record.rpmLimit ?? null,
    tpm_limit: record.tpmLimit ?? null,
    monthly_budget_usd: record.monthlyBudgetMicros === undefined ? null : fromMicros(record.monthlyBudgetMicros),
    created_at: new Date(record.createdAt).toISOString(),
    updated_at: new Date(record.updatedAt).toISOString(),
  };
}
