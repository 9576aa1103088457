import type { Dispatcher } from 'undici';
import type { GatewayConfig } from '../../config/schema.ts';
import { stripProfilePrefix } from '../../config/models.ts';
import type { BedrockTargetSettings } from '../../config/targets.ts';
import { isServiceTier, type ServiceTier } from '../../service-tier.ts';
import { GatewayError, isGatewayError } from '../../errors.ts';
import { createDispatcher, type RawUpstreamResponse } from '../../upstream/http.ts';
import type { ProviderResponse } from '../provider.ts';
import { usageFromMessage } from '../../usage/usage.ts';
import { estimateInputTokens } from '../../request/estimate-tokens.ts';
import { defaultInvokeBetaPolicy, type BetaPolicy } from './betas.ts';
import { converseResponseInfo, fromConverseResponse } from './converse/response.ts';
import { toConverseRequest } from './converse/request.ts';
import { ConverseStreamToAnthropic } from './converse/stream.ts';
import { InvokeStreamTranscoder } from './invoke-stream.ts';
import { toBedrockInvokeBody, toBedrockMessagesBody } from './request.ts';
import { eventStreamToEvents } from './stream.ts';
import { awsRequestId, BedrockTransport, readBedrockError } from './transport.ts';

/**
 * The Bedrock provider: Claude through InvokeModel (the native body; the default) or Bedrock's
 * native Messages API, any model through Converse. The only file of this provider that does
 * I/O besides the transport. Converters and stream translators are pure and tested alone.
 */

/** What the Bedrock provider reads of a target (config/targets.ts: resolved from the configuration). */
export type BedrockTarget = BedrockTargetSettings;

export interface BedrockMessagesCall {
  readonly target: BedrockTarget;
  /** The client's Anthropic body, parsed. */
  readonly request: Record<string, unknown>;
  readonly betaHeader: string | undefined;
  readonly stream: boolean;
  /** The model the client asked for: Converse answers carry it as `model`. */
  readonly requestedModel: string;
  /** The id given to translated messages (`msg_bdrk_…`). */
  readonly messageId: string;
  readonly signal: AbortSignal;
}

export interface BedrockResult {
  readonly response: ProviderResponse;
  /** The tier the answer was served with (after a rejected tier was retried as `default`). */
  readonly serviceTier: ServiceTier;
  readonly droppedBetas: readonly string[];
  /** Request fields the conversion removed. */
  readonly removed: readonly string[];
  readonly upstreamRequestId?: string;
}

interface Prepared {
  readonly operation: string;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly droppedBetas: readonly string[];
  readonly removed: readonly string[];
}

export class BedrockProvider {
  readonly name = 'bedrock';
  private readonly config: GatewayConfig['bedrock'];
  private readonly dispatcher: Dispatcher;
  /** The built-in beta mapping with `beta_mapping` over it. */
  private readonly betaMap: BetaPolicy['map'];
  readonly transport: BedrockTransport;

  constructor(config: GatewayConfig['bedrock'], dispatcher?: Dispatcher) {
    this.config = config;
    this.betaMap = withMapping(defaultInvokeBetaPolicy.map, config.beta_mapping);
    this.dispatcher =
      dispatcher ??
      createDispatcher({ connectTimeoutMs: config.connect_timeout_ms, headersTimeoutMs: config.headers_timeout_ms, idleTimeoutMs: config.idle_timeout_ms, keepAliveMs: config.keep_alive_ms });
    const staticKeys =
      config.access_key_id !== undefined && config.secret_access_key !== undefined
        ? { accessKeyId: config.access_key_id, secretAccessKey: config.secret_access_key, ...(config.session_token === undefined ? {} : { sessionToken: config.session_token }) }
        : undefined;
    this.transport = new BedrockTransport({
      defaultRegion: config.region,
      dispatcher: this.dispatcher,
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      ...(config.api_key === undefined ? {} : { apiKey: config.api_key }),
      ...(staticKeys === undefined ? {} : { credentials: staticKeys }),
      ...(config.profile === undefined ? {} : { profile: config.profile }),
      ...(config.cross_account_role_arn === undefined ? {} : { roleArn: config.cross_account_role_arn }),
    });
  }

