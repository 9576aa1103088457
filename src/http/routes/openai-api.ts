import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDependencies } from '../../app.ts';
import { GatewayError } from '../../errors.ts';
import { fromChatCompletionsRequest } from '../../openai/request.ts';
import { registerApiHooks } from '../api-hooks.ts';
import { chatAnswerWriter, type ChatAnswer } from '../chat-answer-writer.ts';
import { exchangeOf, type ApiEndpoint } from '../exchange.ts';
import { replaceRequestBody, requestJson } from '../request-json.ts';
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

/** What the conversion learnt, for the answer (`removed` also goes to the access log's `removed_fields`). */
type ChatRequest = ChatAnswer & { readonly removed: readonly string[] };

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
  const { object } = await requestJson(request, limit);
  const converted = fromChatCompletionsRequest(object, { defaultMaxTokens: DEFAULT_MAX_TOKENS });
  const model = typeof object.model === 'string' ? object.model : '';
  const created = Math.floor(deps.clock.now() / 1000);
  const id = `chatcmpl-${deps.ids.messageId().replace(/^msg_/, '')}`;
  chatRequests.set(request, { context: { id, created, model }, includeUsage: converted.includeUsage, removed: converted.removed });
  replaceRequestBody(request, Buffer.from(JSON.stringify(converted.request)), limit);
  const exchange = exchangeOf(request);
  if (exchange.upstreamHeaders !== undefined) exchange.upstreamHeaders = messagesHeaders(exchange.upstreamHeaders);
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
  const input = {
    routing,
    countTokens: false,
    upstreamPath: { path: '/v1/messages', search: '' },
    targets,
    upstreamHeaders,
    write: chatAnswerWriter(chat),
    ...(ledger === undefined ? {} : { ledger }),
  };
  await answerHijacked(request, reply, deps, async (response) => {
    const result = await routed(request, response, input, deps);
    const removed = [...chat.removed, ...(result.removed ?? [])];
    return removed.length === 0 ? result : { ...result, removed };
  });
}
