import type { ServiceTier } from '../service-tier.ts';
import type { BedrockApi, ModelCapabilities } from './model-catalog.ts';

/**
 * A resolved target: where one attempt of a request goes, as routing/resolve.ts works it out
 * from the configuration and the model catalog. Plain data that routing, accounting and the
 * provider that serves it all read, so it lives with the configuration it comes from, not in a
 * provider (routing never imports one).
 */

export interface AnthropicTarget {
  readonly provider: 'anthropic';
  readonly model: string;
}

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

export type BedrockTarget = { readonly provider: 'bedrock' } & BedrockTargetSettings;

export type Target = AnthropicTarget | BedrockTarget;
