import type { ServiceTier } from '../service-tier.ts';
import type { BedrockApi } from './schema.ts';

/**
 * The model catalog as data (shared/spec/protocols.md §5 and §4.7, November 2026): Anthropic
 * model ids and aliases, their status on the Anthropic API, where Bedrock serves them (base id,
 * the cross-region inference-profile prefixes seen, which API, what the model accepts), and
 * list prices for accounting (each dated, with its source). `verified: false` marks Bedrock ids that follow the
 * naming pattern but were not confirmed by a model card. Configuration (`models:`) overrides or
 * extends any entry by id.
 */

export type ProfilePrefix = 'global' | 'us' | 'eu' | 'apac' | 'jp' | 'au' | 'us-gov';

export type { BedrockApi };

/** What a model takes through Converse; the native Claude APIs take everything Anthropic does. */
export interface ModelCapabilities {
  /** Claude keeps thinking signatures, `top_k` and betas; other families do not. */
  readonly family: 'claude' | 'other';
  readonly images: boolean;
  readonly documents: boolean;
  /** Emits reasoning (thinking) content. */
  readonly reasoning: boolean;
  readonly cachePoints: boolean;
  /** Where `top_k` goes, if the model has one. */
  readonly topK?: 'claude' | 'nova';
}

export interface BedrockModel {
  /** The base model id, without a profile prefix. */
  readonly baseId: string;
  readonly profiles: readonly ProfilePrefix[];
  readonly verified: boolean;
  /** The API used unless configuration says otherwise (Claude: InvokeModel; others: Converse). */
  readonly api: BedrockApi;
  readonly capabilities: ModelCapabilities;
  /** Betas allowed for this model; absent: the default list for its API. */
  readonly betas?: readonly string[];
  /** Service tiers the model is known to accept; absent: every tier (a rejected one is retried as default). */
  readonly serviceTiers?: readonly ServiceTier[];
}

/**
 * USD per million tokens, from public list prices; accounting reads them. `priced_at` (YYYY-MM)
 * and `source` say where a built-in price was read, so an operator can check it is current and
 * override it (`models:` in the configuration, or the DynamoDB pricing table).
 */
export interface Pricing {
  readonly input: number;
  readonly output: number;
  readonly cache_read?: number;
  readonly cache_write_5m?: number;
  readonly cache_write_1h?: number;
  readonly priced_at?: string;
  readonly source?: string;
}

export interface CatalogEntry {
  /** The canonical id: the Anthropic API id, or the Bedrock base id for models only Bedrock has. */
  readonly id: string;
  /** Other ids clients send for the same model (undated aliases, `-0` forms). */
  readonly aliases: readonly string[];
  readonly displayName: string;
  /** Status on the Anthropic API; `absent` for models Anthropic does not serve. */
  readonly status: 'active' | 'deprecated' | 'retired' | 'absent';
  readonly bedrock?: BedrockModel;
  readonly pricing?: Pricing;
}

export const claudeCapabilities: ModelCapabilities = { family: 'claude', images: true, documents: true, reasoning: true, cachePoints: true, topK: 'claude' };

const ANTHROPIC_PRICES = 'https://www.anthropic.com/pricing (API list prices)';
const BEDROCK_PRICES = 'https://aws.amazon.com/bedrock/pricing/ (on-demand, us-east-1)';
/** Not on the Bedrock page when the catalog was written: the model maker's own list price. Check it. */
const VENDOR_PRICES = "the model maker's API list price (not confirmed on the Bedrock pricing page)";
/** When the catalog's Claude prices were read (protocols.md §5). */
const CATALOG_PRICED_AT = '2026-11';

/** Claude list prices with Anthropic's cache multipliers (read 0.1×, write 1.25× for 5 min, 2× for 1 h). */
function claudePrice(input: number, output: number, pricedAt = CATALOG_PRICED_AT): Pricing {
  return { input, output, cache_read: input / 10, cache_write_5m: input * 1.25, cache_write_1h: input * 2, priced_at: pricedAt, source: ANTHROPIC_PRICES };
}

