import type { MessageStreamEvent, RawContentBlockDelta, StopReason } from '@anthropic-ai/sdk/resources/messages';
import { GatewayError } from '../../errors.ts';
import { fromOpenAIStreamError } from './errors.ts';
import { reasoningTextOf } from './reasoning-text.ts';
import type { OpenAIMessageContext } from './response.ts';
import { mapOpenAIStopReason } from './stop-reason.ts';
import { isWholeJson, ToolCallTable, type ToolCallState } from './tool-calls.ts';
import { toAnthropicToolId } from './tool-ids.ts';
import { estimatedUsage, fromOpenAIUsage, usageOf, type OpenAIAnthropicUsage } from './usage.ts';
import { isRecord, protocolError } from './values.ts';
import { toEvent, type WireContentBlock, type WireEvent } from './wire.ts';

/**
 * Chat Completions chunks (parsed JSON) -> Anthropic stream events (protocols.md §6.5), as a
 * synchronous state machine: `push(chunk)` returns the events that chunk completes, `end()`
 * those the end of the stream (`[DONE]` or EOF) completes. `message_start` comes with the first
 * chunk (input tokens: the local estimate); reasoning opens a `thinking` block (no signature),
 * content a `text` block, tool calls `tool_use` blocks (tool-calls.ts: by index, interleaved,
 * whole or fragmented arguments). `finish_reason` closes the blocks; the stop waits for the usage
 * chunk (after it, or on the same chunk, Groq's `x_groq.usage`) or the end, which takes the last
 * usage seen, or else an estimate, marked. An `{"error":…}` chunk, a `finish_reason: "error"` and an end before
 * any finish reason are thrown as GatewayErrors (one error event after the commit point).
 */

interface OpenTextBlock {
  readonly kind: 'text' | 'thinking';
  readonly index: number;
}

export class OpenAIStreamToAnthropic {
  private readonly context: OpenAIMessageContext;
  private readonly tools = new ToolCallTable();
  private started = false;
  private finished = false;
  private open: OpenTextBlock | undefined;
  private live: ToolCallState | undefined;
  private nextIndex = 0;
  private finishReason: string | null | undefined;
  private matchedStop: unknown;
  private refused = false;
  private reportedUsage: OpenAIAnthropicUsage | undefined;
  private estimated = false;
  private outputCharacters = 0;
  private unknownReason = false;

  constructor(context: OpenAIMessageContext) {
    this.context = context;
  }

  /** The message is complete (message_stop emitted) or failed. */
  get done(): boolean {
    return this.finished;
  }

  /** The provider's own finish reason, once it came. */
  get rawFinishReason(): string | null | undefined {
    return this.finishReason;
  }

  get unknownFinishReason(): boolean {
    return this.unknownReason;
  }

  /** Set when the stream ended without usage and message_delta carries the gateway's estimate. */
  get usageEstimated(): boolean {
    return this.estimated;
  }

  push(chunk: unknown): MessageStreamEvent[] {
    if (this.finished) return [];
    try {
      return this.chunk(chunk).map(toEvent);
    } catch (error) {
      this.finished = true;
      throw error;
    }
  }

  end(): MessageStreamEvent[] {
    if (this.finished) return [];
    this.finished = true;
    if (this.finishReason === undefined) throw new GatewayError('GW_UPSTREAM_STREAM_BROKEN', `${this.context.provider} ended the stream before a finish_reason.`, { provider: this.context.provider });
    this.estimated = this.reportedUsage === undefined;
    return this.finish(this.reportedUsage ?? estimatedUsage(this.context.inputTokensEstimate ?? 0, this.outputCharacters)).map(toEvent);
  }

  private chunk(chunk: unknown): WireEvent[] {
    if (!isRecord(chunk)) throw protocolError(this.context.provider, 'a stream chunk that is not a JSON object.');
    if (chunk.error !== undefined && chunk.error !== null) throw fromOpenAIStreamError(chunk.error, this.context.provider);
    const events = this.ensureStarted();
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (isRecord(choice) && this.finishReason === undefined) events.push(...this.choice(choice));
    const usage = fromOpenAIUsage(usageOf(chunk));
    if (usage !== undefined) this.reportedUsage = usage;
    // Usage sent with every chunk (vLLM's continuous stats) is final only from the finish chunk on.
    if (this.finishReason !== undefined && usage !== undefined) {
      this.finished = true;
      events.push(...this.finish(usage));
    }
    return events;
  }

