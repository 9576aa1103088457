import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { fromConverseCitation } from './citations.ts';
import { converseStopSequence, mapConverseStopReason } from './stop-reason.ts';
import { fromConverseUsage } from './usage.ts';
import { isRecord, protocolError } from './values.ts';
import { toMessage, type WireContentBlock } from './wire.ts';

/**
 * Converse (non-streaming) response -> Anthropic `Message` (protocols.md §4.2, §4.6), pure. The
 * upstream JSON is validated here: a malformed response is GW_UPSTREAM_PROTOCOL. Content block
 * members the Anthropic format has no place for (images, video, guard content) are skipped.
 * Streaming the same answer through ConverseStreamToAnthropic accumulates to the same Message.
 */

export interface ConverseMessageContext {
  /** The model the client asked for. */
  readonly model: string;
  readonly id: string;
}

export function fromConverseResponse(response: unknown, context: ConverseMessageContext): Message {
  const { record, content, stopReason } = readResponse(response);
  return toMessage({
    id: context.id,
    type: 'message',
    role: 'assistant',
    model: context.model,
    content: content.flatMap((block, index) => fromConverseBlock(block, index)),
    stop_reason: mapConverseStopReason(stopReason).stop_reason,
    stop_sequence: converseStopSequence(record.additionalModelResponseFields),
    usage: fromConverseUsage(record.usage),
  });
}

export interface ConverseResponseInfo {
  /** Bedrock's own stop reason, before mapping. */
  readonly stopReason: string;
  /** Whether the stop reason was malformed output or unknown (log it, count it). */
  readonly malformedStopReason: boolean;
  /** The service tier Bedrock used (`default`, `flex`, `priority`, `reserved`), when reported. */
  readonly serviceTier: string | undefined;
}

/** What a response says beyond the Message, for the log line and gateway headers. */
export function converseResponseInfo(response: unknown): ConverseResponseInfo {
  const { record, stopReason } = readResponse(response);
  const tier = record.serviceTier;
  return {
    stopReason,
    malformedStopReason: mapConverseStopReason(stopReason).malformed === true,
    serviceTier: isRecord(tier) && typeof tier.type === 'string' ? tier.type : undefined,
  };
}

interface ResponseParts {
  readonly record: Record<string, unknown>;
  readonly content: readonly unknown[];
  readonly stopReason: string;
}

function readResponse(response: unknown): ResponseParts {
  if (!isRecord(response)) throw protocolError('a response that is not a JSON object.');
  const message = isRecord(response.output) ? response.output.message : undefined;
  if (!isRecord(message) || !Array.isArray(message.content)) throw protocolError('a response without output.message.content.');
  if (typeof response.stopReason !== 'string') throw protocolError('a response without a stopReason.');
  return { record: response, content: message.content, stopReason: response.stopReason };
}

function fromConverseBlock(block: unknown, index: number): WireContentBlock[] {
  if (!isRecord(block)) throw protocolError(`content block ${index} that is not an object.`);
  if (typeof block.text === 'string') return [{ type: 'text', text: block.text }];
  if (isRecord(block.toolUse)) {
    const { toolUseId, name, input } = block.toolUse;
    if (typeof toolUseId !== 'string' || typeof name !== 'string') throw protocolError(`a toolUse block (content ${index}) without toolUseId or name.`);
    return [{ type: 'tool_use', id: toolUseId, name, input: input ?? {} }];
  }
  if (isRecord(block.reasoningContent)) return fromReasoning(block.reasoningContent, index);
  if (isRecord(block.citationsContent)) return [fromCitationsContent(block.citationsContent)];
  return [];
}

function fromReasoning(reasoning: Record<string, unknown>, index: number): WireContentBlock[] {
  if (typeof reasoning.redactedContent === 'string') return [{ type: 'redacted_thinking', data: reasoning.redactedContent }];
  const text = reasoning.reasoningText;
  if (!isRecord(text) || typeof text.text !== 'string') throw protocolError(`a reasoningContent block (content ${index}) without reasoningText or redactedContent.`);
  return [{ type: 'thinking', thinking: text.text, signature: typeof text.signature === 'string' ? text.signature : '' }];
}

function fromCitationsContent(block: Record<string, unknown>): WireContentBlock {
  const parts = Array.isArray(block.content) ? block.content : [];
  const text = parts.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
  const citations = (Array.isArray(block.citations) ? block.citations : []).flatMap((citation) => fromConverseCitation(citation) ?? []);
  return citations.length > 0 ? { type: 'text', text, citations } : { type: 'text', text };
}
