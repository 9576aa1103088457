/**
 * A true upper bound of a request's input tokens, for budget reservations (issue 10 A3;
 * docs/accounting.md "What a reservation holds"). Pure and iterative.
 *
 * - Text: the UTF-8 bytes of the request's JSON (every field, its keys and punctuation
 *   included), images and documents aside. Claude's tokenizers, like those of the Converse
 *   models, are byte-level BPE: every token stands for at least one byte of the text it encodes,
 *   so a text of N bytes is at most N tokens. The JSON punctuation around each message and block
 *   (`{"role":"user","content":…}`, dozens of bytes) covers the few framing tokens each turn adds.
 * - Fixed prompts the upstream adds: REQUEST_OVERHEAD for every request, TOOLS_PROMPT when tools
 *   are defined (Anthropic documents 346 tokens on Claude 4 models, 530 on Claude 3 Opus), and
 *   ANTHROPIC_TOOL for each Anthropic-defined tool (`type` other than `custom`: computer use
 *   documents 735 tokens plus a 466-499 token system prompt, the text editor 700, bash 245).
 * - Images: IMAGE_TOKENS each, where the API reads an image: a block of a message's content, or
 *   of a tool result's content. An image costs one token per 28×28-pixel patch after it is
 *   resized to the model's largest native resolution; the largest of any Claude model is 2,576
 *   pixels on the long edge, at most 92 × 92 = 8,464 patches, plus a few tokens of block
 *   framing. Anywhere else (a tool call's `input`, a tool's `input_schema`, any JSON the API
 *   takes as it is) an object typed `image` is text like the rest, and its bytes count.
 * - Documents: a plain-text or content document counts as its text; a PDF or a file reference
 *   has no bound the gateway can read (each page is its text plus an image), so it makes the
 *   request's bound the context window.
 * - Everything is capped at CONTEXT_TOKENS: no model in the catalog reads more than 1,000,000
 *   input tokens, and a prompt over a model's window is refused by the upstream, not charged.
 *
 * Not foreseeable from the request, so not bounded: what server tools add while the request runs
 * (web search and fetch results, code execution output) and the tool definitions of remote MCP
 * servers. `cacheWrite` says whether the input may be written to the prompt cache (any
 * `cache_control`, `1h` when one asks for the one-hour TTL), which bills it above the input price.
 */

export const IMAGE_TOKENS = 8_500;
export const REQUEST_OVERHEAD = 100;
export const TOOLS_PROMPT = 1_000;
export const ANTHROPIC_TOOL = 2_000;
export const DOCUMENT_OVERHEAD = 100;
export const CONTEXT_TOKENS = 1_000_000;

export type CacheWrite = 'none' | '5m' | '1h';

export interface InputBound {
  readonly tokens: number;
  readonly cacheWrite: CacheWrite;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Text and content documents are read; anything else (base64 PDF, URL, file id) is opaque. */
function isReadableDocument(record: Record<string, unknown>): boolean {
  const source = record.source;
  return isRecord(source) && (source.type === 'text' || source.type === 'content');
}

function toolTokens(tools: unknown): number {
  if (!Array.isArray(tools) || tools.length === 0) return 0;
  let tokens = TOOLS_PROMPT;
  for (const tool of tools) {
    if (isRecord(tool) && typeof tool.type === 'string' && tool.type !== 'custom') tokens += ANTHROPIC_TOOL;
  }
  return tokens;
}

/**
 * Where a value sits in the request, as far as images go: the request itself, its `messages`
 * array, one message, an array of content blocks (a message's, or a tool result's), one block,
 * or anywhere else (`plain`: an object typed `image` there is not an image).
 */
type Place = 'root' | 'messages' | 'message' | 'blocks' | 'block' | 'plain';

function childPlace(place: Place, record: Record<string, unknown>, key: string, child: unknown): Place {
  if (!Array.isArray(child)) return 'plain';
  if (place === 'root' && key === 'messages') return 'messages';
  if (key === 'content' && (place === 'message' || (place === 'block' && record.type === 'tool_result'))) return 'blocks';
  return 'plain';
}

function itemPlace(place: Place): Place {
  return place === 'messages' ? 'message' : place === 'blocks' ? 'block' : 'plain';
}

export function inputTokenBound(request: Record<string, unknown>): InputBound {
  let bytes = 0;
  let tokens = REQUEST_OVERHEAD + toolTokens(request.tools);
  let opaque = false;
  let cacheWrite: CacheWrite = 'none';
  const pending: [unknown, Place][] = [[request, 'root']];
  while (pending.length > 0) {
    const [value, place] = pending.pop() as [unknown, Place];
    if (typeof value === 'string') bytes += Buffer.byteLength(value, 'utf8') + 2;
    else if (typeof value === 'number' || typeof value === 'boolean') bytes += String(value).length;
    else if (value === null) bytes += 4;
    else if (Array.isArray(value)) {
      bytes += 2 + Math.max(0, value.length - 1);
      const inner = itemPlace(place);
      for (const child of value) pending.push([child, inner]);
    } else if (isRecord(value)) {
      const cache = value.cache_control;
      if (isRecord(cache)) cacheWrite = cache.ttl === '1h' ? '1h' : cacheWrite === 'none' ? '5m' : cacheWrite;
      if (value.type === 'image' && place === 'block') {
        tokens += IMAGE_TOKENS;
        continue;
      }
      if (value.type === 'document') {
        if (!isReadableDocument(value)) opaque = true;
        tokens += DOCUMENT_OVERHEAD;
      }
      // As JSON.stringify writes it (json-size.ts): braces, commas, quoted keys and colons.
      const entries = Object.entries(value);
      bytes += 2 + Math.max(0, entries.length - 1);
      for (const [key, child] of entries) {
        bytes += Buffer.byteLength(key, 'utf8') + 3;
        pending.push([child, childPlace(place, value, key, child)]);
      }
    }
  }
  return { tokens: opaque ? CONTEXT_TOKENS : Math.min(CONTEXT_TOKENS, bytes + tokens), cacheWrite };
}