  private choice(choice: Record<string, unknown>): WireEvent[] {
    const events: WireEvent[] = [];
    const delta = isRecord(choice.delta) ? choice.delta : {};
    const reasoning = reasoningTextOf(delta);
    if (reasoning !== undefined && reasoning !== '') events.push(...this.textDelta('thinking', reasoning));
    if (typeof delta.content === 'string' && delta.content !== '') events.push(...this.textDelta('text', delta.content));
    if (typeof delta.refusal === 'string' && delta.refusal !== '') {
      this.refused = true;
      events.push(...this.textDelta('text', delta.refusal));
    }
    if (Array.isArray(delta.tool_calls)) delta.tool_calls.forEach((entry, position) => events.push(...this.toolCall(entry, position)));
    if (typeof choice.finish_reason === 'string') {
      if (choice.finish_reason === 'error') throw fromOpenAIStreamError(choice.error ?? {}, this.context.provider);
      this.finishReason = choice.finish_reason;
      this.matchedStop = choice.stop_reason;
      events.push(...this.closeAll());
    }
    return events;
  }

  private ensureStarted(): WireEvent[] {
    if (this.started) return [];
    this.started = true;
    const { id, model } = this.context;
    const usage = { input_tokens: this.context.inputTokensEstimate ?? 0, output_tokens: 0 } as const;
    return [{ type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } }];
  }

  private textDelta(kind: 'text' | 'thinking', text: string): WireEvent[] {
    this.outputCharacters += text.length;
    const events: WireEvent[] = [];
    if (this.open?.kind !== kind) {
      events.push(...this.closeOpen());
      const index = this.nextIndex++;
      this.open = { kind, index };
      const start: WireContentBlock = kind === 'thinking' ? { type: 'thinking', thinking: '', signature: '' } : { type: 'text', text: '' };
      events.push({ type: 'content_block_start', index, content_block: start });
    }
    const delta: RawContentBlockDelta = kind === 'thinking' ? { type: 'thinking_delta', thinking: text } : { type: 'text_delta', text };
    return [...events, { type: 'content_block_delta', index: (this.open as OpenTextBlock).index, delta }];
  }

  private toolCall(entry: unknown, position: number): WireEvent[] {
    if (!isRecord(entry)) throw protocolError(this.context.provider, 'a tool_calls entry that is not an object.');
    const { call, fragment } = this.tools.apply(entry, position);
    this.outputCharacters += fragment.length;
    if (call.state === 'closed' && fragment.trim() !== '') throw protocolError(this.context.provider, `arguments for tool call ${call.order} after its block ended.`);
    const events: WireEvent[] = [];
    if (call.state === 'live' && fragment !== '') events.push(this.argumentsDelta(call, fragment));
    return [...events, ...this.schedule()];
  }

  /** Opens waiting calls while nothing streams or the live call's arguments are whole. */
  private schedule(): WireEvent[] {
    const events: WireEvent[] = [];
    for (;;) {
      const next = this.tools.nextReady();
      if (next === undefined || (this.live !== undefined && !isWholeJson(this.live.arguments))) return events;
      events.push(...this.closeOpen(), ...this.openTool(next));
    }
  }

  private openTool(call: ToolCallState): WireEvent[] {
    const index = this.nextIndex++;
    call.state = 'live';
    call.blockIndex = index;
    this.live = call;
    const id = toAnthropicToolId(call.id ?? `${this.context.id}_tool_${call.order}`);
    const events: WireEvent[] = [{ type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: call.name ?? '', input: {} } }];
    if (call.arguments !== '') events.push(this.argumentsDelta(call, call.arguments));
    return events;
  }

  private argumentsDelta(call: ToolCallState, fragment: string): WireEvent {
    return { type: 'content_block_delta', index: call.blockIndex ?? 0, delta: { type: 'input_json_delta', partial_json: fragment } };
  }

  /** Closes the open text or thinking block, or the live tool call. */
  private closeOpen(): WireEvent[] {
    if (this.open !== undefined) {
      const { index } = this.open;
      this.open = undefined;
      return [{ type: 'content_block_stop', index }];
    }
    const live = this.live;
    if (live === undefined) return [];
    this.live = undefined;
    live.state = 'closed';
    return [{ type: 'content_block_stop', index: live.blockIndex ?? 0 }];
  }

  /** At the finish reason: every block closed, every waiting call sent whole. */
  private closeAll(): WireEvent[] {
    const events = this.closeOpen();
    for (const call of this.tools.pending()) {
      if (call.name === undefined) throw protocolError(this.context.provider, `tool call ${call.order} without a function name.`);
      events.push(...this.openTool(call), ...this.closeOpen());
    }
    return events;
  }

  private finish(usage: OpenAIAnthropicUsage): WireEvent[] {
    const stop = mapOpenAIStopReason({
      finishReason: this.refused ? 'content_filter' : (this.finishReason ?? null),
      hasToolCalls: this.tools.count > 0,
      matchedStop: this.matchedStop,
      ...(this.context.stopSequences === undefined ? {} : { stopSequences: this.context.stopSequences }),
    });
    this.unknownReason = stop.unknown === true;
    const delta: { stop_reason: StopReason; stop_sequence: string | null } = { stop_reason: stop.stop_reason, stop_sequence: stop.stop_sequence };
    return [{ type: 'message_delta', delta, usage }, { type: 'message_stop' }];
  }
}
