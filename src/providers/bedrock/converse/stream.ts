import type { MessageStreamEvent, RawContentBlockDelta, StopReason } from '@anthropic-ai/sdk/resources/messages';
import { GatewayError } from '../../../errors.ts';
import { fromErrorFrame, fromExceptionFrame } from '../errors.ts';
import { headerString, type EventStreamMessage } from '../event-stream.ts';
import { fromConverseCitation } from './citations.ts';
import type { ConverseMessageContext } from './response.ts';
import { converseStopSequence, mapConverseStopReason } from './stop-reason.ts';
import { fromConverseUsage, type ConverseAnthropicUsage } from './usage.ts';
import { isRecord, protocolError } from './values.ts';
import { toEvent, type WireContentBlock, type WireEvent } from './wire.ts';

/**
 * ConverseStream frames -> Anthropic stream events (protocols.md §4.3, §4.6), as a synchronous
 * state machine: `push(frame)` returns the events that frame completes, `end()` those the end of
 * the stream completes. Converse starts text and reasoning blocks with their first delta, so a
 * delta for a new Converse index opens a block (closing the open one); Anthropic indexes count
 * from 0 whatever Converse's are. `messageStop` is held until `metadata` brings the usage.
 * Exception and error frames are thrown as GatewayErrors (the caller reports them), as is a
 * stream that ends before `messageStop`. Unknown events and deltas are skipped and counted.
 */

type BlockKind = 'text' | 'thinking' | 'tool_use';

interface OpenBlock {
  readonly converseIndex: number;
  readonly index: number;
  readonly kind: BlockKind;
}

interface Stop {
  readonly stop_reason: StopReason;
  readonly stop_sequence: string | null;
}

export class ConverseStreamToAnthropic {
  private readonly context: ConverseMessageContext;
  private started = false;
  private finished = false;
  private open: OpenBlock | undefined;
  private nextIndex = 0;
  private stop: Stop | undefined;
  private rawStopReason: string | undefined;
  private rawServiceTier: string | undefined;
  private reportedUsage: ConverseAnthropicUsage | undefined;
  private missingUsage = false;
  private skippedCount = 0;
  private readonly inputTokensEstimate: number;

  /**
   * `inputTokensEstimate`: what `message_start` announces as input tokens, since Converse tells
   * the real count only at the end (`metadata`, then `message_delta` carries it). Clients that
   * read input tokens only from `message_start` (LangChain.js) get it instead of 0.
   */
  constructor(context: ConverseMessageContext, options: { readonly inputTokensEstimate?: number } = {}) {
    this.context = context;
    this.inputTokensEstimate = options.inputTokensEstimate ?? 0;
  }

  /** The message is complete (message_stop emitted) or failed: nothing more will come. */
  get done(): boolean {
    return this.finished;
  }

  /** Bedrock's own stop reason, once `messageStop` arrived. */
  get stopReason(): string | undefined {
    return this.rawStopReason;
  }

  /** Whether the stop reason was malformed output or unknown (log it, count it). */
  get malformedStopReason(): boolean {
    return this.rawStopReason !== undefined && mapConverseStopReason(this.rawStopReason).malformed === true;
  }

  /** The tier Bedrock served the request with, from `metadata.serviceTier`. */
  get serviceTier(): string | undefined {
    return this.rawServiceTier;
  }

  /** The usage reported in `message_delta`, once `metadata` arrived. */
  get usage(): ConverseAnthropicUsage | undefined {
    return this.reportedUsage;
  }

  /** Set when the stream ended after `messageStop` without `metadata` (usage unknown). */
  get usageMissing(): boolean {
    return this.missingUsage;
  }

  /** Frames, events and deltas skipped because they have no Anthropic form (for metrics). */
  get skipped(): number {
    return this.skippedCount;
  }

  push(frame: EventStreamMessage): MessageStreamEvent[] {
    if (this.finished) return [];
    const messageType = headerString(frame, ':message-type') ?? 'event';
    if (messageType === 'exception') throw this.fail(fromExceptionFrame(frame));
    if (messageType === 'error') throw this.fail(fromErrorFrame(frame));
    if (messageType !== 'event') return this.skip();
    try {
      return this.event(headerString(frame, ':event-type') ?? '', frame.body).map(toEvent);
    } catch (error) {
      throw this.fail(error);
    }
  }

  end(): MessageStreamEvent[] {
    if (this.finished) return [];
    if (this.stop === undefined) throw this.fail(new GatewayError('GW_UPSTREAM_STREAM_BROKEN', 'Bedrock ended the Converse stream before messageStop.', { provider: 'bedrock' }));
    this.missingUsage = true;
    return this.finish(this.stop, { output_tokens: 0 }).map(toEvent);
  }

  private event(type: string, body: Uint8Array): WireEvent[] {
    switch (type) {
      case 'messageStart':
        return this.ensureStarted();
      case 'contentBlockStart':
        return this.blockStart(parsePayload(body, type));
      case 'contentBlockDelta':
        return this.blockDelta(parsePayload(body, type));
      case 'contentBlockStop':
        return this.blockStop(parsePayload(body, type));
      case 'messageStop':
        return this.messageStop(parsePayload(body, type));
      case 'metadata':
        return this.metadata(parsePayload(body, type));
      default:
        this.skippedCount++;
        return [];
    }
  }

