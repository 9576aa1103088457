import type { WireEvent as AnthropicWireEvent, WireMessage as AnthropicWireMessage } from '../../../anthropic/wire.ts';
import type { ConverseAnthropicUsage } from './usage.ts';

/** The Anthropic wire shapes of the Converse converters (src/anthropic/wire.ts). */
export { toEvent, toMessage, type WireContentBlock } from '../../../anthropic/wire.ts';
export type WireMessage = AnthropicWireMessage<ConverseAnthropicUsage>;
export type WireEvent = AnthropicWireEvent<ConverseAnthropicUsage, ConverseAnthropicUsage | { readonly output_tokens: number }>;
