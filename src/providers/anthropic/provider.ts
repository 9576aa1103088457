import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { GatewayError, triggerForError, type Trigger } from '../../errors.ts';
import { withModel } from '../../request/rewrite-model.ts';
import { mayHoldUnsignedThinking, withoutUnsignedThinking } from '../../request/unsigned-thinking.ts';
import { retryAfterMs } from '../../upstream/retry-after.ts';
import { readErrorBytes, readErrorText, type RawUpstreamResponse } from '../../upstream/http.ts';
import { UpstreamFailure, type PassthroughAnswer, type Provider, type ProviderAnswer, type ProviderCall, type ProviderTarget } from '../provider.ts';
import { fromAnthropicError } from './errors.ts';
import type { AnthropicProvider } from './index.ts';

/**
 * Anthropic as a routed provider (providers/provider.ts): the client's bytes go out unchanged
 * (re-serialised only when a route renames the model), the answer comes back as passthrough.
 * A status routing may act on (429, 529, 5xx, a retired model's 404) is thrown as an
 * UpstreamFailure keeping the answer, relayed byte for byte if it is the final one.
 */

export interface AnthropicRouting {
  /** `routing.force_rate_limit`: every call is a 429 with `retry-after: 60` (to exercise the fallback). */
  readonly forceRateLimit: boolean;
  /** A model Anthropic retired but another provider may still serve: its 404 moves on. */
  readonly isRetired: (model: string) => boolean;
  /** Epoch ms, for `retry-after` dates. */
  readonly now: () => number;
}

/** Error bodies are short: read whole up to this, to classify them and relay them if final. */
const MAX_ERROR_BYTES = 1_048_576;

export function createAnthropicProvider(transport: AnthropicProvider, routing: AnthropicRouting): Provider<ProviderTarget<'anthropic'>> {
  return {
    name: 'anthropic',
    label: 'Anthropic',
    anthropicWire: true,
    // Anthropic runs Programmatic Tool Calling itself: src/ptc/ leaves its requests untouched.
    nativeFeatures: new Set(['programmatic_tool_calling']),
    credentialFor: (headers: IncomingHttpHeaders) => transport.credentialFor(headers)?.value,
    call: (call) => callAnthropic(transport, routing, call),
    countInput: (target, body, headers, signal) => countInput(transport, target.model, body, headers, signal),
    close: () => transport.close(),
  };
}

async function callAnthropic(transport: AnthropicProvider, routing: AnthropicRouting, call: ProviderCall<ProviderTarget<'anthropic'>>): Promise<ProviderAnswer> {
  if (routing.forceRateLimit) throw new GatewayError('GW_UPSTREAM_RATE_LIMITED', 'Rate limited (simulated by FORCE_RATE_LIMIT).', { provider: 'anthropic', retryAfterMs: 60_000 });
  const model = call.target.model;
  const renamed = await rewrittenBody(call, model);
  const headers = renamed === undefined ? call.headers : withoutEncoding(call.headers);
  const upstream = await transport.send({ method: 'POST', ...call.path, headers, body: renamed ?? call.body.raw, uncompressed: true, signal: call.signal });
  const requestId = upstream.headers['request-id'];
  const upstreamRequestId = typeof requestId === 'string' ? requestId : undefined;
  const info = { headers: {}, ...(upstreamRequestId === undefined ? {} : { upstreamRequestId }) };
  // The status decides (the registry's status table); the body is read only for a failure routing may act on.
  const failure = upstream.status >= 400 ? fromAnthropicError(upstream.status, upstream.headers) : undefined;
  const trigger: Trigger | undefined = (failure === undefined ? undefined : triggerForError(failure)) ?? (upstream.status === 404 && routing.isRetired(model) ? 'model_retired' : undefined);
  if (trigger === undefined) return { kind: 'passthrough', upstream, info };
  const retryAfter = retryAfterMs(upstream.headers, routing.now(), trigger === 'rate_limited');
  const bytes = await readErrorBytes(upstream, MAX_ERROR_BYTES);
  const error = fromAnthropicError(upstream.status, upstream.headers, bytes.toString('utf8'), { retryAfterMs: retryAfter });
  const answer: PassthroughAnswer = { kind: 'passthrough', upstream: { ...upstream, body: Readable.from([bytes]) as unknown as RawUpstreamResponse['body'] }, info };
  throw new UpstreamFailure(error, trigger, answer);
}

/**
 * The body to send when it cannot go out as the client's bytes: a route renamed the model, or
 * the history holds thinking blocks without a signature (another provider's reasoning), which
 * Claude refuses; undefined otherwise (the bytes go out unchanged).
 */
async function rewrittenBody(call: ProviderCall<ProviderTarget<'anthropic'>>, model: string): Promise<Buffer | undefined> {
  const unsigned = mayHoldUnsignedThinking(await call.body.plain());
  if (model === call.requestedModel && !unsigned) return undefined;
  const object = (await call.body.json()).object;
  const cleaned = unsigned ? withoutUnsignedThinking(object) : object;
  return model === call.requestedModel && cleaned === object ? undefined : withModel(cleaned, model);
}

/**
 * The fields count_tokens takes (Anthropic's API reference). The rest of a Messages body
 * (max_tokens, stream, temperature, metadata…) is refused there and does not change the input.
 */
const countedFields = [
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'cache_control',
  'context_management',
  'compaction',
  'mcp_servers',
  'output_config',
  'output_format',
  'speed',
] as const;

/** Anthropic's count_tokens for a Messages body, with the client's credential and betas. */
async function countInput(transport: AnthropicProvider, model: string, object: Readonly<Record<string, unknown>>, headers: IncomingHttpHeaders, signal: AbortSignal): Promise<number> {
  const body: Record<string, unknown> = { model };
  for (const field of countedFields) if (object[field] !== undefined) body[field] = object[field];
  // The client's headers (credential, anthropic-version, betas), for a body the gateway wrote.
  const { 'content-encoding': _encoding, 'content-type': _type, ...rest } = headers;
  const upstream = await transport.send({
    method: 'POST',
    path: '/v1/messages/count_tokens',
    search: '',
    headers: { ...rest, 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
    uncompressed: true,
    signal,
  });
  const text = await readErrorText(upstream);
  if (upstream.status !== 200) throw new Error(`Anthropic count_tokens answered ${upstream.status}`);
  const tokens = (JSON.parse(text) as { input_tokens?: unknown }).input_tokens;
  if (typeof tokens !== 'number' || !Number.isFinite(tokens) || tokens < 0) throw new Error('Anthropic count_tokens answered without input_tokens');
  return tokens;
}

function withoutEncoding(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { 'content-encoding': _encoding, ...rest } = headers;
  return rest;
}
