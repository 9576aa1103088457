import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app.ts';
import { GatewayError, isGatewayError } from '../../errors.ts';
import { isOpenAICompatibleTarget } from '../../config/targets.ts';
import { fromChatCompletionsRequest, type ChatCompletionsRequestResult } from '../../openai/request.ts';
import { registerApiHooks } from '../api-hooks.ts';
import { chatAnswerWriter, type ChatAnswer, type ChatWritten } from '../chat-answer-writer.ts';
import { exchangeOf, type ApiEndpoint } from '../exchange.ts';
import { replaceRequestBody, requestBody } from '../request-json.ts';
import type { InboundRequest } from '../../providers/provider.ts';
import { apiParams } from './schemas.ts';
import { answerHijacked, routed } from './anthropic-api.ts';

/**
 * The OpenAI Chat Completions surface (docs/openai-api.md) as an encapsulated plugin beside the
 * Anthropic API one: `POST /v1/chat/completions` and `/chat/completions`, at the root and under
 * `/user/{user_id}`. Same admission hooks (api-hooks.ts: identity, gateway keys as
 * `Authorization: Bearer`, limits, budgets, usage records), one step earlier: the body is
 * converted to a Messages request (src/openai/request.ts), which every later step reads as if
 * the client had sent it. Then the same routing engine, to any target; the committed answer is
 * written back in OpenAI's format (chat-answer-writer.ts), errors too (`dialect: 'openai'`).
 */

const endpoints: readonly ApiEndpoint[] = [
  { name: 'chat_completions', method: 'POST', route: '/v1/chat/completions', readsBody: true, dialect: 'openai' },
  { name: 'chat_completions', method: 'POST', route: '/chat/completions', readsBody: true, dialect: 'openai' },
];

/** Anthropic requires `max_tokens`; OpenAI does not. */
const DEFAULT_MAX_TOKENS = 4_096;
/** The Messages API version a converted request is written for. */
const ANTHROPIC_VERSION = '2023-06-01';

/**
 * What the conversion learnt, for the answer (`removed` also goes to the access log's
 * `removed_fields`), and the client's own request, which an OpenAI-compatible target gets byte
 * for byte (ADR 0009).
 */
type ChatRequest = ChatAnswer & { readonly removed: readonly string[]; readonly inbound: InboundRequest };

const chatRequests = new WeakMap<FastifyRequest, ChatRequest>();

export function openaiApiPlugin(deps: AppDependencies): FastifyPluginAsync {
  return async (api) => {
    registerApiHooks(api, deps, { convertBody: (request) => convertBody(request, deps) });
    for (const prefix of ['', '/user/:userId']) {
      for (const endpoint of endpoints) {
        const params = apiParams(endpoint.route, prefix !== '');
        api.route({
          method: endpoint.method,
          url: `${prefix}${endpoint.route}`,
          exposeHeadRoute: false,
          config: { endpoint },
          ...(params === undefined ? {} : { schema: { params } }),
          handler: (request, reply) => complete(request, reply, deps),
        });
      }
    }
  };
}

/** The Chat Completions body -> the Messages body every later step reads; a feature that cannot be served is a 400 here. */
async function convertBody(request: FastifyRequest, deps: AppDependencies): Promise<void> {
  const limit = deps.config.server.body_limit_bytes;
  if (!Buffer.isBuffer(request.body) || request.body.length === 0) throw new GatewayError('GW_BODY_NOT_JSON_OBJECT', 'The request body is empty; send a JSON object.');
  const original = requestBody(request, limit);
  const { object } = await original.json();
  const model = typeof object.model === 'string' ? object.model : '';
  const converted = convertOrStandIn(object, model, deps);
  const created = Math.floor(deps.clock.now() / 1000);
  const id = `chatcmpl-${deps.ids.messageId().replace(/^msg_/, '')}`;
  const inbound: InboundRequest = { format: 'chat_completions', body: await original.plain(), model };
  chatRequests.set(request, { context: { id, created, model }, includeUsage: converted.includeUsage, removed: converted.removed, inbound });
  replaceRequestBody(request, Buffer.from(JSON.stringify(converted.request)), limit);
  const exchange = exchangeOf(request);
  if (exchange.upstreamHeaders !== undefined) exchange.upstreamHeaders = messagesHeaders(exchange.upstreamHeaders);
}

