import type { GatewayConfig } from '../config/schema.ts';
import { GatewayError } from '../errors.ts';

/**
 * Request features an operator turned off (seeds 002/004's ENABLE_TOOL_USE,
 * ENABLE_EXTENDED_THINKING, ENABLE_DOCUMENT_SUPPORT; `features:` in the configuration). The seed
 * stripped such parts silently; here a request that uses one is refused with a 400 that names
 * the feature, the field and the variable, so nobody gets an answer to a question they did not
 * ask. Pure: the caller parses the body, and only when a switch is off.
 */

export type FeatureSwitches = GatewayConfig['features'];

/** Whether every switch is on (the default): nothing to check, the body need not be parsed. */
export function allFeaturesOn(features: FeatureSwitches): boolean {
  return features.tool_use && features.extended_thinking && features.documents;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refused(feature: string, variable: string, path: string): GatewayError {
  return new GatewayError('GW_FEATURE_DISABLED', `${feature} is turned off on this gateway (${variable}=false); the request has it at ${path}. Remove it, or ask the operator to turn it on.`);
}

/** The path of the first document block in a list of content blocks (tool results included). */
function documentIn(content: unknown, path: string): string | undefined {
  if (!Array.isArray(content)) return undefined;
  for (const [index, block] of content.entries()) {
    if (!isRecord(block)) continue;
    if (block.type === 'document') return `${path}.${index}`;
    const nested = documentIn(block.content, `${path}.${index}.content`);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

/** The refusal for the first feature of `body` that is turned off, if any. */
export function disabledFeatureIn(body: Readonly<Record<string, unknown>>, features: FeatureSwitches): GatewayError | undefined {
  if (!features.tool_use && Array.isArray(body.tools) && body.tools.length > 0) return refused('Tool use', 'ENABLE_TOOL_USE', 'tools');
  if (!features.extended_thinking && isRecord(body.thinking) && body.thinking.type !== 'disabled') return refused('Extended thinking', 'ENABLE_EXTENDED_THINKING', 'thinking');
  if (!features.documents && Array.isArray(body.messages)) {
    for (const [index, message] of body.messages.entries()) {
      const path = isRecord(message) ? documentIn(message.content, `messages.${index}.content`) : undefined;
      if (path !== undefined) return refused('Document support', 'ENABLE_DOCUMENT_SUPPORT', path);
    }
  }
  return undefined;
}
