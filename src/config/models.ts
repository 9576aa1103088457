import { modelCatalog, type BedrockModel, type CatalogEntry, type ModelCapabilities, type ProfilePrefix } from './model-catalog.ts';
import type { ModelConfig } from './schema.ts';
import { createOpenAIModels, type OpenAIModels } from './openai-models.ts';
import type { OpenAIEndpointConfig } from './schema-openai.ts';

/**
 * Lookups over the model catalog, pure: Anthropic id or alias -> entry; entry + AWS region ->
 * the Bedrock model id to call (an inference profile where one covers the region); a Bedrock-form
 * id sent by a client (`us.anthropic.claude-…-v1:0`) -> its entry, so the Anthropic path can use
 * the Anthropic id. Maps are keyed by user-supplied strings, so they are `Map`s: `__proto__` or
 * `toString` can never hit.
 */

export interface ModelCatalog {
  find(id: string): CatalogEntry | undefined;
  /** The entry for a Bedrock id or inference-profile id, if the catalog knows it. */
  fromBedrockId(id: string): CatalogEntry | undefined;
  readonly entries: readonly CatalogEntry[];
  /** The OpenAI-compatible providers' models, by endpoint (openai-models.ts). */
  readonly openai: OpenAIModels;
}

const profilePrefixes: readonly ProfilePrefix[] = ['us-gov', 'global', 'us', 'eu', 'apac', 'jp', 'au'];

/** Providers on Bedrock, the first segment of a base model id (`qwen.qwen3-…`). */
const bedrockVendors: ReadonlySet<string> = new Set([
  'anthropic',
  'amazon',
  'meta',
  'mistral',
  'cohere',
  'ai21',
  'deepseek',
  'qwen',
  'openai',
  'minimax',
  'moonshot',
  'moonshotai',
  'zai',
  'google',
  'nvidia',
  'writer',
  'stability',
  'twelvelabs',
  'luma',
]);

export function createCatalog(entries: readonly CatalogEntry[] = modelCatalog, overrides: readonly ModelConfig[] = [], openai: Readonly<Record<string, OpenAIEndpointConfig>> = {}): ModelCatalog {
  const merged = mergeOverrides(entries, overrides);
  const byId = new Map<string, CatalogEntry>();
  const byBedrockId = new Map<string, CatalogEntry>();
  for (const entry of merged) {
    for (const id of [entry.id, ...entry.aliases]) byId.set(id, entry);
    if (entry.bedrock !== undefined) byBedrockId.set(entry.bedrock.baseId, entry);
  }
  return {
    entries: merged,
    openai: createOpenAIModels(openai),
    find: (id) => byId.get(id),
    fromBedrockId: (id) => byBedrockId.get(stripProfilePrefix(id)),
  };
}

/** Configuration entries replace the fields they set on the entry with the same id, or add one. */
function mergeOverrides(entries: readonly CatalogEntry[], overrides: readonly ModelConfig[]): CatalogEntry[] {
  const result = [...entries];
  for (const override of overrides) {
    const index = result.findIndex((entry) => entry.id === override.id);
    const base = index === -1 ? undefined : result[index];
    const merged: CatalogEntry = {
      id: override.id,
      aliases: override.aliases ?? base?.aliases ?? [],
      displayName: override.display_name ?? base?.displayName ?? override.id,
      status: base?.status ?? 'absent',
      ...(override.pricing !== undefined ? { pricing: override.pricing } : base?.pricing !== undefined ? { pricing: base.pricing } : {}),
      ...(override.bedrock !== undefined ? { bedrock: mergeBedrock(override.bedrock, base?.bedrock) } : base?.bedrock !== undefined ? { bedrock: base.bedrock } : {}),
    };
    if (index === -1) result.push(merged);
    else result[index] = merged;
  }
  return result;
}