/**
 * The Messages form of a Chat Completions body. When it has none (`n: 2`, `logprobs`, a
 * temperature above 1…) but every target the model routes to is OpenAI-compatible, the request
 * will be forwarded as it is (ADR 0009), so it is not refused: a stand-in Messages body carries
 * what admission reads (model, stream, `max_tokens`, an input bound from the messages' JSON text).
 */
function convertOrStandIn(object: Record<string, unknown>, model: string, deps: AppDependencies): ChatCompletionsRequestResult {
  try {
    return fromChatCompletionsRequest(object, { defaultMaxTokens: DEFAULT_MAX_TOKENS });
  } catch (error) {
    if (!isGatewayError(error) || error.status !== 400 || model === '' || !forwardedOnly(model, deps)) throw error;
    const limit = [object.max_completion_tokens, object.max_tokens].find((value) => typeof value === 'number' && Number.isInteger(value) && value > 0) as number | undefined;
    const request = { model, max_tokens: limit ?? DEFAULT_MAX_TOKENS, stream: object.stream === true, messages: [{ role: 'user', content: JSON.stringify(object.messages ?? null) }] };
    return { request, includeUsage: false, removed: [] };
  }
}

/** Whether every target of `model` is OpenAI-compatible (each gets the client's own request). */
function forwardedOnly(model: string, deps: AppDependencies): boolean {
  try {
    const targets = deps.resolver.resolve(model);
    return targets.length > 0 && targets.every(isOpenAICompatibleTarget);
  } catch {
    return false;
  }
}

/**
 * The client's headers for the converted body: plain JSON, an `anthropic-version` (OpenAI
 * clients send none), and an Anthropic API key sent as `Authorization: Bearer` (the only way an
 * OpenAI client sends one) moved to `x-api-key`, where Anthropic takes API keys.
 */
export function messagesHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { 'content-encoding': _encoding, 'content-length': _length, ...rest } = headers;
  const converted: IncomingHttpHeaders = { ...rest, 'content-type': 'application/json', 'anthropic-version': rest['anthropic-version'] ?? ANTHROPIC_VERSION };
  const token = /^Bearer\s+(sk-ant-api\S+)$/i.exec(typeof rest.authorization === 'string' ? rest.authorization : '')?.[1];
  if (token !== undefined && rest['x-api-key'] === undefined) {
    delete converted.authorization;
    converted['x-api-key'] = token;
  }
  return converted;
}

/** An admitted Chat Completions request: routed like /v1/messages, answered in OpenAI's format. */
async function complete(request: FastifyRequest, reply: FastifyReply, deps: AppDependencies): Promise<void> {
  const { routing, targets, upstreamHeaders, ledger } = exchangeOf(request);
  const chat = chatRequests.get(request);
  if (routing === undefined || targets === undefined || upstreamHeaders === undefined || chat === undefined) throw new GatewayError('GW_INTERNAL', 'The request reached its handler without admission.');
  const written: ChatWritten = { forwarded: false };
  const input = {
    routing,
    countTokens: false,
    upstreamPath: { path: '/v1/messages', search: '' },
    targets,
    upstreamHeaders,
    write: chatAnswerWriter(chat, written),
    inbound: chat.inbound,
    ...(ledger === undefined ? {} : { ledger }),
  };
  await answerHijacked(request, reply, deps, async (response) => {
    const result = await routed(request, response, input, deps);
    // A forwarded answer's request went out as the client wrote it: nothing of it was dropped.
    const removed = [...(written.forwarded ? [] : chat.removed), ...(result.removed ?? [])];
    return removed.length === 0 ? result : { ...result, removed };
  });
}
