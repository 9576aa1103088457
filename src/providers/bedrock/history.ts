import { joinTurns } from '../../request/unsigned-thinking.ts';

/**
 * Conversation history made valid for the target family before it leaves (issue 4): a thinking
 * block is valid only with a signature from the Claude family (Anthropic and Bedrock Claude
 * accept each other's), so Claude targets get the unsigned ones (from other providers) dropped;
 * Converse's non-Claude models drop thinking in the converter. Tool ids are made valid for
 * Bedrock (`[a-zA-Z0-9_-]`), the same rewrite applied to `tool_use.id` and `tool_result.tool_use_id`
 * so pairs still match. Pure; the input is not changed; an unchanged history is returned as is.
 */

const TOOL_ID = /^[a-zA-Z0-9_-]+$/;

function validToolId(id: unknown): unknown {
  return typeof id === 'string' && !TOOL_ID.test(id) ? id.replace(/[^a-zA-Z0-9_-]/g, '_') : id;
}

function cleanBlock(block: unknown, claude: boolean): unknown[] {
  if (typeof block !== 'object' || block === null) return [block];
  const record = block as Record<string, unknown>;
  if (claude && record.type === 'thinking' && (typeof record.signature !== 'string' || record.signature === '')) return [];
  if (record.type === 'tool_use' && validToolId(record.id) !== record.id) return [{ ...record, id: validToolId(record.id) }];
  if (record.type === 'tool_result' && validToolId(record.tool_use_id) !== record.tool_use_id) return [{ ...record, tool_use_id: validToolId(record.tool_use_id) }];
  return [block];
}

export function cleanHistoryForBedrock(body: Record<string, unknown>, claude: boolean): Record<string, unknown> {
  if (!Array.isArray(body.messages)) return body;
  let changed = false;
  const messages = body.messages.map((message: unknown) => {
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) return message;
    const cleaned = content.flatMap((block) => cleanBlock(block, claude));
    if (cleaned.length === content.length && cleaned.every((block, index) => block === content[index])) return message;
    changed = true;
    return { ...(message as object), content: cleaned };
  });
  // A turn that was only unsigned reasoning goes; the turns it leaves side by side are joined.
  return changed ? { ...body, messages: joinTurns(messages) } : body;
}
