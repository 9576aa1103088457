import type { Message, MessageStreamEvent, RawContentBlockDelta, StopReason, TextCitation } from '@anthropic-ai/sdk/resources/messages';

/**
 * The Anthropic wire shapes a translating provider emits. Anthropic starts streamed blocks as
 * `{type:"text",text:""}` and `{type:"tool_use",id,name,input:{}}` (protocols.md §1.9) and
 * clients treat a missing newer field as null; the SDK's types declare those fields required
 * (`citations`, `caller`, `container`, `stop_details`, `diagnostics`, the newer usage counters).
 * A translator sends only what its upstream told it, and this file is the one place where the
 * narrower shapes are typed as the SDK's. `Usage` is the translator's usage object.
 */

export type WireContentBlock =
  | { readonly type: 'text'; readonly text: string; readonly citations?: TextCitation[] }
  | { readonly type: 'thinking'; readonly thinking: string; readonly signature: string }
  | { readonly type: 'redacted_thinking'; readonly data: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: unknown };

export interface WireMessage<Usage> {
  readonly id: string;
  readonly type: 'message';
  readonly role: 'assistant';
  readonly model: string;
  readonly content: WireContentBlock[];
  readonly stop_reason: StopReason | null;
  readonly stop_sequence: string | null;
  /** A stream's `message_start` has the input estimate and no output yet; a whole Message has the real usage. */
  readonly usage: Usage | { readonly input_tokens: number; readonly output_tokens: 0 };
}

export type WireEvent<Usage, DeltaUsage = Usage> =
  | { readonly type: 'message_start'; readonly message: WireMessage<Usage> }
  | { readonly type: 'content_block_start'; readonly index: number; readonly content_block: WireContentBlock }
  | { readonly type: 'content_block_delta'; readonly index: number; readonly delta: RawContentBlockDelta }
  | { readonly type: 'content_block_stop'; readonly index: number }
  | {
      readonly type: 'message_delta';
      readonly delta: { readonly stop_reason: StopReason; readonly stop_sequence: string | null };
      readonly usage: DeltaUsage;
    }
  | { readonly type: 'message_stop' };

export function toMessage<Usage>(message: WireMessage<Usage>): Message {
  return message as unknown as Message;
}

export function toEvent<Usage, DeltaUsage>(event: WireEvent<Usage, DeltaUsage>): MessageStreamEvent {
  return event as unknown as MessageStreamEvent;
}
