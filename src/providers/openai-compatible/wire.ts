import type { Message, MessageStreamEvent, RawContentBlockDelta, StopReason } from '@anthropic-ai/sdk/resources/messages';
import type { OpenAIAnthropicUsage } from './usage.ts';

/**
 * The Anthropic wire shapes the OpenAI-compatible converters emit. The SDK's types declare
 * fields required that Anthropic sends only in newer versions (`citations`, `caller`…); the
 * gateway sends what the provider told it, and this file is the one place where the narrower
 * shapes are typed as the SDK's.
 */

export type WireContentBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'thinking'; readonly thinking: string; readonly signature: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: unknown };

export interface WireMessage {
  readonly id: string;
  readonly type: 'message';
  readonly role: 'assistant';
  readonly model: string;
  readonly content: WireContentBlock[];
  readonly stop_reason: StopReason | null;
  readonly stop_sequence: string | null;
  readonly usage: OpenAIAnthropicUsage | { readonly input_tokens: number; readonly output_tokens: 0 };
}

export type WireEvent =
  | { readonly type: 'message_start'; readonly message: WireMessage }
  | { readonly type: 'content_block_start'; readonly index: number; readonly content_block: WireContentBlock }
  | { readonly type: 'content_block_delta'; readonly index: number; readonly delta: RawContentBlockDelta }
  | { readonly type: 'content_block_stop'; readonly index: number }
  | { readonly type: 'message_delta'; readonly delta: { readonly stop_reason: StopReason; readonly stop_sequence: string | null }; readonly usage: OpenAIAnthropicUsage }
  | { readonly type: 'message_stop' };

export function toMessage(message: WireMessage): Message {
  return message as unknown as Message;
}

export function toEvent(event: WireEvent): MessageStreamEvent {
  return event as unknown as MessageStreamEvent;
}
