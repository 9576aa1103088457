import { modelCatalog, type CatalogEntry, type ProfilePrefix } from './model-catalog.ts';

/**
 * Lookups over the model catalog, pure: Anthropic id or alias -> entry; entry + AWS region ->
 * the Bedrock model id to call (an inference profile where one covers the region); a Bedrock-form
 * id sent by a client (`us.anthropic.claude-…-v1:0`) -> the Anthropic id. Maps are keyed by
 * user-supplied strings, so they are `Map`s: `__proto__` or `toString` can never hit.
 */

export interface ModelCatalog {
  find(id: string): CatalogEntry | undefined;
  /** The Anthropic id for a Bedrock id or inference-profile id, if the catalog knows it. */
  fromBedrockId(id: string): CatalogEntry | undefined;
  readonly entries: readonly CatalogEntry[];
}

const profilePrefixes: readonly ProfilePrefix[] = ['us-gov', 'global', 'us', 'eu', 'apac', 'jp', 'au'];

export function createCatalog(entries: readonly CatalogEntry[] = modelCatalog): ModelCatalog {
  const byId = new Map<string, CatalogEntry>();
  const byBedrockId = new Map<string, CatalogEntry>();
  for (const entry of entries) {
    for (const id of [entry.id, ...entry.aliases]) byId.set(id, entry);
    if (entry.bedrock !== undefined) byBedrockId.set(entry.bedrock.baseId, entry);
  }
  return {
    entries,
    find: (id) => byId.get(id),
    fromBedrockId: (id) => byBedrockId.get(stripProfilePrefix(id)),
  };
}

/** `us.anthropic.x` -> `anthropic.x`; ids without a known prefix are returned as they are. */
export function stripProfilePrefix(id: string): string {
  for (const prefix of profilePrefixes) {
    if (id.startsWith(`${prefix}.`)) return id.slice(prefix.length + 1);
  }
  return id;
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
