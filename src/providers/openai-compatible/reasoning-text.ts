import { isRecord } from './values.ts';

/**
 * The reasoning text of a message or a stream delta (protocols.md §6.2, §6.5): DeepSeek and vLLM
 * send `reasoning_content`, OpenRouter and Groq (`parsed`) `reasoning`, OpenRouter also
 * `reasoning_details` (the same text again, as typed parts: read only when neither string came).
 * Encrypted details have no Anthropic form (their signatures mean nothing to Claude) and are skipped.
 */
export function reasoningTextOf(record: Record<string, unknown>): string | undefined {
  if (typeof record.reasoning_content === 'string') return record.reasoning_content;
  if (typeof record.reasoning === 'string') return record.reasoning;
  if (!Array.isArray(record.reasoning_details)) return undefined;
  let text: string | undefined;
  for (const detail of record.reasoning_details) {
    if (!isRecord(detail)) continue;
    const part = detail.type === 'reasoning.text' ? detail.text : detail.type === 'reasoning.summary' ? detail.summary : undefined;
    if (typeof part === 'string') text = (text ?? '') + part;
  }
  return text;
}
