/** Anthropic wire types, taken from the official SDK (type-only: nothing of it is bundled). */
export type {
  ContentBlock,
  Message,
  MessageDeltaUsage,
  MessageStreamEvent,
  RawContentBlockDeltaEvent,
  RawMessageDeltaEvent,
  Usage,
} from '@anthropic-ai/sdk/resources/messages';
