import { cachePointFor, requiredString, unsupported, type ConversionContext, type ConverseBlock } from './context.ts';
import { isRecord } from './values.ts';

/**
 * Anthropic `system` (a string or text blocks) -> Converse `system` (protocols.md §4.5): one
 * `{text}` per block, a `cachePoint` after each block with `cache_control`. Blank text is
 * dropped and listed (Converse rejects it); so are citations, which Converse system blocks lack.
 */
export function toConverseSystem(system: unknown, context: ConversionContext): ConverseBlock[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') {
    if (system.trim() !== '') return [{ text: system }];
    context.removed.push('system');
    return [];
  }
  if (!Array.isArray(system)) throw unsupported('system', 'expected a string or a list of text blocks.');
  return system.flatMap((block, index): ConverseBlock[] => {
    const path = `system.${index}`;
    if (!isRecord(block) || block.type !== 'text') throw unsupported(path, 'system blocks on Bedrock Converse must be text blocks.');
    const text = requiredString(block, 'text', path);
    if (Array.isArray(block.citations) && block.citations.length > 0) context.removed.push(`${path}.citations`);
    if (text.trim() === '') {
      context.removed.push(path);
      return [];
    }
    return [{ text }, ...cachePointFor(block.cache_control, `${path}.cache_control`, context)];
  });
}
