import { toAnthropicConversation } from './messages.ts';
import { isRecord, present, refuse } from './values.ts';

/**
 * A Chat Completions request (POST /v1/chat/completions) -> an Anthropic Messages request,
 * pure, for targets that do not speak Chat Completions (Anthropic, Bedrock). Fields that only
 * tune the answer and have no Anthropic form (seed, penalties, logit_bias, store…) are dropped
 * and listed, unless they hold their neutral value; a feature whose loss would change the answer
 * (n > 1, logprobs, audio, json_object, temperature above 1) is a 400 naming it.
 */

export interface ChatCompletionsRequestOptions {
  /** `max_tokens` when the client sent none (Anthropic requires one). */
  readonly defaultMaxTokens: number;
}

export interface ChatCompletionsRequestResult {
  readonly request: Record<string, unknown>;
  /** Whether the client asked for the usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  /** Fields dropped (for a header and the log line). */
  readonly removed: readonly string[];
}

/** Fields with no Anthropic form, and the value that means "not used". */
const neutralFields: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['presence_penalty', 0],
  ['frequency_penalty', 0],
  ['seed', undefined],
  ['logit_bias', undefined],
  ['store', false],
  ['metadata', undefined],
  ['service_tier', 'auto'],
  ['prompt_cache_key', undefined],
  ['prediction', undefined],
  ['verbosity', undefined],
]);

const mappedFields: ReadonlySet<string> = new Set([
  'model', 'messages', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'n', 'stream', 'stream_options',
  'tools', 'tool_choice', 'parallel_tool_calls', 'response_format', 'reasoning_effort', 'user', 'safety_identifier', 'logprobs', 'top_logprobs',
]);

/** Thinking budgets for `reasoning_effort`. */
const budgets: Readonly<Record<string, number>> = { low: 1024, medium: 4096, high: 16384, xhigh: 32768, max: 32768 };

export function fromChatCompletionsRequest(body: Record<string, unknown>, options: ChatCompletionsRequestOptions): ChatCompletionsRequestResult {
  const removed: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (mappedFields.has(key) || !present(value)) continue;
    if (key === 'audio' || key === 'web_search_options' || key === 'functions') throw refuse(key, 'is not supported on this endpoint.');
    if (key === 'modalities' && Array.isArray(value) && value.some((modality) => modality !== 'text')) throw refuse(key, 'only text output is supported.');
    if (key === 'modalities' || (neutralFields.has(key) && neutralFields.get(key) === value)) continue;
    removed.push(key);
  }
  if (typeof body.model !== 'string') throw refuse('model', 'expected a string.');
  if (present(body.n) && body.n !== 1) throw refuse('n', 'only one choice (n = 1) is supported.');
  if (body.logprobs === true || present(body.top_logprobs)) throw refuse('logprobs', 'log probabilities are not available.');
  const conversation = toAnthropicConversation(body.messages);
  const request: Record<string, unknown> = { model: body.model, max_tokens: maxTokens(body, options) };
  if (conversation.system !== undefined) request.system = conversation.system;
  request.messages = conversation.messages;
  Object.assign(request, sampling(body), tools(body), reasoning(body, request.max_tokens as number), outputFormat(body));
  const user = typeof body.user === 'string' ? body.user : typeof body.safety_identifier === 'string' ? body.safety_identifier : undefined;
  if (user !== undefined) request.metadata = { user_id: user };
  if (body.stream === true) request.stream = true;
  const includeUsage = body.stream === true && isRecord(body.stream_options) && body.stream_options.include_usage === true;
  return { request, includeUsage, removed };
}

function maxTokens(body: Record<string, unknown>, options: ChatCompletionsRequestOptions): number {
  const value = body.max_completion_tokens ?? body.max_tokens;
  if (value === undefined || value === null) return options.defaultMaxTokens;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw refuse(present(body.max_completion_tokens) ? 'max_completion_tokens' : 'max_tokens', 'expected a positive integer.');
  return value;
}

function sampling(body: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (present(body.temperature)) {
    if (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 1) throw refuse('temperature', 'this target takes a temperature between 0 and 1.');
    fields.temperature = body.temperature;
  }
  if (present(body.top_p)) fields.top_p = body.top_p;
  if (typeof body.stop === 'string') fields.stop_sequences = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.length > 0) fields.stop_sequences = body.stop;
  return fields;
}

function tools(body: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    fields.tools = body.tools.map((tool, index) => {
      const fn = isRecord(tool) ? tool.function : undefined;
      if (!isRecord(tool) || tool.type !== 'function' || !isRecord(fn) || typeof fn.name !== 'string') throw refuse(`tools.${index}`, 'only function tools are supported.');
      return {
        name: fn.name,
        ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
        input_schema: isRecord(fn.parameters) ? fn.parameters : { type: 'object', properties: {} },
        ...(typeof fn.strict === 'boolean' ? { strict: fn.strict } : {}),
      };
    });
  }
  const choice = toolChoice(body.tool_choice);
  const noParallel = body.parallel_tool_calls === false && fields.tools !== undefined;
  if (choice !== undefined || noParallel) fields.tool_choice = { ...(choice ?? { type: 'auto' }), ...(noParallel ? { disable_parallel_tool_use: true } : {}) };
  return fields;
}

function toolChoice(choice: unknown): Record<string, unknown> | undefined {
  if (!present(choice)) return undefined;
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string') return { type: 'tool', name: choice.function.name };
  throw refuse('tool_choice', 'expected "auto", "required", "none" or a function.');
}

/** `reasoning_effort` -> extended thinking with a budget below `max_tokens`; none/minimal: no thinking. */
function reasoning(body: Record<string, unknown>, maxTokens: number): Record<string, unknown> {
  const effort = body.reasoning_effort;
  if (!present(effort) || effort === 'none' || effort === 'minimal') return {};
  const budget = typeof effort === 'string' ? budgets[effort] : undefined;
  if (budget === undefined) throw refuse('reasoning_effort', `unknown effort ${JSON.stringify(effort)}.`);
  if (maxTokens <= 1024) throw refuse('reasoning_effort', 'reasoning needs max_completion_tokens above 1024.');
  return { thinking: { type: 'enabled', budget_tokens: Math.min(budget, maxTokens - 1) } };
}

function outputFormat(body: Record<string, unknown>): Record<string, unknown> {
  const format = body.response_format;
  if (!isRecord(format) || format.type === 'text') return {};
  if (format.type === 'json_schema' && isRecord(format.json_schema) && isRecord(format.json_schema.schema)) {
    return { output_config: { format: { type: 'json_schema', schema: format.json_schema.schema } } };
  }
  throw refuse('response_format', `${JSON.stringify(format.type)} is not supported on this target (use json_schema).`);
}
