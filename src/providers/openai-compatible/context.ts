import type { GatewayError } from '../../errors.ts';
import type { ModelTraits } from './model-traits.ts';
import type { OpenAICompatibleQuirks } from './quirks.ts';
import { unsupported } from './values.ts';

/**
 * What one request conversion carries between its parts: the provider's name (for messages),
 * its quirks, the upstream model and the list of dropped fields (for a header). A new context
 * is made per conversion, so the converters stay pure from the outside.
 */
export interface ConversionContext {
  readonly provider: string;
  readonly quirks: OpenAICompatibleQuirks;
  readonly model: string;
  /** What the model takes (model-traits.ts). */
  readonly traits: ModelTraits;
  /** Field paths dropped, each once, in the order met. */
  readonly removed: string[];
}

export function remove(context: ConversionContext, path: string): void {
  if (!context.removed.includes(path)) context.removed.push(path);
}

export function refuse(context: ConversionContext, path: string, text: string): GatewayError {
  return unsupported(context.provider, path, text);
}
