import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from '../../errors.ts';
import { estimateInputTokens } from '../../request/estimate-tokens.ts';
import type { UrlFetcher } from '../../request/url-fetch.ts';
import type { RequestBody } from '../../request/request-body.ts';
import { bedrockSettings, type BedrockTarget } from '../../config/targets.ts';
import type { AnswerInfo, Provider, ProviderAnswer, ProviderCall, TokenCount } from '../provider.ts';
import { cleanHistoryForBedrock } from './history.ts';
import type { BedrockProvider, BedrockResult } from './index.ts';

/**
 * Bedrock as a routed provider (providers/provider.ts): the client's body, parsed once and made
 * valid for the target (history cleaning, URL sources inlined), within Bedrock's size limit,
 * translated by the client (index.ts); the answer comes back as passthrough (Bedrock's
 * Messages API), translated events, or a finished JSON body. count_tokens is counted by
 * Bedrock for Claude, else estimated (counting is advisory).
 */

/** A routing target for Bedrock: `{provider: 'bedrock', model, options}` (config/targets.ts). */
export type RoutedBedrockTarget = BedrockTarget;

export interface BedrockRouting {
  /** `bedrock.max_body_bytes`. */
  readonly maxBodyBytes: number;
  /** Image and document URLs are fetched and inlined (`url_fetch.enabled`). */
  readonly urlFetcher: UrlFetcher | undefined;
  /** Logs a warning (a failed count answered with an estimate). */
  readonly warn: (fields: Record<string, unknown>, message: string) => void;
}

export function createBedrockProvider(client: BedrockProvider, routing: BedrockRouting): Provider<RoutedBedrockTarget> {
  return {
    name: 'bedrock',
    label: 'Bedrock',
    anthropicWire: false,
    call: (call) => callBedrock(client, routing, call),
    countTokens: (call) => countBedrockTokens(client, routing, call),
    // Bedrock counts for Claude only (CountTokens); other models are not counted.
    countInput: async (target, body, headers, signal) =>
      target.options.capabilities.family === 'claude' ? client.countTokens({ target: bedrockSettings(target), request: body, betaHeader: betaHeader(headers), signal }) : undefined,
    close: () => client.close(),
  };
}

async function callBedrock(client: BedrockProvider, routing: BedrockRouting, call: ProviderCall<RoutedBedrockTarget>): Promise<ProviderAnswer> {
  const body = await bodyFor(call, routing);
  const inlined = routing.urlFetcher === undefined ? body : await inlineWithinLimit(body, call.signal, routing);
  const result = await client.messages({
    target: bedrockSettings(call.target),
    request: inlined,
    betaHeader: betaHeader(call.headers),
    stream: call.stream,
    requestedModel: call.requestedModel,
    messageId: call.messageId,
    signal: call.signal,
  });
  const info = infoOf(result);
  const response = result.response;
  switch (response.kind) {
    case 'raw':
      return { kind: 'passthrough', upstream: response.upstream, info };
    case 'events':
      return { kind: 'events', events: response.events, info };
    case 'json':
      return { kind: 'json', body: response.body, ...(response.usage === undefined ? {} : { usage: response.usage }), info };
  }
}

async function countBedrockTokens(client: BedrockProvider, routing: BedrockRouting, call: ProviderCall<RoutedBedrockTarget>): Promise<TokenCount> {
  const body = await bodyFor(call, routing);
  try {
    const counted = await client.countTokens({ target: bedrockSettings(call.target), request: body, betaHeader: betaHeader(call.headers), signal: call.signal });
    if (counted !== undefined) return { inputTokens: counted, estimated: false };
  } catch (error) {
    if (call.signal.aborted) throw error;
    // Counting is advisory (Claude Code sizes its context with it): an estimate beats an error.
    routing.warn({ request_id: call.requestId, error_code: (error as { code?: string }).code, error: (error as Error).message }, 'Bedrock CountTokens failed; answering with an estimate');
  }
  return { inputTokens: estimateInputTokens(body), estimated: true };
}

function infoOf(result: BedrockResult): AnswerInfo {
  return {
    headers: result.response.headers,
    serviceTier: result.serviceTier,
    droppedBetas: result.droppedBetas,
    removed: result.removed,
    ...(result.upstreamRequestId === undefined ? {} : { upstreamRequestId: result.upstreamRequestId }),
  };
}

/**
 * The client's body as a JSON object within Bedrock's size limit (the routing fields were read
 * first, decoded within the body limit, so the decoded body fits that), history made valid.
 */
async function bodyFor(call: ProviderCall<RoutedBedrockTarget>, routing: BedrockRouting): Promise<Record<string, unknown>> {
  return cleanHistoryForBedrock(await parseWithinLimit(call.body, routing.maxBodyBytes), call.target.options.capabilities.family === 'claude');
}

async function parseWithinLimit(body: RequestBody, limit: number): Promise<Record<string, unknown>> {
  const { object, bytes } = await body.json();
  if (bytes > limit) throw new GatewayError('GW_BODY_TOO_LARGE', `The request body is ${bytes} bytes; AWS Bedrock accepts at most ${limit} bytes.`);
  return object;
}

/** Inlines URL sources; the body, now carrying their bytes, must still fit Bedrock's limit. */
async function inlineWithinLimit(body: Record<string, unknown>, signal: AbortSignal, routing: BedrockRouting): Promise<Record<string, unknown>> {
  const inlined = await (routing.urlFetcher as UrlFetcher).inline(body, signal);
  if (inlined === body) return body;
  const size = Buffer.byteLength(JSON.stringify(inlined));
  if (size > routing.maxBodyBytes) throw new GatewayError('GW_BODY_TOO_LARGE', `With its image and document URLs fetched the request is ${size} bytes; AWS Bedrock accepts at most ${routing.maxBodyBytes} bytes.`);
  return inlined;
}

function betaHeader(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['anthropic-beta'];
  return Array.isArray(value) ? value.join(',') : value;
}
