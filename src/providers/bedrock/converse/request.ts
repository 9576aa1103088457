import type { ServiceTier } from '../../../service-tier.ts';
import { defaultConverseBetaPolicy, filterBetas, type BetaPolicy } from '../betas.ts';
import { checkCachePointLimit, newConversionContext, unsupported, type ConversionContext } from './context.ts';
import { addAutomaticCachePoint, liftSystemMessages, toConverseMessages } from './messages.ts';
import type { ConverseModelProfile } from './profile.ts';
import { toConverseSystem } from './system.ts';
import { toConverseToolConfig } from './tools.ts';
import { isRecord } from './values.ts';

/**
 * Anthropic Messages body -> Bedrock Converse body (protocols.md §4.1, §4.5), pure. The body is
 * for POST /model/{id}/converse or /converse-stream (the model and streaming travel in the path).
 * Claude gets its native extras through `additionalModelRequestFields` (thinking, top_k, the
 * filtered betas); other families lose them. Converse rejects unknown keys, so every top-level
 * field without a Converse form is removed and listed; input Converse or the model cannot take
 * is a 400 (GW_UNSUPPORTED_FEATURE) naming the field path and the feature.
 */

export interface ConverseRequestOptions {
  readonly profile: ConverseModelProfile;
  readonly betaHeader?: string;
  /** Which betas go to Claude; default: defaultConverseBetaPolicy. */
  readonly betaPolicy?: BetaPolicy;
  readonly serviceTier?: ServiceTier;
}

export interface ConverseRequestResult {
  /** The JSON body, without modelId. */
  readonly body: Record<string, unknown>;
  /** Client betas that were not sent (for the log line). */
  readonly droppedBetas: readonly string[];
  /** Field paths and features that were dropped (for the log line). */
  readonly removed: readonly string[];
}

/** Top-level fields this converter maps; any other field is removed and listed. */
const mappedFields: ReadonlySet<string> = new Set([
  'model',
  'stream',
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'system',
  'messages',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
  'output_format',
  'metadata',
  'cache_control',
]);

/** `requestMetadata` values Converse accepts [OBS agentgateway #1739]. */
const metadataValuePattern = /^[a-zA-Z0-9\s:_@$#=/+,.-]{1,256}$/;

const noBetas: BetaPolicy = { allow: new Set(), map: new Map() };

export function toConverseRequest(request: Record<string, unknown>, options: ConverseRequestOptions): ConverseRequestResult {
  rejectAnthropicOnly(request);
  const context = newConversionContext(options.profile);
  for (const key of Object.keys(request)) if (!mappedFields.has(key)) context.removed.push(key);
  const body: Record<string, unknown> = {};
  const conversation = liftSystemMessages(request.system, request.messages, context);
  const system = toConverseSystem(conversation.system, context);
  if (system.length > 0) body.system = system;
  const messages = toConverseMessages(conversation.messages, context);
  addAutomaticCachePoint(messages, request.cache_control, context);
  body.messages = messages;
  const toolConfig = toConverseToolConfig(request, messages, context);
  if (toolConfig !== undefined) body.toolConfig = toolConfig;
  checkCachePointLimit(context);
  const inferenceConfig = toInferenceConfig(request);
  if (Object.keys(inferenceConfig).length > 0) body.inferenceConfig = inferenceConfig;
  const betas = filterBetas(options.betaHeader, options.profile.family === 'claude' ? (options.betaPolicy ?? defaultConverseBetaPolicy) : noBetas);
  const additional = toAdditionalFields(request, betas.kept, context);
  if (Object.keys(additional).length > 0) body.additionalModelRequestFields = additional;
  if (options.profile.family === 'claude') body.additionalModelResponseFieldPaths = ['/stop_sequence'];
  const outputConfig = toOutputConfig(request, context);
  if (Object.keys(outputConfig).length > 0) body.outputConfig = outputConfig;
  const requestMetadata = toRequestMetadata(request.metadata, context);
  if (requestMetadata !== undefined) body.requestMetadata = requestMetadata;
  if (options.serviceTier !== undefined && options.serviceTier !== 'default') body.serviceTier = { type: options.serviceTier };
  return { body, droppedBetas: betas.dropped, removed: context.removed };
}

function rejectAnthropicOnly(request: Record<string, unknown>): void {
  if (Array.isArray(request.mcp_servers) && request.mcp_servers.length > 0) throw unsupported('mcp_servers', 'the MCP connector is not available on AWS Bedrock.');
  if (request.container !== undefined && request.container !== null) throw unsupported('container', 'code-execution and skills containers are not available on AWS Bedrock.');
}

function toInferenceConfig(request: Record<string, unknown>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const fields: readonly (readonly [string, string])[] = [
    ['max_tokens', 'maxTokens'],
    ['temperature', 'temperature'],
    ['top_p', 'topP'],
    ['stop_sequences', 'stopSequences'],
  ];
  for (const [anthropic, converse] of fields) {
    const value = request[anthropic];
    if (value !== undefined && value !== null) config[converse] = value;
  }
  return config;
}

/** Model-native extras: Claude's thinking, top_k and betas; Nova's topK. */
function toAdditionalFields(request: Record<string, unknown>, betas: readonly string[], context: ConversionContext): Record<string, unknown> {
  const { profile } = context;
  const fields: Record<string, unknown> = {};
  if (request.thinking !== undefined && request.thinking !== null) {
    if (profile.family === 'claude' && profile.reasoning) fields.thinking = request.thinking;
    else context.removed.push('thinking');
  }
  if (request.top_k !== undefined && request.top_k !== null) {
    if (profile.topK === 'claude') fields.top_k = request.top_k;
    else if (profile.topK === 'nova') fields.inferenceConfig = { topK: request.top_k };
    else context.removed.push('top_k');
  }
  if (betas.length > 0) fields.anthropic_beta = betas;
  return fields;
}

/** `output_config` (effort, structured output) -> `outputConfig`, the schema as a JSON string. */
function toOutputConfig(request: Record<string, unknown>, context: ConversionContext): Record<string, unknown> {
  const outputConfig = isRecord(request.output_config) ? request.output_config : {};
  const config: Record<string, unknown> = {};
  for (const key of Object.keys(outputConfig)) if (key !== 'effort' && key !== 'format') context.removed.push(`output_config.${key}`);
  if (outputConfig.effort !== undefined && outputConfig.effort !== null) config.effort = outputConfig.effort;
  const hasFormat = outputConfig.format !== undefined && outputConfig.format !== null;
  if (hasFormat && request.output_format !== undefined && request.output_format !== null) context.removed.push('output_format');
  const [format, path] = hasFormat ? [outputConfig.format, 'output_config.format'] : [request.output_format, 'output_format'];
  if (format === undefined || format === null) return config;
  if (!isRecord(format) || format.type !== 'json_schema' || !isRecord(format.schema)) throw unsupported(path, 'Bedrock Converse takes only {type:"json_schema", schema} output formats.');
  config.textFormat = { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(format.schema) } } };
  return config;
}

/** `metadata.user_id` -> `requestMetadata` when Converse accepts the value; the rest is dropped. */
function toRequestMetadata(metadata: unknown, context: ConversionContext): Record<string, string> | undefined {
  if (!isRecord(metadata)) return undefined;
  let result: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(metadata)) {
    if (value === undefined || value === null) continue;
    if (key === 'user_id' && typeof value === 'string' && metadataValuePattern.test(value)) result = { user_id: value };
    else context.removed.push(`metadata.${key}`);
  }
  return result;
}
