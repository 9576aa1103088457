/** Anthropic wire types, taken from the official SDK (type-only: nothing of it is bundled). */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';

export type {
  ContentBlock,
  Message,
  MessageDeltaUsage,
  MessageStreamEvent,
  RawContentBlockDeltaEvent,
  RawMessageDeltaEvent,
  RawMessageStreamEvent,
  Usage,
} from '@anthropic-ai/sdk/resources/messages';

/** A `ping` event (the SDK's stream types leave it out: its stream reader drops it). */
export interface PingEvent {
  readonly type: 'ping';
}

/** An `error` event inside a stream (the SDK throws it; the gateway may meet it before content). */
export interface StreamErrorEvent {
  readonly type: 'error';
  readonly error: { readonly type: string; readonly message: string };
}

/**
 * One Anthropic stream event: the internal currency of a translated answer (Bedrock, later
 * OpenAI-compatible), encoded to SSE once, where it goes to the client. An upstream that speaks
 * Anthropic events (Bedrock InvokeModel) may send a type newer than these: it is passed on as it
 * came, so consumers switch on `type` with a default branch.
 */
export type AnthropicStreamEvent = RawMessageStreamEvent | PingEvent | StreamErrorEvent;
