import type { ServiceTier } from '../service-tier.ts';
import type { BedrockApi, ModelCapabilities } from './model-catalog.ts';

/**
 * A resolved target: where one attempt of a request goes, as routing/resolve.ts works it out
 * from the configuration and the model catalog: `{provider, model, options}` (the Provider
 * contract's ProviderTarget), the options being the provider's own settings. Plain data that
 * routing, accounting and the provider that serves it all read, so it lives with the
 * configuration it comes from, not in a provider (routing never imports one).
 */

export interface AnthropicTarget {
  readonly provider: 'anthropic';
  readonly model: string;
  /** Anthropic takes no options. */
  readonly options?: undefined;
}

/** A Bedrock target's options: region, API and the catalog's knowledge of the model. */
export type BedrockOptions = Omit<BedrockTargetSettings, 'model'>;

/** A Bedrock target's settings: model id, region, API and the catalog's knowledge of the model. */
export interface BedrockTargetSettings {
  /** The Bedrock model id to call: base id, inference profile or ARN. */
  readonly model: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly api: BedrockApi;
  readonly serviceTier: ServiceTier;
  readonly capabilities: ModelCapabilities;
  readonly betas?: readonly string[];
  /** Tiers the model accepts, when known; another requested tier is sent as `default`. */
  readonly serviceTiers?: readonly ServiceTier[];
}

export interface BedrockTarget {
  readonly provider: 'bedrock';
  /** The Bedrock model id to call: base id, inference profile or ARN. */
  readonly model: string;
  readonly options: BedrockOptions;
}

/** The settings a Bedrock client call takes: the target's model with its options. */
export function bedrockSettings(target: BedrockTarget): BedrockTargetSettings {
  return { model: target.model, ...target.options };
}

/**
 * An OpenAI-compatible target: `provider` is the endpoint's name (`openai`, `groq`, `cerebras`,
 * `openrouter` or one under `openai_compatible:`), `model` the provider's model id, passed as is.
 */
export interface OpenAICompatibleTarget {
  readonly provider: string;
  readonly model: string;
  readonly options: { readonly wire: 'openai' };
}

export type Target = AnthropicTarget | BedrockTarget | OpenAICompatibleTarget;

/** Narrows a target to Bedrock's (a provider name alone does not: an OpenAI target's is any string). */
export function isBedrockTarget(target: Target): target is BedrockTarget {
  return target.provider === 'bedrock' && target.options !== undefined && !('wire' in target.options);
}

/** Narrows a target to an OpenAI-compatible one. */
export function isOpenAICompatibleTarget(target: Target): target is OpenAICompatibleTarget {
  return target.options !== undefined && 'wire' in target.options && target.options.wire === 'openai';
}