  private ensureStarted(): WireEvent[] {
    if (this.started) return [];
    this.started = true;
    const { id, model } = this.context;
    const usage = { input_tokens: this.inputTokensEstimate, output_tokens: 0 } as const;
    return [{ type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } }];
  }

  private blockStart(payload: Record<string, unknown>): WireEvent[] {
    const converseIndex = blockIndex(payload, 'contentBlockStart');
    const toolUse = isRecord(payload.start) ? payload.start.toolUse : undefined;
    if (!isRecord(toolUse)) return this.skip();
    const { toolUseId, name } = toolUse;
    if (typeof toolUseId !== 'string' || typeof name !== 'string') throw protocolError('a contentBlockStart toolUse without toolUseId or name.');
    return [...this.ensureStarted(), ...this.openBlock(converseIndex, 'tool_use', { type: 'tool_use', id: toolUseId, name, input: {} })];
  }

  private blockDelta(payload: Record<string, unknown>): WireEvent[] {
    const converseIndex = blockIndex(payload, 'contentBlockDelta');
    const delta = payload.delta;
    if (!isRecord(delta)) throw protocolError('a contentBlockDelta without a delta.');
    if (typeof delta.text === 'string') return this.deltaOn(converseIndex, 'text', { type: 'text_delta', text: delta.text });
    if (isRecord(delta.toolUse) && typeof delta.toolUse.input === 'string') {
      if (this.open?.converseIndex !== converseIndex || this.open.kind !== 'tool_use') throw protocolError('a toolUse delta for a block that was not started.');
      return this.deltaOn(converseIndex, 'tool_use', { type: 'input_json_delta', partial_json: delta.toolUse.input });
    }
    if (isRecord(delta.reasoningContent)) return this.reasoningDelta(converseIndex, delta.reasoningContent);
    if (delta.citation !== undefined) {
      const citation = fromConverseCitation(delta.citation);
      return citation === undefined ? this.skip() : this.deltaOn(converseIndex, 'text', { type: 'citations_delta', citation });
    }
    return this.skip();
  }

  private reasoningDelta(converseIndex: number, reasoning: Record<string, unknown>): WireEvent[] {
    if (typeof reasoning.text === 'string') return this.deltaOn(converseIndex, 'thinking', { type: 'thinking_delta', thinking: reasoning.text });
    if (typeof reasoning.signature === 'string') return this.deltaOn(converseIndex, 'thinking', { type: 'signature_delta', signature: reasoning.signature });
    if (typeof reasoning.redactedContent === 'string') {
      const events = [...this.ensureStarted(), ...this.closeOpen()];
      const index = this.nextIndex++;
      return [...events, { type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data: reasoning.redactedContent } }, { type: 'content_block_stop', index }];
    }
    return this.skip();
  }

  /** A delta for `kind` on `converseIndex`, opening that block first if it is not the open one. */
  private deltaOn(converseIndex: number, kind: BlockKind, delta: RawContentBlockDelta): WireEvent[] {
    const events = this.ensureStarted();
    let open = this.open;
    if (open?.converseIndex !== converseIndex || open.kind !== kind) {
      const start: WireContentBlock = kind === 'thinking' ? { type: 'thinking', thinking: '', signature: '' } : { type: 'text', text: '' };
      events.push(...this.openBlock(converseIndex, kind, start));
      open = { converseIndex, index: this.nextIndex - 1, kind };
    }
    return [...events, { type: 'content_block_delta', index: open.index, delta }];
  }

  private openBlock(converseIndex: number, kind: BlockKind, start: WireContentBlock): WireEvent[] {
    const events = this.closeOpen();
    const index = this.nextIndex++;
    this.open = { converseIndex, index, kind };
    return [...events, { type: 'content_block_start', index, content_block: start }];
  }

  private closeOpen(): WireEvent[] {
    const open = this.open;
    if (open === undefined) return [];
    this.open = undefined;
    return [{ type: 'content_block_stop', index: open.index }];
  }

  private blockStop(payload: Record<string, unknown>): WireEvent[] {
    // A stop for a block already closed (redacted thinking, or one another block closed) is expected.
    return this.open?.converseIndex === blockIndex(payload, 'contentBlockStop') ? this.closeOpen() : [];
  }

  private messageStop(payload: Record<string, unknown>): WireEvent[] {
    if (typeof payload.stopReason !== 'string') throw protocolError('a messageStop without a stopReason.');
    if (this.stop !== undefined) throw protocolError('messageStop twice.');
    this.rawStopReason = payload.stopReason;
    this.stop = { stop_reason: mapConverseStopReason(payload.stopReason).stop_reason, stop_sequence: converseStopSequence(payload.additionalModelResponseFields) };
    const events = [...this.ensureStarted(), ...this.closeOpen()];
    return this.reportedUsage === undefined ? events : [...events, ...this.finish(this.stop, this.reportedUsage)];
  }

  private metadata(payload: Record<string, unknown>): WireEvent[] {
    this.reportedUsage = fromConverseUsage(payload.usage);
    if (isRecord(payload.serviceTier) && typeof payload.serviceTier.type === 'string') this.rawServiceTier = payload.serviceTier.type;
    return this.stop === undefined ? [] : this.finish(this.stop, this.reportedUsage);
  }

  private finish(stop: Stop, usage: ConverseAnthropicUsage | { readonly output_tokens: number }): WireEvent[] {
    this.finished = true;
    return [{ type: 'message_delta', delta: stop, usage }, { type: 'message_stop' }];
  }

  private skip(): [] {
    this.skippedCount++;
    return [];
  }

  private fail(error: unknown): unknown {
    this.finished = true;
    return error;
  }
}

function parsePayload(body: Uint8Array, type: string): Record<string, unknown> {
  const parsed = parseJson(body);
  if (!isRecord(parsed)) throw protocolError(`a ${type} event whose payload is not a JSON object.`);
  return parsed;
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
}

function blockIndex(payload: Record<string, unknown>, type: string): number {
  const index = payload.contentBlockIndex;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) throw protocolError(`a ${type} without a contentBlockIndex.`);
  return index;
}
