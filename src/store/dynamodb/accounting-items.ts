import type { ApiKeyRecord, BudgetState, KeyStatus, UsageOutcome, UsageRecord, UsageState } from '../accounting.ts';
import type { ServiceTier } from '../../service-tier.ts';
import { omitUndefined } from '../accounting-validation.ts';
import { pendingShards } from './tables.ts';

/**
 * DynamoDB items of the accounting tables to records and back. Attribute names are the SQLite
 * columns' (snake_case); an absent optional field is an absent attribute. The only secret-like
 * value in any item is the key digest.
 */

export type Item = Record<string, unknown>;

/** The id of the item that reserves a digest in the keys table (it has no `user_id`, so no index sees it). */
export function digestGuardId(digest: string): string {
  return `digest#${digest}`;
}

export function isDigestGuardId(id: string): boolean {
  return id.startsWith('digest#');
}

/**
 * The usage sort key: `startedAt` zero-padded to 15 digits, `#`, the request id. The intent and
 * final rows of one request (same user, same start) are one item, and a user's rows sort by time.
 */
export function usageSortKey(startedAt: number, requestId: string): string {
  return `${String(startedAt).padStart(15, '0')}#${requestId}`;
}

/** The sort-key range `[from, to)` of epoch ms as an inclusive `BETWEEN` pair (`$` sorts right after `#`). */
export function usageSortKeyRange(from: number, to: number): { readonly low: string; readonly high: string } {
  return { low: String(from).padStart(15, '0'), high: `${String(to - 1).padStart(15, '0')}$` };
}

/** The `in-progress-index` partition of a request (FNV-1a of its id), spreading in-flight rows over shards. */
export function pendingShard(requestId: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < requestId.length; index++) {
    hash ^= requestId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return String(hash % pendingShards);
}

