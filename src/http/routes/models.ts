import type { FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app.ts';
import type { CatalogEntry } from '../../config/model-catalog.ts';
import type { OpenAIModelEntry } from '../../config/openai-model-catalog.ts';
import { isBedrockModelId } from '../../config/models.ts';
import { isUsableEndpoint, openAIEndpoints } from '../../config/schema-openai.ts';
import { GatewayError } from '../../errors.ts';
import { toOpenAIModel, toOpenAIModelList, type OpenAIModel, type OpenAIModelList } from '../../openai/models.ts';

/**
 * `GET /v1/models` and `/v1/models/{id}` when the gateway adds to Anthropic's list (Bedrock is
 * available, or an OpenAI-compatible endpoint with a key lists models): what Anthropic lists for
 * the client's credential (when it has one and Anthropic answers), then the catalog models
 * Bedrock serves that Anthropic did not list (retired Claude models, Qwen, Nova, …), then the
 * OpenAI-compatible endpoints' catalog models, paginated like Anthropic's API (`limit` 1-1000,
 * default 20; `after_id`; `before_id`). An OpenAI client (no `anthropic-version`) gets the same
 * models in OpenAI's shape. Otherwise an Anthropic caller's request is relayed unchanged.
 */

export interface ModelInfo {
  readonly type: 'model';
  readonly id: string;
  readonly display_name: string;
  readonly created_at: string;
  /** Known for OpenAI-compatible catalog models (Anthropic's own list has them too). */
  readonly max_input_tokens?: number | null;
  readonly max_tokens?: number | null;
}

/** A model an OpenAI-compatible endpoint lists, and which endpoint (the first that lists it: routing's first target). */
export interface ListedOpenAIModel {
  readonly provider: string;
  readonly entry: OpenAIModelEntry;
}

const ANTHROPIC_LIST_TIMEOUT_MS = 2_000;

/** The catalog has no release dates: models it adds carry the epoch, meaning "unknown". */
const UNKNOWN_DATE = '1970-01-01T00:00:00Z';

export function toModelInfo(entry: CatalogEntry): ModelInfo {
  return { type: 'model', id: entry.id, display_name: entry.displayName, created_at: UNKNOWN_DATE };
}

function toCompatibleModelInfo({ entry }: ListedOpenAIModel): ModelInfo {
  return { type: 'model', id: entry.id, display_name: entry.displayName, created_at: UNKNOWN_DATE, max_input_tokens: entry.contextWindow ?? null, max_tokens: entry.maxOutputTokens ?? null };
}

/** The catalog models of the OpenAI-compatible endpoints the gateway can call (a key, or a named endpoint), each id once. */
export function openAICompatibleModels(deps: AppDependencies): ListedOpenAIModel[] {
  const seen = new Set<string>();
  const models: ListedOpenAIModel[] = [];
  for (const endpoint of openAIEndpoints(deps.config.openai_compatible)) {
    if (!isUsableEndpoint(endpoint)) continue;
    for (const entry of deps.catalog.openai.listed(endpoint.name)) {
      if (seen.has(entry.id)) continue;
      seen.add(entry.id);
      models.push({ provider: endpoint.name, entry });
    }
  }
  return models;
}

/** Whether the gateway answers the model endpoints itself (it adds models to Anthropic's). */
export function gatewayListsModels(deps: AppDependencies): boolean {
  return deps.bedrockAvailable() || openAICompatibleModels(deps).length > 0;
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

/** Every model, Anthropic's shape: Anthropic's list for the caller, Bedrock's catalog models, the OpenAI-compatible ones; each id once. */
async function allModels(request: FastifyRequest, deps: AppDependencies, signal: AbortSignal, headers?: FastifyRequest['headers']): Promise<{ models: ModelInfo[]; ownedBy: (id: string) => string }> {
  const listed = await anthropicModels(request, deps, signal, headers);
  const owners = new Map<string, string>(listed.map((model) => [model.id, 'anthropic']));
  const bedrock = deps.bedrockAvailable() ? deps.catalog.entries.filter((entry) => entry.bedrock !== undefined && !owners.has(entry.id)).map(toModelInfo) : [];
  for (const model of bedrock) owners.set(model.id, 'bedrock');
  const compatible = openAICompatibleModels(deps).filter((model) => !owners.has(model.entry.id));
  for (const model of compatible) owners.set(model.entry.id, model.provider);
  return { models: [...listed, ...bedrock, ...compatible.map(toCompatibleModelInfo)], ownedBy: (id) => owners.get(id) ?? 'anthropic' };
}

export async function listModels(request: FastifyRequest, deps: AppDependencies, signal: AbortSignal): Promise<ModelPage> {
  const { models } = await allModels(request, deps, signal);
  return paginate(models, request.query as Record<string, string | undefined>);
}

/** `GET /v1/models/{id}` for a model the gateway adds (an OpenAI-compatible endpoint's, or one only Bedrock knows), or undefined to ask Anthropic. */
export function gatewayModel(id: string, deps: AppDependencies): ModelInfo | undefined {
  const compatible = openAICompatibleModels(deps).find((model) => model.entry.id === id);
  if (compatible !== undefined) return toCompatibleModelInfo(compatible);
  return deps.bedrockAvailable() ? bedrockModel(id, deps) : undefined;
}

/** A model only Bedrock knows, or undefined. */
function bedrockModel(id: string, deps: AppDependencies): ModelInfo | undefined {
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
 * models Bedrock serves when Bedrock is available, then the OpenAI-compatible endpoints' (owned
 * by the endpoint's name).
 */
export async function listOpenAIModels(request: FastifyRequest, deps: AppDependencies, signal: AbortSignal, upstreamHeaders: FastifyRequest['headers']): Promise<OpenAIModelList> {
  const { models, ownedBy } = await allModels(request, deps, signal, anthropicHeaders(upstreamHeaders));
  return toOpenAIModelList(models, (model) => ownedBy(model.id));
}

/**
 * `GET /v1/models/{id}` for a caller that speaks OpenAI: the model from the same list, in
 * OpenAI's shape; a model nobody lists is OpenAI's 404 (`model_not_found`).
 */
export async function retrieveOpenAIModel(id: string, request: FastifyRequest, deps: AppDependencies, signal: AbortSignal, upstreamHeaders: FastifyRequest['headers']): Promise<OpenAIModel> {
  const gateway = gatewayModel(id, deps);
  const owner = gateway === undefined ? undefined : (openAICompatibleModels(deps).find((model) => model.entry.id === id)?.provider ?? 'bedrock');
  if (gateway !== undefined && owner !== undefined) return toOpenAIModel(gateway, owner);
  const listed = (await anthropicModels(request, deps, signal, anthropicHeaders(upstreamHeaders))).find((model) => model.id === id);
  if (listed !== undefined) return toOpenAIModel(listed, 'anthropic');
  throw new GatewayError('GW_MODEL_NOT_FOUND', `The model ${JSON.stringify(id.slice(0, 256))} does not exist or you do not have access to it.`);
}

/** An OpenAI client sends no `anthropic-version`; Anthropic's list needs one. */
function anthropicHeaders(headers: FastifyRequest['headers']): FastifyRequest['headers'] {
  return { ...headers, 'anthropic-version': headers['anthropic-version'] ?? '2023-06-01' };
}
