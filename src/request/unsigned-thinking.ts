/**
 * History hygiene toward Claude (protocols.md §7.3): a thinking block is valid only with a
 * signature from the Claude family, so a block without one (an OpenAI-compatible provider's
 * reasoning, which the gateway answers with `signature: ""`) is dropped before a Claude target.
 * Bedrock's history cleaning does it for Bedrock (providers/bedrock/history.ts); the Anthropic
 * passthrough does it here, only when the bytes hold an empty signature, so every other body
 * still goes out byte for byte. Pure; the input is not changed.
 */

/** Whether the JSON text may hold a thinking block with an empty signature (cheap, before any parse). */
export function mayHoldUnsignedThinking(json: Buffer): boolean {
  return json.includes('"signature":""') || json.includes('"signature": ""');
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
    const kept = content.filter((block) => !unsigned(block));
    // An assistant turn that was only reasoning keeps an empty text, so the turns still alternate.
    return { ...(message as object), content: kept.length > 0 ? kept : [{ type: 'text', text: '' }] };
  });
  return changed ? { ...body, messages } : body;
}