  /** A Messages call. Failures before any answer byte are thrown as GatewayErrors. */
  async messages(call: BedrockMessagesCall): Promise<BedrockResult> {
    const { target } = call;
    const requested = target.serviceTiers === undefined || target.serviceTiers.includes(target.serviceTier) ? target.serviceTier : 'default';
    try {
      return await this.attempt(call, requested);
    } catch (error) {
      // A model that does not offer the tier is asked again once at the default tier.
      if (requested !== 'default' && isTierRejection(error)) return this.attempt(call, 'default');
      throw error;
    }
  }

  private async attempt(call: BedrockMessagesCall, tier: ServiceTier): Promise<BedrockResult> {
    const prepared = this.prepare(call, tier);
    const upstream = await this.transport.send({
      region: call.target.region,
      ...(call.target.endpoint === undefined ? {} : { endpoint: call.target.endpoint }),
      path: prepared.operation,
      headers: prepared.headers,
      body: prepared.body,
      signal: call.signal,
    });
    const upstreamRequestId = awsRequestId(upstream.headers);
    if (upstream.status < 200 || upstream.status > 299) {
      throw await readBedrockError(upstream);
    }
    const served = servedTier(upstream, tier);
    const headers: Record<string, string> = {
      'x-gateway-provider': 'bedrock',
      'x-gateway-model': call.target.model,
      'x-gateway-service-tier': served,
      ...(upstreamRequestId === undefined ? {} : { 'x-gateway-upstream-request-id': upstreamRequestId }),
    };
    const response = await this.answer(call, upstream, headers);
    return { response, serviceTier: served, droppedBetas: prepared.droppedBetas, removed: prepared.removed, ...(upstreamRequestId === undefined ? {} : { upstreamRequestId }) };
  }

  private prepare(call: BedrockMessagesCall, tier: ServiceTier): Prepared {
    const { target } = call;
    const model = encodeURIComponent(target.model);
    const policy = this.betaPolicy(target);
    const tierHeader: Record<string, string> = tier === 'default' ? {} : { 'x-amzn-bedrock-service-tier': tier };
    const accept: Record<string, string> = call.stream ? { accept: 'application/vnd.amazon.eventstream', 'x-amzn-bedrock-accept': 'application/json' } : { accept: 'application/json' };
    switch (target.api) {
      case 'invoke': {
        const converted = toBedrockInvokeBody(call.request, call.betaHeader, policy);
        const operation = `/model/${model}/${call.stream ? 'invoke-with-response-stream' : 'invoke'}`;
        return { operation, body: JSON.stringify(converted.body), headers: { 'content-type': 'application/json', ...accept, ...tierHeader }, droppedBetas: converted.droppedBetas, removed: converted.removedFields };
      }
      case 'messages': {
        const converted = toBedrockMessagesBody(call.request, target.model, call.betaHeader, policy);
        const headers: Record<string, string> = { 'content-type': 'application/json', accept: call.stream ? 'text/event-stream' : 'application/json', 'anthropic-version': '2023-06-01', ...tierHeader };
        if (converted.betas.length > 0) headers['anthropic-beta'] = converted.betas.join(',');
        return { operation: '/anthropic/v1/messages', body: JSON.stringify(converted.body), headers, droppedBetas: converted.droppedBetas, removed: converted.removedFields };
      }
      case 'converse': {
        const converted = toConverseRequest(call.request, {
          // PROMPT_CACHING_ENABLED=false (seeds 002/004): no cache points, as for a model without them.
          profile: this.config.prompt_caching ? target.capabilities : { ...target.capabilities, cachePoints: false },
          ...(call.betaHeader === undefined ? {} : { betaHeader: call.betaHeader }),
          ...(target.betas === undefined ? {} : { betaPolicy: policy }),
          serviceTier: tier,
        });
        const operation = `/model/${model}/${call.stream ? 'converse-stream' : 'converse'}`;
        return { operation, body: JSON.stringify(converted.body), headers: { 'content-type': 'application/json', ...accept }, droppedBetas: converted.droppedBetas, removed: converted.removed };
      }
    }
  }

