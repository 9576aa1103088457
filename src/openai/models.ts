/**
 * Anthropic's `GET /v1/models` list -> OpenAI's `{object:"list", data:[{id, object:"model",
 * created, owned_by}]}`, for a caller that speaks OpenAI (no `anthropic-version` header), pure.
 */

export interface AnthropicModelInfo {
  readonly id: string;
  /** RFC 3339. */
  readonly created_at?: string;
}

export interface OpenAIModel {
  readonly id: string;
  readonly object: 'model';
  /** Unix seconds; 0 when unknown. */
  readonly created: number;
  readonly owned_by: string;
}

export interface OpenAIModelList {
  readonly object: 'list';
  readonly data: OpenAIModel[];
}

export function toOpenAIModel(model: AnthropicModelInfo, ownedBy: string): OpenAIModel {
  const created = model.created_at === undefined ? Number.NaN : Date.parse(model.created_at);
  return { id: model.id, object: 'model', created: Number.isFinite(created) && created > 0 ? Math.floor(created / 1000) : 0, owned_by: ownedBy };
}

export function toOpenAIModelList(models: readonly AnthropicModelInfo[], ownedBy: (model: AnthropicModelInfo) => string = () => 'anthropic'): OpenAIModelList {
  return { object: 'list', data: models.map((model) => toOpenAIModel(model, ownedBy(model))) };
}
