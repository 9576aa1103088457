import { claudeCapabilities, type ModelCapabilities } from '../../../config/model-catalog.ts';

/**
 * What one Bedrock model accepts through Converse (protocols.md §4.7): the model catalog's
 * capability record itself, so the converter reads the catalog's data, never model ids.
 * `family: claude` means Anthropic extras (thinking, top_k, betas, stop_sequence) and replayable
 * signatures; without `cachePoints` cache_control is dropped and listed; without `images` or
 * `documents` such a block is a 400; `topK` says where `top_k` goes (absent: unsupported).
 */
export type ConverseModelProfile = ModelCapabilities;

/** A current Claude model on Converse: everything the converter can map. */
export const claudeConverseProfile: ConverseModelProfile = claudeCapabilities;

/** A model the catalog knows nothing about: text and tools only, the safe floor. */
export const genericConverseProfile: ConverseModelProfile = {
  family: 'other',
  cachePoints: false,
  images: false,
  documents: false,
  reasoning: false,
};
