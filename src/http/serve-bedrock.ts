import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { AppDependencies } from '../app.ts';
import { GatewayError } from '../errors.ts';
import type { BedrockResult, BedrockTarget } from '../providers/bedrock/index.ts';
import { requestJson } from './request-json.ts';
import { estimateInputTokens } from '../request/estimate-tokens.ts';
import { writeEvents } from './stream-writer.ts';
import { relay, type AnswerEnd, type RelayOutcome } from './relay.ts';
import { headerText } from './header-value.ts';
import { writeJson } from './answer-writer.ts';

/**
 * Serves a Messages or count_tokens request from Bedrock: the client's body is parsed (the
 * translation needs it), converted by the provider, and the answer written as JSON or as an
 * Anthropic SSE stream under the commit rule. Failures before the first byte are thrown.
 */

export interface BedrockServed {
  readonly outcome: RelayOutcome;
  readonly result?: BedrockResult;
}

/**
 * The client's body as a JSON object, decoded if compressed, within Bedrock's size limit. (The
 * routing fields were read first, decoded within the body limit, so the decoded body fits it.)
 */
export async function parseBody(request: FastifyRequest, deps: AppDependencies): Promise<Record<string, unknown>> {
  const limit = deps.config.bedrock.max_body_bytes;
  const { object, bytes } = await requestJson(request, deps.config.server.body_limit_bytes);
  if (bytes > limit) throw new GatewayError('GW_BODY_TOO_LARGE', `The request body is ${bytes} bytes; AWS Bedrock accepts at most ${limit} bytes.`);
  return object;
}

/** Inlines URL sources; the body, now carrying their bytes, must still fit Bedrock's limit. */
async function inlineWithinLimit(body: Record<string, unknown>, signal: AbortSignal, deps: AppDependencies): Promise<Record<string, unknown>> {
  const inlined = await deps.urlFetcher.inline(body, signal);
  if (inlined === body) return body;
  const size = Buffer.byteLength(JSON.stringify(inlined));
  const limit = deps.config.bedrock.max_body_bytes;
  if (size > limit) throw new GatewayError('GW_BODY_TOO_LARGE', `With its image and document URLs fetched the request is ${size} bytes; AWS Bedrock accepts at most ${limit} bytes.`);
  return inlined;
}

function betaHeader(request: FastifyRequest): string | undefined {
  const value = request.headers['anthropic-beta'];
  return Array.isArray(value) ? value.join(',') : value;
}

export interface ServeOptions {
  readonly request: FastifyRequest;
  readonly response: ServerResponse;
  readonly body: Record<string, unknown>;
  readonly target: BedrockTarget;
  readonly requestedModel: string;
  readonly stream: boolean;
  readonly signal: AbortSignal;
  readonly termination: () => GatewayError | undefined;
  /** Gateway headers added to the answer (which target served, why). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Awaited before the end of a complete answer (accounting: see RelayOptions.beforeEnd). */
  readonly beforeEnd?: (end: AnswerEnd) => Promise<void>;
}

export async function serveBedrockMessages(options: ServeOptions, deps: AppDependencies): Promise<BedrockServed> {
  const { response, request } = options;
  const body = deps.config.url_fetch.enabled ? await inlineWithinLimit(options.body, options.signal, deps) : options.body;
  const result = await deps.bedrock.messages({
    target: options.target,
    request: body,
    betaHeader: betaHeader(request),
    stream: options.stream,
    requestedModel: options.requestedModel,
    messageId: deps.ids.messageId(),
    signal: options.signal,
  });
  const now = () => deps.clock.monotonic();
  const given = options.beforeEnd;
  const beforeEnd = given === undefined ? undefined : (end: AnswerEnd) => given({ ...end, ...(result.serviceTier === undefined ? {} : { serviceTier: result.serviceTier }) });
  const answer = { ...result.response, headers: { ...result.response.headers, ...options.headers } } as BedrockResult['response'];
  switch (answer.kind) {
    case 'events': {
      const outcome = await writeEvents({
        response,
        requestId: request.id,
        headers: answer.headers,
        events: answer.events,
        pingIntervalMs: deps.config.bedrock.ping_interval_ms,
        now,
        signal: options.signal,
        termination: options.termination,
        ...(beforeEnd === undefined ? {} : { beforeEnd }),
      });
      return { outcome, result };
    }
    case 'json':
      return { outcome: await writeJson(response, request.id, answer.headers, answer.body, now, answer.usage, beforeEnd), result };
    case 'raw': {
      const outcome = await relay({
        upstream: { ...answer.upstream, headers: { ...answer.upstream.headers, ...answer.headers } },
        response,
        requestId: request.id,
        provider: 'bedrock',
        maxEventBytes: deps.config.server.max_sse_event_bytes,
        now,
        signal: options.signal,
        termination: options.termination,
        ...(beforeEnd === undefined ? {} : { beforeEnd }),
      });
      return { outcome, result };
    }
  }
}

export async function serveBedrockCountTokens(options: Omit<ServeOptions, 'stream'>, deps: AppDependencies): Promise<BedrockServed> {
  let counted: number | undefined;
  try {
    counted = await deps.bedrock.countTokens({ target: options.target, request: options.body, betaHeader: betaHeader(options.request), signal: options.signal });
  } catch (error) {
    if (options.signal.aborted) throw error;
    // Counting is advisory (Claude Code sizes its context with it): an estimate beats an error.
    options.request.log.warn({ request_id: options.request.id, error_code: (error as { code?: string }).code, error: (error as Error).message }, 'Bedrock CountTokens failed; answering with an estimate');
  }
  const estimated = counted === undefined;
  const headers: Record<string, string> = {
    ...options.headers,
    'x-gateway-provider': 'bedrock',
    'x-gateway-model': headerText(options.target.model),
    ...(estimated ? { 'x-gateway-token-count': 'estimate' } : {}),
  };
  const inputTokens = counted ?? estimateInputTokens(options.body);
  return { outcome: await writeJson(options.response, options.request.id, headers, JSON.stringify({ input_tokens: inputTokens }), () => deps.clock.monotonic(), undefined, options.beforeEnd) };
}