/** A Bedrock on-demand price; models without prompt caching have no cache prices (their cache counters stay 0). */
function bedrockPrice(input: number, output: number, cache: Pick<Pricing, 'cache_read' | 'cache_write_5m'> = {}, source = BEDROCK_PRICES): Pricing {
  return { input, output, ...cache, priced_at: '2025-12', source };
}

function claude(
  id: string,
  displayName: string,
  status: CatalogEntry['status'],
  pricing: Pricing,
  bedrock?: { baseId: string; profiles: readonly ProfilePrefix[]; verified?: boolean },
  aliases: readonly string[] = [],
): CatalogEntry {
  return {
    id,
    aliases,
    displayName,
    status,
    pricing,
    ...(bedrock === undefined ? {} : { bedrock: { baseId: bedrock.baseId, profiles: bedrock.profiles, verified: bedrock.verified ?? true, api: 'invoke', capabilities: claudeCapabilities } }),
  };
}

function converseModel(baseId: string, displayName: string, profiles: readonly ProfilePrefix[], capabilities: Omit<ModelCapabilities, 'family'>, pricing: Pricing): CatalogEntry {
  return { id: baseId, aliases: [], displayName, status: 'absent', pricing, bedrock: { baseId, profiles, verified: true, api: 'converse', capabilities: { family: 'other', ...capabilities } } };
}

/** Amazon Nova: cache reads at a 75% discount, cache writes at the input price. */
function novaPrice(input: number, output: number): Pricing {
  return bedrockPrice(input, output, { cache_read: input / 4, cache_write_5m: input });
}

const opus = claudePrice(5, 25);
const sonnet = claudePrice(3, 15);
const haiku = claudePrice(1, 5);
const legacyOpus = claudePrice(15, 75);

const textOnly = { images: false, documents: false, reasoning: false, cachePoints: false } as const;
const textReasoning = { ...textOnly, reasoning: true } as const;

