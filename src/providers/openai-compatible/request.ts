import { createHash } from 'node:crypto';
import { refuse, remove, type ConversionContext } from './context.ts';
import { toChatMessages, toSystemMessage } from './messages.ts';
import { modelTraits, type ModelTraits } from './model-traits.ts';
import type { OpenAICompatibleQuirks } from './quirks.ts';
import { toReasoningFields } from './reasoning.ts';
import { toToolFields } from './tools.ts';
import { isRecord, present } from './values.ts';

/**
 * Anthropic Messages body -> Chat Completions body (protocols.md §6.1), pure. What the provider
 * cannot take is decided by its quirks (quirks.ts): a field that only tunes the answer is dropped
 * and listed in `removed` (the caller names them in a header); a feature whose loss would change
 * the answer (PDFs, images, server tools, too many stop sequences, structured output) is a 400
 * (GW_UNSUPPORTED_FEATURE) naming it. Top-level fields without a Chat Completions form are
 * dropped and listed, like Converse's converter does.
 */

export interface OpenAIRequestOptions {
  /** The provider's name, for messages (`openai`, `groq`, a configured endpoint's name). */
  readonly provider: string;
  readonly quirks: OpenAICompatibleQuirks;
  /** The upstream model id. */
  readonly model: string;
  /** What the model takes; default: the quirks' defaults (no catalog knowledge). */
  readonly traits?: ModelTraits;
}

export interface OpenAIRequestResult {
  readonly body: Record<string, unknown>;
  /** Field paths dropped (for a gateway header and the log line). */
  readonly removed: readonly string[];
}

const mappedFields: ReadonlySet<string> = new Set([
  'model', 'stream', 'max_tokens', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'system', 'messages',
  'tools', 'tool_choice', 'thinking', 'output_config', 'output_format', 'metadata',
]);

/** The longest `user` OpenAI takes; a longer id (Claude Code's) is sent as its SHA-256. */
const MAX_USER_LENGTH = 64;

export function toOpenAIRequest(request: Record<string, unknown>, options: OpenAIRequestOptions): OpenAIRequestResult {
  const traits = options.traits ?? modelTraits(options.quirks);
  const context: ConversionContext = { provider: options.provider, quirks: options.quirks, model: options.model, traits, removed: [] };
  rejectAnthropicOnly(request, context);
  for (const key of Object.keys(request)) if (!mappedFields.has(key) && present(request[key])) remove(context, key);
  const body: Record<string, unknown> = {
    model: options.model,
    messages: [...toSystemMessage(request.system, context), ...toChatMessages(request.messages, context)],
  };
  if (present(request.max_tokens)) body[traits.maxCompletionTokens ? 'max_completion_tokens' : 'max_tokens'] = request.max_tokens;
  Object.assign(body, toSampling(request, context), toToolFields(request, context), toReasoningFields(request, context));
  const format = toResponseFormat(request, context);
  if (format !== undefined) body.response_format = format;
  const user = toUser(request.metadata, context);
  if (user !== undefined && options.quirks.userField !== undefined) body[options.quirks.userField] = user;
  if (request.stream === true) {
    body.stream = true;
    if (options.quirks.streamUsage) body.stream_options = { include_usage: true };
  }
  return { body, removed: context.removed };
}

function rejectAnthropicOnly(request: Record<string, unknown>, context: ConversionContext): void {
  if (Array.isArray(request.mcp_servers) && request.mcp_servers.length > 0) throw refuse(context, 'mcp_servers', `the MCP connector runs on Anthropic's side and is not available on ${context.provider}.`);
  if (present(request.container)) throw refuse(context, 'container', `code-execution and skills containers are not available on ${context.provider}.`);
}

function toSampling(request: Record<string, unknown>, context: ConversionContext): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (present(request.temperature)) fields.temperature = request.temperature;
  if (present(request.top_p)) fields.top_p = request.top_p;
  if (present(request.top_k)) {
    if (context.quirks.topK) fields.top_k = request.top_k;
    else remove(context, 'top_k');
  }
  const stop = request.stop_sequences;
  if (Array.isArray(stop) && stop.length > 0) {
    const limit = context.quirks.maxStopSequences;
    if (limit !== undefined && stop.length > limit) throw refuse(context, 'stop_sequences', `${context.provider} takes at most ${limit} stop sequences (got ${stop.length}).`);
    fields.stop = stop;
  }
  return fields;
}

/** `output_config.format` (or the older `output_format`) -> `response_format`, where the provider takes it. */
function toResponseFormat(request: Record<string, unknown>, context: ConversionContext): Record<string, unknown> | undefined {
  const outputConfig = isRecord(request.output_config) ? request.output_config : {};
  for (const key of Object.keys(outputConfig)) if (key !== 'effort' && key !== 'format') remove(context, `output_config.${key}`);
  const [format, path] = present(outputConfig.format) ? [outputConfig.format, 'output_config.format'] : [request.output_format, 'output_format'];
  if (!present(format)) return undefined;
  if (!isRecord(format) || format.type !== 'json_schema' || !isRecord(format.schema)) throw refuse(context, path, 'only {type:"json_schema", schema} output formats have a Chat Completions form.');
  if (!context.quirks.structuredOutputs) throw refuse(context, path, `${context.provider} does not take structured output (response_format json_schema).`);
  return { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
}

function toUser(metadata: unknown, context: ConversionContext): string | undefined {
  if (!isRecord(metadata)) return undefined;
  let user: string | undefined;
  for (const [key, value] of Object.entries(metadata)) {
    if (!present(value)) continue;
    if (key === 'user_id' && typeof value === 'string' && context.quirks.userField !== undefined) {
      user = value.length <= MAX_USER_LENGTH ? value : createHash('sha256').update(value).digest('hex');
    } else remove(context, `metadata.${key}`);
  }
  return user;
}