export function toKeyItem(record: ApiKeyRecord): Item {
  return {
    id: record.id,
    digest: record.digest,
    prefix: record.prefix,
    user_id: record.userId,
    name: record.name,
    status: record.status,
    disabled_reason: record.disabledReason,
    disabled_month: record.disabledMonth,
    service_tier: record.serviceTier,
    rpm_limit: record.rpmLimit,
    tpm_limit: record.tpmLimit,
    monthly_budget_micros: record.monthlyBudgetMicros,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** Patch field -> attribute, for `updateKey`'s `SET` / `REMOVE`. */
export const keyPatchAttributes = {
  name: 'name',
  status: 'status',
  disabledReason: 'disabled_reason',
  disabledMonth: 'disabled_month',
  serviceTier: 'service_tier',
  rpmLimit: 'rpm_limit',
  tpmLimit: 'tpm_limit',
  monthlyBudgetMicros: 'monthly_budget_micros',
} as const;

export function fromKeyItem(item: Item): ApiKeyRecord {
  return omitUndefined({
    id: text(item, 'id'),
    digest: text(item, 'digest'),
    prefix: text(item, 'prefix'),
    userId: text(item, 'user_id'),
    name: text(item, 'name'),
    status: text(item, 'status') as KeyStatus,
    disabledReason: optionalText(item, 'disabled_reason'),
    disabledMonth: optionalText(item, 'disabled_month'),
    serviceTier: optionalText(item, 'service_tier') as ServiceTier | undefined,
    rpmLimit: optionalNumber(item, 'rpm_limit'),
    tpmLimit: optionalNumber(item, 'tpm_limit'),
    monthlyBudgetMicros: optionalNumber(item, 'monthly_budget_micros'),
    createdAt: number(item, 'created_at'),
    updatedAt: number(item, 'updated_at'),
  });
}

export function toUsageItem(record: UsageRecord): Item {
  return {
    user_id: record.userId,
    sk: usageSortKey(record.startedAt, record.requestId),
    request_id: record.requestId,
    started_at: record.startedAt,
    state: record.state,
    pending: record.state === 'in_progress' ? pendingShard(record.requestId) : undefined,
    key_id: record.keyId,
    credential_id: record.credentialId,
    route: record.route,
    model_requested: record.modelRequested,
    model_served: record.modelServed,
    provider: record.provider,
    region: record.region,
    service_tier: record.serviceTier,
    stream: record.stream,
    status: record.status,
    error_type: record.errorType,
    fallback: record.fallback,
    outcome: record.outcome,
    input_tokens: record.inputTokens,
    output_tokens: record.outputTokens,
    cache_read_tokens: record.cacheReadTokens,
    cache_write_5m_tokens: record.cacheWrite5mTokens,
    cache_write_1h_tokens: record.cacheWrite1hTokens,
    cost_micros: record.costMicros,
    reserved_micros: record.reservedMicros,
    budget_month: record.budgetMonth,
    latency_ms: record.latencyMs,
    ttfb_ms: record.ttfbMs,
    expires_at: record.expiresAt,
  };
}

export function fromUsageItem(item: Item): UsageRecord {
  const stream = item['stream'];
  if (typeof stream !== 'boolean') throw malformed('stream');
  return omitUndefined({
    requestId: text(item, 'request_id'),
    startedAt: number(item, 'started_at'),
    state: text(item, 'state') as UsageState,
    userId: text(item, 'user_id'),
    keyId: optionalText(item, 'key_id'),
    credentialId: optionalText(item, 'credential_id'),
    route: text(item, 'route'),
    modelRequested: optionalText(item, 'model_requested'),
    modelServed: optionalText(item, 'model_served'),
    provider: optionalText(item, 'provider'),
    region: optionalText(item, 'region'),
    serviceTier: optionalText(item, 'service_tier'),
    stream,
    status: optionalNumber(item, 'status'),
    errorType: optionalText(item, 'error_type'),
    fallback: optionalText(item, 'fallback'),
    outcome: optionalText(item, 'outcome') as UsageOutcome | undefined,
    inputTokens: number(item, 'input_tokens'),
    outputTokens: number(item, 'output_tokens'),
    cacheReadTokens: number(item, 'cache_read_tokens'),
    cacheWrite5mTokens: number(item, 'cache_write_5m_tokens'),
    cacheWrite1hTokens: number(item, 'cache_write_1h_tokens'),
    costMicros: number(item, 'cost_micros'),
    reservedMicros: number(item, 'reserved_micros'),
    budgetMonth: optionalText(item, 'budget_month'),
    latencyMs: optionalNumber(item, 'latency_ms'),
    ttfbMs: optionalNumber(item, 'ttfb_ms'),
    expiresAt: number(item, 'expires_at'),
  });
}

export function text(item: Item, attribute: string): string {
  const value = item[attribute];
  if (typeof value !== 'string') throw malformed(attribute);
  return value;
}

export function optionalText(item: Item, attribute: string): string | undefined {
  const value = item[attribute];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformed(attribute);
  return value;
}

export function number(item: Item, attribute: string): number {
  const value = item[attribute];
  if (typeof value !== 'number') throw malformed(attribute);
  return value;
}

export function optionalNumber(item: Item, attribute: string): number | undefined {
  const value = item[attribute];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw malformed(attribute);
  return value;
}

function malformed(attribute: string): Error {
  return new Error(`a DynamoDB accounting item is malformed (attribute ${attribute})`);
}

/**
 * Runs `task` over `items` with at most `limit` in flight. After a failure no new task starts;
 * the first error is thrown once the running ones have settled.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** A budget item as the store reports it (no item: nothing spent or reserved). */
export function toBudgetState(item: Item | undefined): BudgetState {
  if (item === undefined) return { spentMicros: 0, reservedMicros: 0 };
  return { spentMicros: optionalNumber(item, 'spent') ?? 0, reservedMicros: optionalNumber(item, 'reserved') ?? 0 };
}
