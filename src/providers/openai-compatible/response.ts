import type { Message } from '@anthropic-ai/sdk/resources/messages';
import { reasoningTextOf } from './reasoning-text.ts';
import { mapOpenAIStopReason } from './stop-reason.ts';
import { argumentsText } from './tool-calls.ts';
import { toAnthropicToolId } from './tool-ids.ts';
import { estimatedUsage, fromOpenAIUsage, usageOf } from './usage.ts';
import { isRecord, protocolError } from './values.ts';
import { toMessage, type WireContentBlock } from './wire.ts';

/**
 * A Chat Completions response -> Anthropic `Message` (protocols.md §6.2-6.4), pure. Reasoning
 * becomes a `thinking` block with an empty signature (never valid toward Claude: the history
 * hygiene of routing strips it), then the text (or the refusal), then one `tool_use` per tool
 * call with its arguments parsed (empty arguments are `{}`; arguments that are not a JSON
 * object are GW_UPSTREAM_PROTOCOL). A response without usage gets an estimate, marked.
 * Streaming the same answer through OpenAIStreamToAnthropic accumulates to the same Message.
 */

export interface OpenAIMessageContext {
  /** The provider's name, for messages. */
  readonly provider: string;
  /** The model the client asked for. */
  readonly model: string;
  /** The Anthropic message id (from the gateway's id source). */
  readonly id: string;
  /** The request's stop sequences, to tell a matched one (vLLM names it). */
  readonly stopSequences?: readonly string[];
  /** The local input estimate, used when the provider reports no usage. */
  readonly inputTokensEstimate?: number;
}

export interface OpenAIResponseResult {
  readonly message: Message;
  /** The provider's own finish reason, before mapping. */
  readonly finishReason: string | null;
  /** Whether the finish reason was unknown (log it, count it). */
  readonly unknownFinishReason: boolean;
  /** Set when the provider reported no usage and the usage is the gateway's estimate. */
  readonly usageEstimated: boolean;
}

export function fromOpenAIResponse(response: unknown, context: OpenAIMessageContext): OpenAIResponseResult {
  if (!isRecord(response)) throw protocolError(context.provider, 'a response that is not a JSON object.');
  const choice = Array.isArray(response.choices) ? response.choices[0] : undefined;
  if (!isRecord(choice) || !isRecord(choice.message)) throw protocolError(context.provider, 'a response without choices[0].message.');
  const message = choice.message;
  const content: WireContentBlock[] = [];
  const reasoning = reasoningTextOf(message);
  if (reasoning !== undefined && reasoning !== '') content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  const text = typeof message.content === 'string' ? message.content : typeof message.refusal === 'string' ? message.refusal : '';
  if (text !== '') content.push({ type: 'text', text });
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  toolCalls.forEach((call, index) => content.push(toToolUse(call, index, context)));
  const finishReason = typeof choice.finish_reason === 'string' ? choice.finish_reason : null;
  const stop = mapOpenAIStopReason({
    finishReason: typeof message.refusal === 'string' && message.refusal !== '' ? 'content_filter' : finishReason,
    hasToolCalls: toolCalls.length > 0,
    matchedStop: choice.stop_reason,
    ...(context.stopSequences === undefined ? {} : { stopSequences: context.stopSequences }),
  });
  const reported = fromOpenAIUsage(usageOf(response));
  const characters = (reasoning?.length ?? 0) + text.length + toolCalls.reduce<number>((sum, call) => sum + argumentsOf(call).length, 0);
  return {
    message: toMessage({
      id: context.id,
      type: 'message',
      role: 'assistant',
      model: context.model,
      content,
      stop_reason: stop.stop_reason,
      stop_sequence: stop.stop_sequence,
      usage: reported ?? estimatedUsage(context.inputTokensEstimate ?? 0, characters),
    }),
    finishReason,
    unknownFinishReason: stop.unknown === true,
    usageEstimated: reported === undefined,
  };
}

function argumentsOf(call: unknown): string {
  const fn = isRecord(call) && isRecord(call.function) ? call.function : undefined;
  return argumentsText(fn?.arguments);
}

function toToolUse(call: unknown, index: number, context: OpenAIMessageContext): WireContentBlock {
  const fn = isRecord(call) && isRecord(call.function) ? call.function : undefined;
  if (!isRecord(call) || fn === undefined || typeof fn.name !== 'string') throw protocolError(context.provider, `tool call ${index} without a function name.`);
  const id = typeof call.id === 'string' && call.id !== '' ? call.id : `${context.id}_tool_${index}`;
  return { type: 'tool_use', id: toAnthropicToolId(id), name: fn.name, input: parseArguments(argumentsOf(call), index, context.provider) };
}

/** Tool-call arguments as the object they encode; empty arguments are `{}`. */
export function parseArguments(text: string, index: number, provider: string): unknown {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw protocolError(provider, `tool call ${index} arguments that are not JSON.`);
  }
  if (!isRecord(parsed)) throw protocolError(provider, `tool call ${index} arguments that are not a JSON object.`);
  return parsed;
}
