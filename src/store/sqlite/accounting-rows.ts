import type { SQLInputValue, SQLOutputValue } from 'node:sqlite';
import type { ApiKeyRecord, BudgetState, KeyStatus, UsageDay, UsageOutcome, UsageRecord, UsageState } from '../accounting.ts';
import type { ServiceTier } from '../../service-tier.ts';
import { omitUndefined } from '../accounting-validation.ts';

/**
 * Rows of the accounting tables (migration 2) to records and back: snake_case columns, optional
 * fields as NULL, booleans as 0/1. A row that does not have the column types the schema promises
 * is a corrupt file and throws, rather than hand a wrong type to the gateway.
 */

type Row = Record<string, SQLOutputValue>;

export const keyColumns = [
  'id', 'digest', 'prefix', 'user_id', 'name', 'status', 'disabled_reason', 'disabled_month', 'service_tier',
  'rpm_limit', 'tpm_limit', 'monthly_budget_micros', 'created_at', 'updated_at',
] as const;

export const usageColumns = [
  'request_id', 'started_at', 'state', 'user_id', 'key_id', 'credential_id', 'route', 'model_requested', 'model_served',
  'provider', 'region', 'service_tier', 'stream', 'status', 'error_type', 'fallback', 'input_tokens', 'output_tokens',
  'cache_read_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'cost_micros', 'reserved_micros', 'budget_month',
  'latency_ms', 'ttfb_ms', 'expires_at', 'outcome',
] as const;

export type KeyRow = Record<(typeof keyColumns)[number], SQLInputValue>;
export type UsageRow = Record<(typeof usageColumns)[number], SQLInputValue>;

export function toKeyRow(record: ApiKeyRecord): KeyRow {
  return {
    id: record.id,
    digest: record.digest,
    prefix: record.prefix,
    user_id: record.userId,
    name: record.name,
    status: record.status,
    disabled_reason: record.disabledReason ?? null,
    disabled_month: record.disabledMonth ?? null,
    service_tier: record.serviceTier ?? null,
    rpm_limit: record.rpmLimit ?? null,
    tpm_limit: record.tpmLimit ?? null,
    monthly_budget_micros: record.monthlyBudgetMicros ?? null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

export function toUsageRow(record: UsageRecord): UsageRow {
  return {
    request_id: record.requestId,
    started_at: record.startedAt,
    state: record.state,
    user_id: record.userId,
    key_id: record.keyId ?? null,
    credential_id: record.credentialId ?? null,
    route: record.route,
    model_requested: record.modelRequested ?? null,
    model_served: record.modelServed ?? null,
    provider: record.provider ?? null,
    region: record.region ?? null,
    service_tier: record.serviceTier ?? null,
    stream: record.stream ? 1 : 0,
    status: record.status ?? null,
    error_type: record.errorType ?? null,
    fallback: record.fallback ?? null,
    outcome: record.outcome ?? null,
    input_tokens: record.inputTokens,
    output_tokens: record.outputTokens,
    cache_read_tokens: record.cacheReadTokens,
    cache_write_5m_tokens: record.cacheWrite5mTokens,
    cache_write_1h_tokens: record.cacheWrite1hTokens,
    cost_micros: record.costMicros,
    reserved_micros: record.reservedMicros,
    budget_month: record.budgetMonth ?? null,
    latency_ms: record.latencyMs ?? null,
    ttfb_ms: record.ttfbMs ?? null,
    expires_at: record.expiresAt,
  };
}

export function toKeyRecord(row: Row): ApiKeyRecord {
  return omitUndefined({
    id: text(row, 'id'),
    digest: text(row, 'digest'),
    prefix: text(row, 'prefix'),
    userId: text(row, 'user_id'),
    name: text(row, 'name'),
    status: text(row, 'status') as KeyStatus,
    disabledReason: optionalText(row, 'disabled_reason'),
    disabledMonth: optionalText(row, 'disabled_month'),
    serviceTier: optionalText(row, 'service_tier') as ServiceTier | undefined,
    rpmLimit: optionalNumber(row, 'rpm_limit'),
    tpmLimit: optionalNumber(row, 'tpm_limit'),
    monthlyBudgetMicros: optionalNumber(row, 'monthly_budget_micros'),
    createdAt: number(row, 'created_at'),
    updatedAt: number(row, 'updated_at'),
  });
}

export function toUsageRecord(row: Row): UsageRecord {
  return omitUndefined({
    requestId: text(row, 'request_id'),
    startedAt: number(row, 'started_at'),
    state: text(row, 'state') as UsageState,
    userId: text(row, 'user_id'),
    keyId: optionalText(row, 'key_id'),
    credentialId: optionalText(row, 'credential_id'),
    route: text(row, 'route'),
    modelRequested: optionalText(row, 'model_requested'),
    modelServed: optionalText(row, 'model_served'),
    provider: optionalText(row, 'provider'),
    region: optionalText(row, 'region'),
    serviceTier: optionalText(row, 'service_tier'),
    stream: number(row, 'stream') !== 0,
    status: optionalNumber(row, 'status'),
    errorType: optionalText(row, 'error_type'),
    fallback: optionalText(row, 'fallback'),
    outcome: optionalText(row, 'outcome') as UsageOutcome | undefined,
    inputTokens: number(row, 'input_tokens'),
    outputTokens: number(row, 'output_tokens'),
    cacheReadTokens: number(row, 'cache_read_tokens'),
    cacheWrite5mTokens: number(row, 'cache_write_5m_tokens'),
    cacheWrite1hTokens: number(row, 'cache_write_1h_tokens'),
    costMicros: number(row, 'cost_micros'),
    reservedMicros: number(row, 'reserved_micros'),
    budgetMonth: optionalText(row, 'budget_month'),
    latencyMs: optionalNumber(row, 'latency_ms'),
    ttfbMs: optionalNumber(row, 'ttfb_ms'),
    expiresAt: number(row, 'expires_at'),
  });
}

export function toBudgetState(row: Row): BudgetState {
  return { spentMicros: number(row, 'spent_micros'), reservedMicros: number(row, 'reserved_micros') };
}

export function toUsageDay(row: Row): UsageDay {
  return {
    userId: text(row, 'user_id'),
    day: text(row, 'day'),
    requests: number(row, 'requests'),
    inputTokens: number(row, 'input_tokens'),
    outputTokens: number(row, 'output_tokens'),
    cacheReadTokens: number(row, 'cache_read_tokens'),
    cacheWriteTokens: number(row, 'cache_write_tokens'),
    costMicros: number(row, 'cost_micros'),
    outcomes: {
      completed: number(row, 'completed'),
      client_aborted: number(row, 'client_aborted'),
      upstream_error: number(row, 'upstream_error'),
      interrupted: number(row, 'interrupted'),
    },
  };
}

function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw malformed(column);
  return value;
}

function optionalText(row: Row, column: string): string | undefined {
  const value = row[column];
  if (value === null) return undefined;
  if (typeof value !== 'string') throw malformed(column);
  return value;
}

function number(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== 'number') throw malformed(column);
  return value;
}

function optionalNumber(row: Row, column: string): number | undefined {
  const value = row[column];
  if (value === null) return undefined;
  if (typeof value !== 'number') throw malformed(column);
  return value;
}

function malformed(column: string): Error {
  return new Error(`the accounting tables hold a malformed row (column ${column})`);
}
