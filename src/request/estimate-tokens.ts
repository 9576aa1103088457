/**
 * A local estimate of a request's input tokens, for models whose provider cannot count them
 * (count_tokens on Converse models). Documented in docs/bedrock.md and marked on the response
 * (`x-gateway-token-count: estimate`). The rule: about four characters of text per token (the
 * usual figure for English and code with Claude-family tokenizers), each image a flat 1,600
 * tokens (Anthropic's figure for a ~1.15 megapixel image), each base64 document one token per
 * three decoded bytes, plus a few tokens of framing per message, block and tool.
 */

const CHARACTERS_PER_TOKEN = 4;
const IMAGE_TOKENS = 1_600;
const FRAMING_TOKENS = 4;

export function estimateInputTokens(request: Record<string, unknown>): number {
  let characters = 0;
  let tokens = 0;
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      characters += value.length;
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    tokens += FRAMING_TOKENS;
    if (record.type === 'image') {
      tokens += IMAGE_TOKENS;
      return;
    }
    const source = record.source as { type?: unknown; data?: unknown } | undefined;
    if (record.type === 'document' && source?.type === 'base64' && typeof source.data === 'string') {
      tokens += Math.ceil((source.data.length * 3) / 4 / 3);
      return;
    }
    for (const [key, child] of Object.entries(record)) {
      if (key === 'cache_control' || key === 'signature' || key === 'type' || key === 'role') continue;
      if (key === 'input' || key === 'input_schema') characters += JSON.stringify(child).length;
      else visit(child);
    }
  };
  visit(request.system);
  visit(request.messages);
  visit(request.tools);
  return Math.max(1, tokens + Math.ceil(characters / CHARACTERS_PER_TOKEN));
}