function mergeBedrock(override: NonNullable<ModelConfig['bedrock']>, base: BedrockModel | undefined): BedrockModel {
  const baseId = stripProfilePrefix(override.id);
  const claude = baseId.startsWith('anthropic.');
  const fallback: ModelCapabilities = base?.capabilities ?? { family: claude ? 'claude' : 'other', images: claude, documents: claude, reasoning: claude, cachePoints: claude, ...(claude ? { topK: 'claude' as const } : {}) };
  const capabilities: ModelCapabilities = {
    ...fallback,
    ...(override.images === undefined ? {} : { images: override.images }),
    ...(override.documents === undefined ? {} : { documents: override.documents }),
    ...(override.reasoning === undefined ? {} : { reasoning: override.reasoning }),
    ...(override.cache_points === undefined ? {} : { cachePoints: override.cache_points }),
  };
  const betas = override.betas ?? base?.betas;
  const serviceTiers = override.service_tiers ?? base?.serviceTiers;
  return {
    baseId,
    // An id given with a profile prefix (`global.anthropic.…`) asks for that profile.
    profiles: override.profiles ?? (profileOf(override.id) !== undefined ? [profileOf(override.id) as ProfilePrefix] : base?.baseId === baseId ? base.profiles : []),
    verified: base?.baseId === baseId ? base.verified : false,
    api: override.api ?? base?.api ?? (claude ? 'invoke' : 'converse'),
    capabilities,
    ...(betas === undefined ? {} : { betas }),
    ...(serviceTiers === undefined ? {} : { serviceTiers }),
  };
}

/** The profile prefix of an id (`global` for `global.anthropic.x`), if it has one. */
export function profileOf(id: string): ProfilePrefix | undefined {
  return profilePrefixes.find((prefix) => id.startsWith(`${prefix}.`));
}

/** `us.anthropic.x` -> `anthropic.x`; ids without a known prefix are returned as they are. */
export function stripProfilePrefix(id: string): string {
  for (const prefix of profilePrefixes) {
    if (id.startsWith(`${prefix}.`)) return id.slice(prefix.length + 1);
  }
  return id;
}

/**
 * Whether a client-sent model id names a Bedrock model directly: an inference-profile or base id
 * of a known Bedrock vendor (`us.anthropic.claude-…`, `qwen.qwen3-…`), or a Bedrock ARN.
 */
export function isBedrockModelId(id: string): boolean {
  if (/^arn:aws[a-z-]*:bedrock:/.test(id)) return true;
  const base = stripProfilePrefix(id);
  const dot = base.indexOf('.');
  return dot > 0 && dot < base.length - 1 && bedrockVendors.has(base.slice(0, dot)) && /^[A-Za-z0-9._:-]+$/.test(base);
}

/** The geographic inference-profile prefix whose source regions include `region`. */
export function geoPrefixForRegion(region: string): ProfilePrefix | undefined {
  if (region.startsWith('us-gov-')) return 'us-gov';
  if (region.startsWith('us-') || region.startsWith('ca-')) return 'us';
  if (region.startsWith('eu-')) return 'eu';
  if (region === 'ap-northeast-1' || region === 'ap-northeast-3') return 'jp';
  if (region === 'ap-southeast-2' || region === 'ap-southeast-4' || region === 'ap-southeast-6') return 'au';
  if (region.startsWith('ap-')) return 'apac';
  return undefined;
}

/**
 * The Bedrock model id for `entry` called from `region`: the geographic profile when the model
 * has one covering the region (data stays in the geography), else the global profile, else the
 * base id. Undefined when Bedrock does not serve the model.
 */
export function bedrockModelId(entry: CatalogEntry, region: string): string | undefined {
  const bedrock = entry.bedrock;
  if (bedrock === undefined) return undefined;
  const geo = geoPrefixForRegion(region);
  if (geo !== undefined && bedrock.profiles.includes(geo)) return `${geo}.${bedrock.baseId}`;
  if (bedrock.profiles.includes('global')) return `global.${bedrock.baseId}`;
  return bedrock.baseId;
}
