/**
 * JSON Schemas of the admin and usage routes: their path parameters, query strings and answers,
 * declared once beside the routes that use them (ready for an OpenAPI document and the admin UI).
 * Query parameters are typed, not constrained: the values are checked by the handlers, whose
 * refusals name the parameter and the value in the gateway's own words (docs/errors.md,
 * `GW_INVALID_QUERY`); a parameter given twice fails its `string` type and is answered as such
 * (app.ts). Answer schemas also serialize: a field they do not declare is not sent, so they
 * list every field the handler returns.
 */

const text = { type: 'string' } as const;
const count = { type: 'integer' } as const;
const usd = { type: 'number' } as const;
const nullableText = { type: ['string', 'null'] } as const;
const nullableNumber = { type: ['number', 'null'] } as const;

function object(properties: Record<string, unknown>, optional: readonly string[] = []) {
  return { type: 'object', properties, required: Object.keys(properties).filter((name) => !optional.includes(name)) } as const;
}

function query(properties: Record<string, string>) {
  return { type: 'object', properties: Object.fromEntries(Object.entries(properties).map(([name, description]) => [name, { type: 'string', description }])) } as const;
}

export const keyIdParams = object({ id: { type: 'string', description: 'The key id (key_…).' } });
export const userIdParams = object({ userId: { type: 'string', description: 'The user the path names (1-128 characters of A-Z a-z 0-9 . _ @ + -; not admin or default).' } });

const modelId = { type: 'string', description: 'A model id: Anthropic\'s, or one Bedrock serves.' } as const;

/** The path parameters of an Anthropic API route (`/user/{user_id}` prefixed or not); undefined when it has none. */
export function apiParams(route: string, prefixed: boolean) {
  const properties = { ...(prefixed ? userIdParams.properties : {}), ...(route.includes(':modelId') ? { modelId } : {}) };
  return Object.keys(properties).length === 0 ? undefined : object(properties);
}

export const keyView = object({
  id: text,
  prefix: text,
  user_id: text,
  name: text,
  status: { type: 'string', enum: ['active', 'disabled', 'revoked'] },
  disabled_reason: nullableText,
  disabled_month: nullableText,
  service_tier: nullableText,
  rpm_limit: nullableNumber,
  tpm_limit: nullableNumber,
  monthly_budget_usd: nullableNumber,
  created_at: { type: 'string', description: 'ISO 8601, UTC.' },
  updated_at: { type: 'string', description: 'ISO 8601, UTC.' },
});

export const createdKey = { ...keyView, properties: { key: { type: 'string', description: 'The whole key: shown in this answer only.' }, ...keyView.properties }, required: ['key', ...keyView.required] } as const;

export const keyList = object({ data: { type: 'array', items: keyView } });

export const keyListQuery = query({ user_id: 'Only the keys of this user.' });

export const budgetQuery = query({ month: 'YYYY-MM (UTC); default: this month.' });

export const budgetView = object({ key_id: text, month: text, limit_usd: nullableNumber, spent_usd: usd, reserved_usd: usd, remaining_usd: nullableNumber });

const usageQueryFields = {
  days: 'The N UTC days ending today, 1-366 (default 7).',
  date: 'One UTC day, YYYY-MM-DD (instead of days).',
  request_type: 'bedrock (only requests Bedrock served) or all (default).',
};

export const usageMeQuery = query({ ...usageQueryFields, 'claude-code-user': 'The user to read (the master key: anyone; a key: only its own).' });
export const usageAllQuery = query(usageQueryFields);

/** Requests by how the delivery of their answer ended (issue 15). */
const byOutcome = object({ completed: count, client_aborted: count, upstream_error: count, interrupted: count });

const summaryFields = {
  total_input_tokens: count,
  total_output_tokens: count,
  total_tokens: count,
  total_requests: count,
  total_cache_read_tokens: count,
  total_cache_write_tokens: count,
  total_cost_usd: usd,
  requests_by_outcome: byOutcome,
};

const dayStats = object({ input_tokens: count, output_tokens: count, requests: count, cache_read_tokens: count, cache_write_tokens: count, cost_usd: usd, requests_by_outcome: byOutcome });

/** Per UTC day (`YYYY-MM-DD`), in date order. */
const dailyStats = { type: 'object', additionalProperties: dayStats } as const;

export const usageMe = object(
  { user_id: text, request_type: text, date: text, summary: object(summaryFields), daily_stats: dailyStats, period_days: count },
  ['date'],
);

const userStats = object({ input_tokens: count, output_tokens: count, total_tokens: count, requests: count, cache_read_tokens: count, cache_write_tokens: count, cost_usd: usd });

export const usageAll = object(
  { request_type: text, date: text, summary: object({ ...summaryFields, total_users: count }), users: { type: 'object', additionalProperties: userStats }, daily_stats: dailyStats, period_days: count },
  ['date'],
);
