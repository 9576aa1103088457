import type { FastifyRequest } from 'fastify';
import type { AppDependencies } from '../app.ts';
import type { AdmitInput } from '../accounting/accounting.ts';
import type { CountedInput, RequestSize } from '../accounting/reservation.ts';
import { estimateInputTokens } from '../request/estimate-tokens.ts';
import { inputTokenBound } from '../request/input-bound.ts';
import type { Target } from '../config/targets.ts';
import { requestJson } from './request-json.ts';

/**
 * What a budget reservation needs from a Messages body (issue 10 A3): `max_tokens`, a true bound
 * and an estimate of the input tokens, and, only when asked, the exact input tokens counted by
 * the upstream (the provider's `countInput`: Anthropic's count_tokens with the request's own
 * credential and betas, or Bedrock CountTokens for Claude on Bedrock). The body is parsed when first needed (request-json.ts).
 */

/** Reserved for when a request names no max_tokens (Anthropic requires it; the upstream will refuse it anyway). */
const DEFAULT_MAX_TOKENS = 4_096;
const COUNT_TIMEOUT_MS = 10_000;

export function requestSize(request: FastifyRequest, deps: AppDependencies, targets: readonly Target[], upstreamHeaders: FastifyRequest['headers']): Pick<AdmitInput, 'worstCase' | 'countInput'> {
  const body = async () => (await requestJson(request, deps.config.server.body_limit_bytes)).object;
  return {
    worstCase: async () => sizeOf(await body()),
    countInput: async () => {
      const object = await body();
      try {
        return await countInput(object, targets, upstreamHeaders, deps);
      } catch (error) {
        request.log.info({ request_id: request.id, err: (error as Error).message }, 'input tokens could not be counted upstream for the budget');
        return undefined;
      }
    },
  };
}

export function sizeOf(object: Record<string, unknown>): RequestSize {
  const maxTokens = typeof object['max_tokens'] === 'number' && Number.isFinite(object['max_tokens']) && object['max_tokens'] > 0 ? Math.ceil(object['max_tokens']) : DEFAULT_MAX_TOKENS;
  const bound = inputTokenBound(object);
  return {
    inputBound: bound.tokens,
    // Read only at the budget's edge (the bound did not fit): the body is walked for it then, not on every request.
    get inputEstimate() {
      return Math.min(bound.tokens, estimateInputTokens(object));
    },
    maxTokens,
    cacheWrite: bound.cacheWrite,
  };
}

/** Counted on the first target whose provider can count (Anthropic, or Claude on Bedrock); undefined when none can. */
async function countInput(object: Record<string, unknown>, targets: readonly Target[], headers: FastifyRequest['headers'], deps: AppDependencies): Promise<CountedInput | undefined> {
  const signal = AbortSignal.timeout(COUNT_TIMEOUT_MS);
  for (const target of targets) {
    const provider = deps.providers.get(target.provider);
    const tokens = await provider.countInput?.(target, object, headers, signal);
    if (tokens !== undefined) return { model: target.model, tokens };
  }
  return undefined;
}
