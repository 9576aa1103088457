/**
 * What one Bedrock model accepts through Converse (protocols.md §4.7), as data. The model catalog
 * maps each model onto a profile; the request converter reads only this, never model ids.
 */
export interface ConverseModelProfile {
  /** `claude`: Anthropic extras (thinking, top_k, betas, stop_sequence) and replayable signatures. */
  readonly family: 'claude' | 'other';
  /** Whether `cachePoint` blocks may be sent; without them cache_control is dropped and listed. */
  readonly cachePoints: boolean;
  /** Whether image blocks are accepted; without them an image is a 400. */
  readonly images: boolean;
  /** Whether document blocks are accepted; without them a document is a 400. */
  readonly documents: boolean;
  /** Whether the model takes Anthropic `thinking` and replayed reasoning blocks (Claude only). */
  readonly reasoning: boolean;
  /** Where `top_k` goes: Claude's `top_k`, Nova's `inferenceConfig.topK`; absent: unsupported. */
  readonly topK?: 'claude' | 'nova';
}

/** A current Claude model on Converse: everything the converter can map. */
export const claudeConverseProfile: ConverseModelProfile = {
  family: 'claude',
  cachePoints: true,
  images: true,
  documents: true,
  reasoning: true,
  topK: 'claude',
};

/** A model the catalog knows nothing about: text and tools only, the safe floor. */
export const genericConverseProfile: ConverseModelProfile = {
  family: 'other',
  cachePoints: false,
  images: false,
  documents: false,
  reasoning: false,
};
