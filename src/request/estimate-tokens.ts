import { jsonLength } from './json-size.ts';

/**
 * A local estimate of a request's input tokens, for models whose provider cannot count them
 * (count_tokens on Converse models), the input tokens a Converse stream announces in
 * `message_start`, and the budget's choice of whether an exact count is worth asking for.
 * Documented in docs/bedrock.md and marked on a count_tokens response
 * (`x-gateway-token-count: estimate`). The rule: about four characters of text per token (the
 * usual figure for English and code with Claude-family tokenizers), each image a flat 1,600
 * tokens (Anthropic's figure for a ~1.15 megapixel image), each base64 document one token per
 * three decoded bytes, plus a few tokens of framing per message, block and tool.
 *
 * An estimate, not a bound: text of 1-2 characters a token (CJK, dense code) runs above it. A
 * budget reserves on `inputTokenBound` (input-bound.ts) instead. The walk is iterative, so no
 * request nests deep enough to overflow the stack.
 */

const CHARACTERS_PER_TOKEN = 4;
const IMAGE_TOKENS = 1_600;
const FRAMING_TOKENS = 4;

const skippedKeys = new Set(['cache_control', 'signature', 'type', 'role']);

export function estimateInputTokens(request: Record<string, unknown>): number {
  let characters = 0;
  let tokens = 0;
  const pending: unknown[] = [request.tools, request.messages, request.system];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') {
      characters += value.length;
      continue;
    }
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) pending.push(value[index]);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const record = value as Record<string, unknown>;
    tokens += FRAMING_TOKENS;
    if (record.type === 'image') {
      tokens += IMAGE_TOKENS;
      continue;
    }
    const source = record.source as { type?: unknown; data?: unknown } | undefined;
    if (record.type === 'document' && source?.type === 'base64' && typeof source.data === 'string') {
      tokens += Math.ceil((source.data.length * 3) / 4 / 3);
      continue;
    }
    for (const [key, child] of Object.entries(record)) {
      if (skippedKeys.has(key)) continue;
      if (key === 'input' || key === 'input_schema') characters += jsonLength(child, 'characters');
      else pending.push(child);
    }
  }
  return Math.max(1, tokens + Math.ceil(characters / CHARACTERS_PER_TOKEN));
}