  private async answer(call: BedrockMessagesCall, upstream: RawUpstreamResponse, headers: Record<string, string>): Promise<ProviderResponse> {
    const context = { model: call.requestedModel, id: call.messageId };
    switch (call.target.api) {
      case 'messages':
        return { kind: 'raw', upstream, headers };
      case 'invoke':
        if (call.stream) return { kind: 'events', events: eventStreamToEvents(upstream.body, new InvokeStreamTranscoder()), headers };
        return { kind: 'json', body: Buffer.from(await readBody(upstream)), headers };
      case 'converse': {
        if (call.stream) {
          // message_start is written before Converse says the input size: it announces the local estimate (docs/bedrock.md).
          const machine = new ConverseStreamToAnthropic(context, { inputTokensEstimate: estimateInputTokens(call.request) });
          return { kind: 'events', events: eventStreamToEvents(upstream.body, machine), headers };
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(new TextDecoder().decode(await readBody(upstream)));
        } catch (error) {
          throw new GatewayError('GW_UPSTREAM_PROTOCOL', 'Bedrock sent a Converse response that is not JSON.', { provider: 'bedrock', cause: error });
        }
        const message = fromConverseResponse(parsed, context);
        // Malformed output and unknown stop reasons are answered as end_turn; say what Bedrock said.
        const info = converseResponseInfo(parsed);
        const withStop = info.malformedStopReason ? { ...headers, 'x-gateway-upstream-stop-reason': info.stopReason } : headers;
        const usage = usageFromMessage(message);
        return { kind: 'json', body: JSON.stringify(message), headers: withStop, ...(usage === undefined ? {} : { usage }) };
      }
    }
  }

  /**
   * Input tokens for a count_tokens request: Bedrock's CountTokens for Claude (with the InvokeModel
   * body, at the base model id); undefined for models it cannot count (the caller estimates).
   */
  async countTokens(call: Omit<BedrockMessagesCall, 'stream' | 'requestedModel' | 'messageId'>): Promise<number | undefined> {
    const { target } = call;
    if (target.capabilities.family !== 'claude') return undefined;
    const converted = toBedrockInvokeBody({ max_tokens: 1, ...call.request }, call.betaHeader, this.betaPolicy(target));
    const body = JSON.stringify({ input: { invokeModel: { body: Buffer.from(JSON.stringify(converted.body)).toString('base64') } } });
    const baseId = stripProfilePrefix(target.model);
    const upstream = await this.transport.send({
      region: target.region,
      ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
      path: `/model/${encodeURIComponent(baseId)}/count-tokens`,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      signal: call.signal,
    });
    if (upstream.status < 200 || upstream.status > 299) throw await readBedrockError(upstream);
    let parsed: { inputTokens?: unknown } = {};
    try {
      parsed = JSON.parse(new TextDecoder().decode(await readBody(upstream, 1_048_576))) as { inputTokens?: unknown };
    } catch (error) {
      if (isGatewayError(error)) throw error;
    }
    if (typeof parsed.inputTokens !== 'number') throw new GatewayError('GW_UPSTREAM_PROTOCOL', 'Bedrock CountTokens answered without inputTokens.', { provider: 'bedrock' });
    return parsed.inputTokens;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** The catalog's betas for the model (else the default list), mapped by the built-in mapping and `beta_mapping` (seed 004's BETA_HEADER_MAPPING). */
  private betaPolicy(target: BedrockTarget): BetaPolicy {
    return { allow: target.betas === undefined ? defaultInvokeBetaPolicy.allow : new Set(target.betas), map: this.betaMap };
  }
}

/** The built-in beta mapping with the configured entries over it (an empty list drops the beta). */
function withMapping(base: BetaPolicy['map'], configured: Readonly<Record<string, readonly string[]>>): BetaPolicy['map'] {
  if (Object.keys(configured).length === 0) return base;
  return new Map([...base, ...Object.entries(configured)]);
}

function isTierRejection(error: unknown): boolean {
  return isGatewayError(error) && error.code === 'GW_UPSTREAM_INVALID_REQUEST' && /service.?tier|does not support the (requested )?tier/i.test(error.message);
}

function servedTier(upstream: RawUpstreamResponse, requested: ServiceTier): ServiceTier {
  const header = upstream.headers['x-amzn-bedrock-service-tier'];
  return isServiceTier(header) ? header : requested;
}

/** A non-streaming answer, read whole up to a cap (an answer is at most a few MB of JSON). */
async function readBody(upstream: RawUpstreamResponse, maxBytes = 64 * 1024 * 1024): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        upstream.body.destroy();
        throw new GatewayError('GW_UPSTREAM_PROTOCOL', `The Bedrock response is larger than ${maxBytes} bytes.`, { provider: 'bedrock' });
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (isGatewayError(error)) throw error;
    throw new GatewayError('GW_UPSTREAM_STREAM_BROKEN', 'The Bedrock response broke off.', { provider: 'bedrock', cause: error });
  }
  return Buffer.concat(chunks);
}
