import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../accounting/auth.ts';
import type { RequestLedger } from '../accounting/request-ledger.ts';
import { GatewayError, type Trigger } from '../errors.ts';
import type { Clock } from '../ids.ts';
import type { RouteName } from '../metrics/metrics.ts';
import type { Target } from '../config/targets.ts';
import type { RelayOutcome } from './answer-outcome.ts';
import type { MessageRouting } from './routing-fields.ts';

/**
 * One request's exchange as the pipeline learns it: started by the first hook of all, filled in
 * by the API hooks (who is calling, for which user, what the body asks for, what was admitted)
 * and by whoever answers, and read once, when the request is over, for its access-log line and
 * its metrics (access-log.ts). Hooks and handlers write here instead of logging themselves.
 */

/** An endpoint of the Anthropic API surface, as its routes declare it (route `config.endpoint`). */
export interface ApiEndpoint {
  /** The route's name in admission, usage records and metrics. */
  readonly name: RouteName;
  readonly method: 'GET' | 'POST';
  /** Fastify route path below the prefix. */
  readonly route: string;
  /** Reads `model` and `stream` from the body, and is routed to a chain of targets. */
  readonly readsBody: boolean;
  /** The wire format the caller speaks (errors and answers in it): Anthropic's unless `openai` (/v1/chat/completions). */
  readonly dialect?: 'openai';
}

/** How an answer the gateway relayed or served went (routing's result, or the passthrough's). */
export interface ExchangeAnswer {
  readonly outcome?: RelayOutcome;
  readonly failure?: GatewayError;
  readonly served?: Target;
  readonly fallback?: Trigger;
  readonly attempts?: number;
  readonly upstreamRequestId?: string;
  readonly serviceTier?: string;
  readonly droppedBetas?: readonly string[];
  readonly removed?: readonly string[];
}

export interface Exchange {
  /** Monotonic and epoch ms the request arrived (its latency is measured from here). */
  readonly startedAt: number;
  readonly startedAtEpoch: number;
  /** `/user/{id}` when the path names one (checked). */
  userId?: string;
  principal?: Principal;
  /** The request headers to send upstream (gateway keys removed; in keys mode the client's credential too). */
  upstreamHeaders?: IncomingHttpHeaders;
  /** What a Messages-style body asks for (its top-level `model` and `stream`). */
  routing?: MessageRouting;
  targets?: readonly Target[];
  /** The request's accounting, once admitted (budget reserved, usage intent recorded). */
  ledger?: RequestLedger;
  /** Set when the handler took the socket over (`reply.hijack()`): it records the request itself. */
  hijacked: boolean;
  /** What a relayed or served answer did. */
  answer?: ExchangeAnswer;
  /** Who answered when nobody upstream did (`gateway`: the gateway's own model list). */
  answeredBy?: string;
  /** The error the error handler answered with. */
  failure?: GatewayError;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the first hook of every request (access-log.ts). */
    exchange: Exchange | null;
  }
  interface FastifyContextConfig {
    /** Set on the Anthropic API routes. */
    endpoint?: ApiEndpoint;
  }
}

export function startExchange(clock: Clock): Exchange {
  return { startedAt: clock.monotonic(), startedAtEpoch: clock.now(), hijacked: false };
}

/** The request's exchange (every routed request has one: the first hook made it). */
export function exchangeOf(request: FastifyRequest): Exchange {
  if (request.exchange === null) throw new GatewayError('GW_INTERNAL', 'The request reached its handler without an exchange.');
  return request.exchange;
}

/** The API endpoint a request was routed to, if any. */
export function endpointOf(request: FastifyRequest): ApiEndpoint | undefined {
  return request.routeOptions.config.endpoint;
}

/**
 * The wire format a caller speaks, for its errors: the endpoint's (`openai` on
 * /v1/chat/completions); on the model endpoints, OpenAI's for a caller that sends neither
 * `anthropic-version` (every Anthropic SDK and Claude Code do) nor `x-api-key` (how Anthropic
 * API keys travel): an OpenAI client, which authenticates with `Authorization: Bearer` only.
 */
export function dialectOf(request: FastifyRequest): 'openai' | undefined {
  const endpoint = endpointOf(request);
  if (endpoint?.dialect !== undefined) return endpoint.dialect;
  return endpoint?.name === 'models' && speaksOpenAI(request.headers) ? 'openai' : undefined;
}

function speaksOpenAI(headers: IncomingHttpHeaders): boolean {
  return headers['anthropic-version'] === undefined && headers['x-api-key'] === undefined;
}

/** The upstream path and query for a request, with any `/user/{id}` prefix removed. */
export function upstreamTarget(url: string, userId: string | undefined): { path: string; search: string } {
  const queryAt = url.indexOf('?');
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
  const search = queryAt === -1 ? '' : url.slice(queryAt);
  const path = userId === undefined ? pathname : pathname.replace(/^\/user\/[^/]+/, '');
  return { path, search };
}