export const modelCatalog: readonly CatalogEntry[] = [
  claude('claude-opus-5-5', 'Claude Opus 5.5', 'active', opus, { baseId: 'anthropic.claude-opus-5-5', profiles: ['global'], verified: false }),
  claude('claude-sonnet-5-5', 'Claude Sonnet 5.5', 'active', sonnet, { baseId: 'anthropic.claude-sonnet-5-5', profiles: ['global'] }),
  claude('claude-haiku-5-5', 'Claude Haiku 5.5', 'active', haiku, { baseId: 'anthropic.claude-haiku-5-5', profiles: ['global'], verified: false }),
  claude('claude-fable-5-2', 'Claude Fable 5.2', 'active', opus),
  claude('claude-mythos-5-2', 'Claude Mythos 5.2', 'active', opus),
  claude('claude-mythos-5-1', 'Claude Mythos 5.1', 'active', opus),
  claude('claude-mythos-5', 'Claude Mythos 5', 'active', opus),
  claude('claude-mythos-preview', 'Claude Mythos Preview', 'active', opus),
  claude('claude-fable-5-1', 'Claude Fable 5.1', 'active', opus, { baseId: 'anthropic.claude-fable-5-1', profiles: ['us', 'global'] }),
  claude('claude-fable-5', 'Claude Fable 5', 'active', opus, { baseId: 'anthropic.claude-fable-5', profiles: ['us', 'global'] }),
  claude('claude-opus-5', 'Claude Opus 5', 'active', opus, { baseId: 'anthropic.claude-opus-5', profiles: ['us', 'eu', 'au', 'global'] }),
  claude('claude-sonnet-5', 'Claude Sonnet 5', 'active', sonnet, { baseId: 'anthropic.claude-sonnet-5', profiles: ['us', 'eu', 'au', 'global'] }),
  claude('claude-opus-4-8', 'Claude Opus 4.8', 'active', opus, { baseId: 'anthropic.claude-opus-4-8', profiles: ['us', 'eu', 'jp', 'au', 'global'] }),
  claude('claude-opus-4-7', 'Claude Opus 4.7', 'active', opus, { baseId: 'anthropic.claude-opus-4-7', profiles: ['us', 'eu', 'jp', 'au', 'global'] }),
  claude('claude-opus-4-6', 'Claude Opus 4.6', 'active', opus, { baseId: 'anthropic.claude-opus-4-6-v1', profiles: ['us', 'eu', 'au', 'jp', 'apac', 'global'] }),
  claude('claude-sonnet-4-6', 'Claude Sonnet 4.6', 'active', sonnet, { baseId: 'anthropic.claude-sonnet-4-6', profiles: ['us', 'eu', 'au', 'jp', 'global'] }),
  claude('claude-opus-4-5-20251101', 'Claude Opus 4.5', 'active', opus, { baseId: 'anthropic.claude-opus-4-5-20251101-v1:0', profiles: ['us', 'eu', 'global'] }, ['claude-opus-4-5']),
  claude('claude-sonnet-4-5-20250929', 'Claude Sonnet 4.5', 'deprecated', sonnet, { baseId: 'anthropic.claude-sonnet-4-5-20250929-v1:0', profiles: ['us', 'eu', 'au', 'jp', 'global'] }, ['claude-sonnet-4-5']),
  claude('claude-haiku-4-5-20251001', 'Claude Haiku 4.5', 'active', haiku, { baseId: 'anthropic.claude-haiku-4-5-20251001-v1:0', profiles: ['us', 'eu', 'au', 'jp', 'global'] }, ['claude-haiku-4-5']),
  claude('claude-opus-4-1-20250805', 'Claude Opus 4.1', 'retired', legacyOpus, { baseId: 'anthropic.claude-opus-4-1-20250805-v1:0', profiles: ['us'] }, ['claude-opus-4-1']),
  claude('claude-sonnet-4-20250514', 'Claude Sonnet 4', 'retired', sonnet, { baseId: 'anthropic.claude-sonnet-4-20250514-v1:0', profiles: ['us', 'eu', 'apac', 'global'] }, ['claude-sonnet-4-0']),
  claude('claude-opus-4-20250514', 'Claude Opus 4', 'retired', legacyOpus, { baseId: 'anthropic.claude-opus-4-20250514-v1:0', profiles: ['us'] }, ['claude-opus-4-0']),
  claude('claude-3-7-sonnet-20250219', 'Claude Sonnet 3.7', 'retired', sonnet, { baseId: 'anthropic.claude-3-7-sonnet-20250219-v1:0', profiles: ['us', 'eu', 'apac'] }, ['claude-3-7-sonnet-latest']),
  claude('claude-3-5-haiku-20241022', 'Claude Haiku 3.5', 'retired', claudePrice(0.8, 4), { baseId: 'anthropic.claude-3-5-haiku-20241022-v1:0', profiles: ['us'] }, ['claude-3-5-haiku-latest']),
  claude('claude-3-haiku-20240307', 'Claude Haiku 3', 'retired', { ...claudePrice(0.25, 1.25, '2025-10'), cache_read: 0.03, cache_write_5m: 0.3, cache_write_1h: 0.5 }, { baseId: 'anthropic.claude-3-haiku-20240307-v1:0', profiles: ['us', 'eu', 'apac'] }),
  // Retired ids clients still send (old scripts, pinned SDK examples): priced so a budget never serves them free.
  claude('claude-3-5-sonnet-20241022', 'Claude Sonnet 3.5 (new)', 'retired', claudePrice(3, 15, '2025-10'), { baseId: 'anthropic.claude-3-5-sonnet-20241022-v2:0', profiles: ['us', 'apac'] }, ['claude-3-5-sonnet-latest']),
  claude('claude-3-5-sonnet-20240620', 'Claude Sonnet 3.5', 'retired', claudePrice(3, 15, '2025-10'), { baseId: 'anthropic.claude-3-5-sonnet-20240620-v1:0', profiles: ['us', 'eu', 'apac'] }),
  claude('claude-3-opus-20240229', 'Claude Opus 3', 'retired', claudePrice(15, 75, '2025-10'), { baseId: 'anthropic.claude-3-opus-20240229-v1:0', profiles: ['us'] }, ['claude-3-opus-latest']),
  claude('claude-3-sonnet-20240229', 'Claude Sonnet 3', 'retired', claudePrice(3, 15, '2024-06'), { baseId: 'anthropic.claude-3-sonnet-20240229-v1:0', profiles: ['us', 'eu', 'apac'] }),
  claude('claude-2.1', 'Claude 2.1', 'retired', claudePrice(8, 24, '2024-06')),
  claude('claude-2.0', 'Claude 2.0', 'retired', claudePrice(8, 24, '2024-06')),
  claude('claude-instant-1.2', 'Claude Instant 1.2', 'retired', claudePrice(0.8, 2.4, '2024-06')),

  // Models only Bedrock serves, through Converse (protocols.md §4.7). Clients name them by their Bedrock id.
  converseModel('qwen.qwen3-coder-480b-a35b-v1:0', 'Qwen3 Coder 480B', [], textOnly, bedrockPrice(0.22, 1.8)),
  converseModel('qwen.qwen3-235b-a22b-2507-v1:0', 'Qwen3 235B', [], textOnly, bedrockPrice(0.22, 0.88)),
  converseModel('qwen.qwen3-32b-v1:0', 'Qwen3 32B', [], textOnly, bedrockPrice(0.15, 0.6)),
  converseModel('qwen.qwen3-next-80b-a3b', 'Qwen3 Next 80B', [], textOnly, bedrockPrice(0.15, 1.2, {}, VENDOR_PRICES)),
  converseModel('deepseek.r1-v1:0', 'DeepSeek R1', ['us'], textReasoning, bedrockPrice(1.35, 5.4)),
  converseModel('deepseek.v3-v1:0', 'DeepSeek V3', [], textOnly, bedrockPrice(0.58, 1.68)),
  converseModel('amazon.nova-premier-v1:0', 'Amazon Nova Premier', ['us'], { images: true, documents: true, reasoning: false, cachePoints: true, topK: 'nova' }, novaPrice(2.5, 12.5)),
  converseModel('amazon.nova-pro-v1:0', 'Amazon Nova Pro', [], { images: true, documents: true, reasoning: false, cachePoints: true, topK: 'nova' }, novaPrice(0.8, 3.2)),
  converseModel('amazon.nova-lite-v1:0', 'Amazon Nova Lite', [], { images: true, documents: true, reasoning: false, cachePoints: true, topK: 'nova' }, novaPrice(0.06, 0.24)),
  converseModel('amazon.nova-micro-v1:0', 'Amazon Nova Micro', [], { ...textOnly, cachePoints: true, topK: 'nova' }, novaPrice(0.035, 0.14)),
  converseModel('amazon.nova-2-lite-v1:0', 'Amazon Nova 2 Lite', ['us', 'global'], { images: true, documents: true, reasoning: true, cachePoints: true, topK: 'nova' }, novaPrice(0.3, 2.5)),
  converseModel('minimax.minimax-m2', 'MiniMax M2', [], textReasoning, bedrockPrice(0.3, 1.2)),
  converseModel('minimax.minimax-m2.5', 'MiniMax M2.5', [], textReasoning, bedrockPrice(0.3, 1.2, {}, VENDOR_PRICES)),
  converseModel('moonshot.kimi-k2-thinking', 'Kimi K2 Thinking', [], textReasoning, bedrockPrice(0.6, 2.5)),
  converseModel('moonshotai.kimi-k2.5', 'Kimi K2.5', [], textReasoning, bedrockPrice(0.6, 3, {}, VENDOR_PRICES)),
  converseModel('zai.glm-4.7', 'GLM 4.7', [], textReasoning, bedrockPrice(0.6, 2.2, {}, VENDOR_PRICES)),
  converseModel('zai.glm-5', 'GLM 5', [], textReasoning, bedrockPrice(1, 3.2, {}, VENDOR_PRICES)),
  converseModel('openai.gpt-oss-120b-1:0', 'gpt-oss 120B', [], textReasoning, bedrockPrice(0.15, 0.6)),
  converseModel('openai.gpt-oss-20b-1:0', 'gpt-oss 20B', [], textReasoning, bedrockPrice(0.07, 0.3)),
  converseModel('mistral.mistral-large-3-675b-instruct', 'Mistral Large 3', [], { images: true, documents: true, reasoning: false, cachePoints: false }, bedrockPrice(0.5, 1.5)),
  converseModel('meta.llama4-maverick-17b-instruct-v1:0', 'Llama 4 Maverick', ['us'], { images: true, documents: true, reasoning: false, cachePoints: false }, bedrockPrice(0.24, 0.97)),
];
