import type { FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app.ts';
import type { CatalogEntry } from '../../config/model-catalog.ts';
import { isBedrockModelId } from '../../config/models.ts';
import { GatewayError } from '../../errors.ts';
import { toOpenAIModelList, type OpenAIModelList } from '../../openai/models.ts';

/**
 * `GET /v1/models` when Bedrock is available: what Anthropic lists for the client's credential
 * (when it has one and Anthropic answers), followed by the catalog models Bedrock serves that
 * Anthropic did not list (retired Claude models, Qwen, Nova, …), paginated like Anthropic's API
 * (`limit` 1-1000, default 20; `after_id`; `before_id`). Without Bedrock the request is relayed
 * to Anthropic unchanged and this module is not used.
 */

export interface ModelInfo {
  readonly type: 'model';
  readonly id: string;
  readonly display_name: string;
  readonly created_at: string;
}

const ANTHROPIC_LIST_TIMEOUT_MS = 2_000;

/** The catalog has no release dates: models it adds carry the epoch, meaning "unknown". */
const UNKNOWN_DATE = '1970-01-01T00:00:00Z';

export function toModelInfo(entry: CatalogEntry): ModelInfo {
  return { type: 'model', id: entry.id, display_name: entry.displayName, created_at: UNKNOWN_DATE };
}

export interface ModelPage {
  readonly data: readonly ModelInfo[];
  readonly has_more: boolean;
  readonly first_id: string | null;
  readonly last_id: string | null;
}

/** Anthropic's pagination over a full list, pure. */
export function paginate(models: readonly ModelInfo[], query: Record<string, string | undefined>): ModelPage {
  const limitText = query.limit ?? '20';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new GatewayError('GW_INVALID_QUERY', 'limit: Input should be an integer between 1 and 1000');
  let start = 0;
  let end = models.length;
  if (query.after_id !== undefined) start = models.findIndex((model) => model.id === query.after_id) + 1;
  if (query.before_id !== undefined) {
    end = Math.max(0, models.findIndex((model) => model.id === query.before_id));
    start = Math.max(0, end - limit);
  }
  const data = models.slice(start, Math.min(end, start + limit));
  const hasMore = query.before_id !== undefined ? start > 0 : start + data.length < end;
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

/** Models Anthropic lists for this client, or [] when it has no credential or Anthropic fails. */
async function anthropicModels(request: FastifyRequest, deps: AppDependencies, signal: AbortSignal, headers: FastifyRequest['headers'] = request.headers): Promise<ModelInfo[]> {
  if (deps.anthropic.credentialFor(headers) === undefined) return [];
  try {
    // The gateway reads this body itself, so it must come uncompressed (`stream: true` asks for
    // identity encoding); Claude Code gives up on model discovery after 3 s, so Anthropic gets 2.
    const bounded = AbortSignal.any([signal, AbortSignal.timeout(ANTHROPIC_LIST_TIMEOUT_MS)]);
    const upstream = await deps.anthropic.send({ method: 'GET', path: '/v1/models', search: '?limit=1000', headers, body: undefined, uncompressed: true, signal: bounded });
    const text = await upstream.body.text();
    if (upstream.status !== 200) {
      request.log.info({ request_id: request.id, status: upstream.status }, 'anthropic model list unavailable; listing Bedrock models only');
      return [];
    }
    const parsed = JSON.parse(text) as { data?: unknown };
    return Array.isArray(parsed.data) ? (parsed.data as ModelInfo[]).filter((model) => typeof model?.id === 'string') : [];
  } catch (error) {
    request.log.info({ request_id: request.id, err: error }, 'anthropic model list unavailable; listing Bedrock models only');
    return [];
  }
}

export async function listModels(request: FastifyRequest, deps: AppDependencies, signal: AbortSignal): Promise<ModelPage> {
  const listed = await anthropicModels(request, deps, signal);
  const seen = new Set(listed.map((model) => model.id));
  const bedrock = deps.catalog.entries.filter((entry) => entry.bedrock !== undefined && !seen.has(entry.id)).map(toModelInfo);
  return paginate([...listed, ...bedrock], request.query as Record<string, string | undefined>);
}

/** `GET /v1/models/{id}` for a model only Bedrock knows, or undefined to ask Anthropic. */
export function bedrockModel(id: string, deps: AppDependencies): ModelInfo | undefined {
  if (!isBedrockModelId(id)) {
    const entry = deps.catalog.find(id);
    return entry?.status === 'absent' && entry.bedrock !== undefined ? toModelInfo(entry) : undefined;
  }
  const entry = deps.catalog.fromBedrockId(id);
  return entry === undefined ? { type: 'model', id, display_name: id, created_at: UNKNOWN_DATE } : { ...toModelInfo(entry), id };
}

/**
 * `GET /v1/models` for a caller that speaks OpenAI (no `anthropic-version` header): every model
 * in one list, `{object:"list", data:[{id, object:"model", created, owned_by}]}` (OpenAI's
 * list has no pages): what Anthropic lists for the caller's credential, then the catalog
 * models Bedrock serves when Bedrock is available.
 */
export async function listOpenAIModels(request: FastifyRequest, deps: AppDependencies, signal: AbortSignal, upstreamHeaders: FastifyRequest['headers']): Promise<OpenAIModelList> {
  const listed = await anthropicModels(request, deps, signal, { ...upstreamHeaders, 'anthropic-version': upstreamHeaders['anthropic-version'] ?? '2023-06-01' });
  const seen = new Set(listed.map((model) => model.id));
  const bedrock = deps.bedrockAvailable() ? deps.catalog.entries.filter((entry) => entry.bedrock !== undefined && !seen.has(entry.id)).map(toModelInfo) : [];
  return toOpenAIModelList([...listed, ...bedrock.map(({ id }) => ({ id }))], (model) => (seen.has(model.id) ? 'anthropic' : 'bedrock'));
}
