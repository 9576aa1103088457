import { GatewayError } from '../../errors.ts';
import { filterBetas, type BetaPolicy } from './betas.ts';
import { anthropicServerToolType } from './server-tools.ts';

/**
 * Anthropic Messages body -> Bedrock InvokeModel body for Claude (protocols.md §3.2), pure.
 * The body is the Anthropic body with `model` and `stream` removed (they travel in the path),
 * `anthropic_version: bedrock-2023-05-31`, the filtered betas as `anthropic_beta`, `metadata`
 * reduced to `user_id`, and the top-level fields Bedrock rejects removed, all by data tables.
 * Everything else, thinking blocks and signatures included, is left exactly as it was.
 * Features Bedrock does not have (server tools, the MCP connector) are a 400 naming them.
 */

export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/** Top-level fields Bedrock InvokeModel rejects, removed (they only steer Anthropic's own API). */
const removedFields: ReadonlySet<string> = new Set([
  'model',
  'stream',
  'service_tier',
  'inference_geo',
  'speed',
  'diagnostics',
  'fallbacks',
  'fallback_credit_token',
  'billing_policy',
  'thread',
  'cache_control',
  'container',
]);

/** Fields that are valid only with one of these betas: removed when the beta does not go. */
const fieldsNeedingBeta: ReadonlyMap<string, readonly string[]> = new Map([
  ['context_management', ['context-management-2025-06-27', 'compact-2026-01-12']],
  ['output_format', ['structured-outputs-2025-11-13']],
]);

/** Keys that would reach an object's prototype if assigned: never copied from a client body. */
const unsafeKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);


export interface InvokeBody {
  readonly body: Record<string, unknown>;
  /** Client betas that were not sent (for the log line). */
  readonly droppedBetas: readonly string[];
  /** Top-level fields that were removed (for the log line). */
  readonly removedFields: readonly string[];
}

export function toBedrockInvokeBody(request: Record<string, unknown>, betaHeader: string | undefined, policy: BetaPolicy): InvokeBody {
  rejectUnsupported(request);
  const betas = filterBetas(betaHeader, policy);
  const body: Record<string, unknown> = { anthropic_version: BEDROCK_ANTHROPIC_VERSION };
  const removed: string[] = [];
  for (const [key, value] of Object.entries(request)) {
    const needed = fieldsNeedingBeta.get(key);
    if (unsafeKeys.has(key) || removedFields.has(key) || key === 'anthropic_version' || key === 'anthropic_beta' || (needed !== undefined && !needed.some((beta) => betas.kept.includes(beta)))) {
      if (key !== 'model' && key !== 'stream') removed.push(key);
      continue;
    }
    if (key === 'metadata') {
      const userId = typeof value === 'object' && value !== null ? (value as { user_id?: unknown }).user_id : undefined;
      if (typeof userId === 'string') body.metadata = { user_id: userId };
      else removed.push(key);
      continue;
    }
    body[key] = value;
  }
  if (betas.kept.length > 0) body.anthropic_beta = betas.kept;
  return { body, droppedBetas: betas.dropped, removedFields: removed };
}

function rejectUnsupported(request: Record<string, unknown>): void {
  const servers = request.mcp_servers;
  if (Array.isArray(servers) && servers.length > 0) {
    throw new GatewayError('GW_UNSUPPORTED_FEATURE', 'mcp_servers: the MCP connector is not available on AWS Bedrock.', { provider: 'bedrock' });
  }
  const tools = Array.isArray(request.tools) ? request.tools : [];
  for (const [index, tool] of tools.entries()) {
    const type = typeof tool === 'object' && tool !== null ? (tool as { type?: unknown }).type : undefined;
    if (typeof type === 'string' && anthropicServerToolType.test(type)) {
      throw new GatewayError('GW_UNSUPPORTED_FEATURE', `tools.${index}: the server tool ${type} is not available on AWS Bedrock.`, { provider: 'bedrock' });
    }
  }
}

export interface MessagesBody {
  readonly body: Record<string, unknown>;
  /** The filtered betas, for the `anthropic-beta` header. */
  readonly betas: readonly string[];
  readonly droppedBetas: readonly string[];
  readonly removedFields: readonly string[];
}

/**
 * Anthropic body -> the body of Bedrock's native Messages API (`/anthropic/v1/messages`,
 * protocols.md §3.7): the Anthropic body with `model` set to the Bedrock id and `stream` kept;
 * the same fields removed and the same beta filter as InvokeModel, the betas travelling in the
 * `anthropic-beta` header.
 */
export function toBedrockMessagesBody(request: Record<string, unknown>, modelId: string, betaHeader: string | undefined, policy: BetaPolicy): MessagesBody {
  const invoke = toBedrockInvokeBody(request, betaHeader, policy);
  const { anthropic_version: _version, anthropic_beta: betas, ...rest } = invoke.body;
  const body: Record<string, unknown> = { model: modelId, ...rest };
  if (request.stream === true) body.stream = true;
  return { body, betas: Array.isArray(betas) ? (betas as string[]) : [], droppedBetas: invoke.droppedBetas, removedFields: invoke.removedFields };
}
