/**
 * The model catalog as data (shared/spec/protocols.md §5, November 2026): Anthropic model ids
 * and aliases, their API status, and where Bedrock serves them (base id and the cross-region
 * inference-profile prefixes seen). `verified: false` marks Bedrock ids that follow the naming
 * pattern but were not confirmed by a model card; probe them before relying on them.
 * Overridable from configuration later (issue 3); this table is the default.
 */

export type ProfilePrefix = 'global' | 'us' | 'eu' | 'apac' | 'jp' | 'au' | 'us-gov';

export interface CatalogEntry {
  /** The canonical Anthropic API id. */
  readonly id: string;
  /** Other ids clients send for the same model (undated aliases, `-0` forms). */
  readonly aliases: readonly string[];
  readonly displayName: string;
  readonly status: 'active' | 'deprecated' | 'retired';
  readonly bedrock?: {
    readonly baseId: string;
    readonly profiles: readonly ProfilePrefix[];
    readonly verified: boolean;
  };
}

export const modelCatalog: readonly CatalogEntry[] = [
  { id: 'claude-opus-5-5', aliases: [], displayName: 'Claude Opus 5.5', status: 'active', bedrock: { baseId: 'anthropic.claude-opus-5-5', profiles: ['global'], verified: false } },
  { id: 'claude-sonnet-5-5', aliases: [], displayName: 'Claude Sonnet 5.5', status: 'active', bedrock: { baseId: 'anthropic.claude-sonnet-5-5', profiles: ['global'], verified: true } },
  { id: 'claude-haiku-5-5', aliases: [], displayName: 'Claude Haiku 5.5', status: 'active', bedrock: { baseId: 'anthropic.claude-haiku-5-5', profiles: ['global'], verified: false } },
  { id: 'claude-fable-5-2', aliases: [], displayName: 'Claude Fable 5.2', status: 'active' },
  { id: 'claude-mythos-5-2', aliases: [], displayName: 'Claude Mythos 5.2', status: 'active' },
  { id: 'claude-mythos-5-1', aliases: [], displayName: 'Claude Mythos 5.1', status: 'active' },
  { id: 'claude-mythos-5', aliases: [], displayName: 'Claude Mythos 5', status: 'active' },
  { id: 'claude-mythos-preview', aliases: [], displayName: 'Claude Mythos Preview', status: 'active' },
  { id: 'claude-fable-5-1', aliases: [], displayName: 'Claude Fable 5.1', status: 'active', bedrock: { baseId: 'anthropic.claude-fable-5-1', profiles: ['us', 'global'], verified: true } },
  { id: 'claude-fable-5', aliases: [], displayName: 'Claude Fable 5', status: 'active', bedrock: { baseId: 'anthropic.claude-fable-5', profiles: ['us', 'global'], verified: true } },
  { id: 'claude-opus-5', aliases: [], displayName: 'Claude Opus 5', status: 'active', bedrock: { baseId: 'anthropic.claude-opus-5', profiles: ['us', 'eu', 'au', 'global'], verified: true } },
  { id: 'claude-sonnet-5', aliases: [], displayName: 'Claude Sonnet 5', status: 'active', bedrock: { baseId: 'anthropic.claude-sonnet-5', profiles: ['us', 'eu', 'au', 'global'], verified: true } },
  { id: 'claude-opus-4-8', aliases: [], displayName: 'Claude Opus 4.8', status: 'active', bedrock: { baseId: 'anthropic.claude-opus-4-8', profiles: ['us', 'eu', 'jp', 'au', 'global'], verified: true } },
  { id: 'claude-opus-4-7', aliases: [], displayName: 'Claude Opus 4.7', status: 'active', bedrock: { baseId: 'anthropic.claude-opus-4-7', profiles: ['us', 'eu', 'jp', 'au', 'global'], verified: true } },
  { id: 'claude-opus-4-6', aliases: [], displayName: 'Claude Opus 4.6', status: 'active', bedrock: { baseId: 'anthropic.claude-opus-4-6-v1', profiles: ['us', 'eu', 'au', 'jp', 'apac', 'global'], verified: true } },
  { id: 'claude-sonnet-4-6', aliases: [], displayName: 'Claude Sonnet 4.6', status: 'active', bedrock: { baseId: 'anthropic.claude-sonnet-4-6', profiles: ['us', 'eu', 'au', 'jp', 'global'], verified: true } },
  { id: 'claude-opus-4-5-20251101', aliases: ['claude-opus-4-5'], displayName: 'Claude Opus 4.5', status: 'active', bedrock: { baseId: 'anthropic.claude-opus-4-5-20251101-v1:0', profiles: ['us', 'eu', 'global'], verified: true } },
  { id: 'claude-sonnet-4-5-20250929', aliases: ['claude-sonnet-4-5'], displayName: 'Claude Sonnet 4.5', status: 'deprecated', bedrock: { baseId: 'anthropic.claude-sonnet-4-5-20250929-v1:0', profiles: ['us', 'eu', 'au', 'jp', 'global'], verified: true } },
  { id: 'claude-haiku-4-5-20251001', aliases: ['claude-haiku-4-5'], displayName: 'Claude Haiku 4.5', status: 'active', bedrock: { baseId: 'anthropic.claude-haiku-4-5-20251001-v1:0', profiles: ['us', 'eu', 'au', 'jp', 'global'], verified: true } },
  { id: 'claude-opus-4-1-20250805', aliases: ['claude-opus-4-1'], displayName: 'Claude Opus 4.1', status: 'retired', bedrock: { baseId: 'anthropic.claude-opus-4-1-20250805-v1:0', profiles: ['us'], verified: true } },
  { id: 'claude-sonnet-4-20250514', aliases: ['claude-sonnet-4-0'], displayName: 'Claude Sonnet 4', status: 'retired', bedrock: { baseId: 'anthropic.claude-sonnet-4-20250514-v1:0', profiles: ['us', 'eu', 'apac', 'global'], verified: true } },
  { id: 'claude-opus-4-20250514', aliases: ['claude-opus-4-0'], displayName: 'Claude Opus 4', status: 'retired', bedrock: { baseId: 'anthropic.claude-opus-4-20250514-v1:0', profiles: ['us'], verified: true } },
  { id: 'claude-3-7-sonnet-20250219', aliases: ['claude-3-7-sonnet-latest'], displayName: 'Claude Sonnet 3.7', status: 'retired', bedrock: { baseId: 'anthropic.claude-3-7-sonnet-20250219-v1:0', profiles: ['us', 'eu', 'apac'], verified: true } },
  { id: 'claude-3-5-haiku-20241022', aliases: ['claude-3-5-haiku-latest'], displayName: 'Claude Haiku 3.5', status: 'retired', bedrock: { baseId: 'anthropic.claude-3-5-haiku-20241022-v1:0', profiles: ['us'], verified: true } },
  { id: 'claude-3-haiku-20240307', aliases: [], displayName: 'Claude Haiku 3', status: 'retired', bedrock: { baseId: 'anthropic.claude-3-haiku-20240307-v1:0', profiles: ['us', 'eu', 'apac'], verified: true } },
];
