/**
 * History hygiene toward Claude (protocols.md §7.3): a thinking block is valid only with a
 * signature from the Claude family, so a block without one (an OpenAI-compatible provider's
 * reasoning, which the gateway answers with `signature: ""`) is dropped before a Claude target.
 * Bedrock's history cleaning does it for Bedrock (providers/bedrock/history.ts); the Anthropic
 * passthrough does it here, only when the bytes may hold such a block (an empty signature, or
 * more thinking blocks than signatures: a block with no `signature` field at all, as a client
 * that rebuilt the history from an OpenAI answer sends), so every other body still goes out byte
 * for byte. Pure; the input is not changed.
 */

function count(json: Buffer, needles: readonly string[]): number {
  let total = 0;
  for (const needle of needles) {
    for (let at = json.indexOf(needle); at !== -1; at = json.indexOf(needle, at + needle.length)) total++;
  }
  return total;
}

/**
 * Whether the JSON text may hold a thinking block without a signature (cheap, before any parse:
 * native byte searches for JSON as the SDKs write it, compact or with `": "`). A false alarm only
 * costs a parse: the bytes still go out unchanged when nothing is dropped.
 */
export function mayHoldUnsignedThinking(json: Buffer): boolean {
  if (count(json, ['"signature":""', '"signature": ""']) > 0) return true;
  const thinking = count(json, ['"type":"thinking"', '"type": "thinking"']);
  return thinking > 0 && thinking > count(json, ['"signature":"', '"signature": "']);
}

function unsigned(block: unknown): boolean {
  if (typeof block !== 'object' || block === null) return false;
  const record = block as Record<string, unknown>;
  return record.type === 'thinking' && (typeof record.signature !== 'string' || record.signature === '');
}

/** The body without unsigned thinking blocks in its messages; the same object when there were none. */
export function withoutUnsignedThinking(body: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  if (!Array.isArray(body.messages)) return body;
  let changed = false;
  const messages = body.messages.map((message: unknown) => {
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content) || !content.some(unsigned)) return message;
    changed = true;
    return { ...(message as object), content: content.filter((block) => !unsigned(block)) };
  });
  return changed ? { ...body, messages: joinTurns(messages) } : body;
}

/**
 * Messages after blocks were dropped from them: a turn left empty goes (an empty text block would
 * be refused), and the turns of one role it leaves side by side are joined into one, so roles
 * still alternate (Bedrock requires it). Pure.
 */
export function joinTurns(messages: readonly unknown[]): unknown[] {
  const joined: unknown[] = [];
  for (const message of messages) {
    const record = message as { role?: unknown; content?: unknown } | null;
    if (Array.isArray(record?.content) && record.content.length === 0) continue;
    const previous = joined.at(-1) as { role?: unknown; content?: unknown } | null | undefined;
    if (previous !== undefined && previous !== null && record !== null && previous.role === record.role && previous.role !== undefined) {
      joined[joined.length - 1] = { ...previous, content: [...blocksOf(previous.content), ...blocksOf(record.content)] };
    } else joined.push(message);
  }
  return joined;
}

function blocksOf(content: unknown): unknown[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content : [];
}
