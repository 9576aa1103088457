import type { WireEvent as AnthropicWireEvent, WireMessage as AnthropicWireMessage } from '../../anthropic/wire.ts';
import type { OpenAIAnthropicUsage } from './usage.ts';

/** The Anthropic wire shapes of the OpenAI-compatible converters (src/anthropic/wire.ts). */
export { toEvent, toMessage, type WireContentBlock } from '../../anthropic/wire.ts';
export type WireMessage = AnthropicWireMessage<OpenAIAnthropicUsage>;
export type WireEvent = AnthropicWireEvent<OpenAIAnthropicUsage>;
