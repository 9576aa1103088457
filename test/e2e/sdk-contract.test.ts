import Anthropic from '@anthropic-ai/sdk';
import AnthropicLegacy from 'anthropic-sdk-legacy';
import { describe, expect, it } from 'vitest';
import { type RecordedRequest } from '../fakes/anthropic.ts';
import { useGatewayWithFake } from '../helpers/gateway.ts';

/**
 * Contract tests with the official SDKs as real clients: the current 1.x (API keys as Bearer,
 * anthropic-version 2026-10-21) and the last 0.x (x-api-key, 2023-06-01). Every call made
 * through the gateway must give exactly what the same call made directly to the fake gives,
 * and the fake must see the same request either way.
 */

const context = useGatewayWithFake({});

/** Both SDKs share the API used here; the legacy client is typed as the current one. */
type Client = Anthropic;

const sdks: readonly { name: string; make: (baseURL: string) => Client; credential: (request: RecordedRequest) => unknown }[] = [
  {
    name: '@anthropic-ai/sdk 1.x',
    make: (baseURL) => new Anthropic({ apiKey: 'sk-ant-api03-contract', baseURL, maxRetries: 0 }),
    credential: (request) => ({ authorization: request.headers.authorization, 'x-api-key': request.headers['x-api-key'] }),
  },
  {
    name: '@anthropic-ai/sdk 0.x',
    make: (baseURL) => new AnthropicLegacy({ apiKey: 'sk-ant-api03-contract', baseURL, maxRetries: 0 }) as unknown as Anthropic,
    credential: (request) => ({ authorization: request.headers.authorization, 'x-api-key': request.headers['x-api-key'] }),
  },
];

/** The request headers that must reach the upstream unchanged. */
function forwardedHeaders(request: RecordedRequest): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith('anthropic-') || name === 'x-api-key' || name === 'authorization' || name === 'content-type' || name === 'x-fake-scenario' || name === 'user-agent' || name === 'accept') kept[name] = value;
  }
  return kept;
}

/** Runs the same call directly and through the gateway; returns both results and what the fake saw. */
async function both<T>(sdk: (typeof sdks)[number], call: (client: Client) => Promise<T>) {
  const direct = await call(sdk.make(context.fake.url));
  const directRequest = context.fake.last();
  const viaGateway = await call(sdk.make(context.gateway.url));
  const gatewayRequest = context.fake.last();
  return { direct, viaGateway, directRequest, gatewayRequest };
}

const params = {
  model: 'claude-sonnet-5-5',
  max_tokens: 1024,
  messages: [{ role: 'user' as const, content: 'What is the weather in San Francisco?' }],
};

const tools = [
  { name: 'get_weather', description: 'Weather for a place', input_schema: { type: 'object' as const, properties: { location: { type: 'string' } }, required: ['location'] } },
  { name: 'get_time', description: 'Time in a zone', input_schema: { type: 'object' as const, properties: { timezone: { type: 'string' } } } },
];

describe.each(sdks)('$name through the gateway', (sdk) => {
  it('sends its own credential form, and the gateway forwards it unchanged', async () => {
    const { directRequest, gatewayRequest } = await both(sdk, (client) => client.messages.create(params));
    expect(sdk.credential(gatewayRequest)).toEqual(sdk.credential(directRequest));
    expect(forwardedHeaders(gatewayRequest)).toEqual(forwardedHeaders(directRequest));
    expect(gatewayRequest.body.equals(directRequest.body)).toBe(true);
  });

  it.each(['text', 'tool-use', 'thinking'])('messages.create (%s) equals the direct call', async (scenario) => {
    const options = { headers: { 'x-fake-scenario': scenario } };
    const body = scenario === 'tool-use' ? { ...params, tools } : scenario === 'thinking' ? { ...params, thinking: { type: 'enabled' as const, budget_tokens: 2048 } } : params;
    const { direct, viaGateway } = await both(sdk, (client) => client.messages.create(body, options));
    expect(viaGateway).toEqual(direct);
    expect(viaGateway.content.length).toBeGreaterThan(0);
  });

  it.each(['text', 'tool-use', 'thinking'])('messages.stream().finalMessage() (%s) equals the direct call and the non-stream result', async (scenario) => {
    const options = { headers: { 'x-fake-scenario': scenario } };
    const { direct, viaGateway } = await both(sdk, async (client) => {
      const stream = client.messages.stream({ ...params, tools }, options);
      const events: unknown[] = [];
      for await (const event of stream) events.push(event);
      return { events, message: await stream.finalMessage() };
    });
    expect(viaGateway.events).toEqual(direct.events);
    expect(viaGateway.message).toEqual(direct.message);
    // Parity: the stream accumulates to what the non-streaming call returns (less the keys the
    // SDK's stream helper adds itself).
    const nonStream = await sdk.make(context.gateway.url).messages.create({ ...params, tools }, options);
    const { parsed_output: _parsed, ...accumulated } = JSON.parse(JSON.stringify(viaGateway.message)) as Record<string, unknown>;
    expect(accumulated).toEqual(JSON.parse(JSON.stringify(nonStream)));
  });

  it('streams tool use with parsed inputs', async () => {
    const message = await sdk.make(context.gateway.url).messages.stream({ ...params, tools }, { headers: { 'x-fake-scenario': 'tool-use' } }).finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content.filter((block) => block.type === 'tool_use')).toEqual([
      { type: 'tool_use', id: 'toolu_01FakeWeather', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'celsius' } },
      { type: 'tool_use', id: 'toolu_02FakeTime', name: 'get_time', input: { timezone: 'America/Los_Angeles' } },
    ]);
  });

  it('streams thinking with its signature intact', async () => {
    const message = await sdk.make(context.gateway.url).messages.stream({ ...params, thinking: { type: 'enabled', budget_tokens: 2048 } }, { headers: { 'x-fake-scenario': 'thinking' } }).finalMessage();
    expect(message.content[0]).toEqual({ type: 'thinking', thinking: 'The user asks for 27 * 453. 27 * 453 = 12231.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxDfakeSignature0123456789abcdefABCDEF+/==' });
    expect(message.content[1]).toEqual({ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFakeRedactedData==' });
    expect(message.usage).toMatchObject({ input_tokens: 58, output_tokens: 120, cache_creation_input_tokens: 2048 });
  });

  it('count_tokens equals the direct call', async () => {
    const { direct, viaGateway, gatewayRequest } = await both(sdk, (client) => client.messages.countTokens({ model: params.model, messages: params.messages }));
    expect(viaGateway).toEqual(direct);
    expect(gatewayRequest.path).toBe('/v1/messages/count_tokens');
  });

  it('models.list and models.retrieve equal the direct calls', async () => {
    const listed = await both(sdk, async (client) => {
      const ids: string[] = [];
      for await (const model of client.models.list({ limit: 1000 })) ids.push(model.id);
      return ids;
    });
    expect(listed.viaGateway).toEqual(listed.direct);
    expect(listed.viaGateway).toContain('claude-opus-5-5');
    const one = await both(sdk, (client) => client.models.retrieve('claude-haiku-5-5'));
    expect(one.viaGateway).toEqual(one.direct);
  });

  it('beta messages keep the query string and the beta list', async () => {
    const { direct, viaGateway, gatewayRequest, directRequest } = await both(sdk, (client) =>
      client.beta.messages.create({ ...params, betas: ['context-management-2025-06-27', 'future-beta-2031-01-01'] }),
    );
    expect(viaGateway).toEqual(direct);
    expect(gatewayRequest.url).toBe(directRequest.url);
    expect(gatewayRequest.headers['anthropic-beta']).toBe('context-management-2025-06-27,future-beta-2031-01-01');
  });

  it.each([
    [429, 'rate_limit_error', { 'retry-after': '45', 'x-should-retry': 'false' }],
    [529, 'overloaded_error', {}],
    [400, 'invalid_request_error', {}],
  ])('an upstream %i reaches the SDK as the same error', async (status, type, headers) => {
    const errorBody = { type: 'error', error: { type, message: `upstream ${type}` }, request_id: 'req_upstream_err' };
    const capture = async (client: Client) => {
      context.fake.enqueue({ kind: 'json', status, headers: { 'request-id': 'req_upstream_err', ...headers }, body: errorBody });
      try {
        await client.messages.create(params);
      } catch (error) {
        const apiError = error as { status?: number; error?: unknown; requestID?: string; constructor: { name: string } };
        return { name: apiError.constructor.name, status: apiError.status, error: apiError.error, requestID: apiError.requestID };
      }
      throw new Error('expected the call to fail');
    };
    const { direct, viaGateway } = await both(sdk, capture);
    expect(viaGateway).toEqual(direct);
    expect(viaGateway).toMatchObject({ status, error: errorBody, requestID: 'req_upstream_err' });
  });

  it('a mid-stream upstream failure surfaces as an SDK error, not a silent end', async () => {
    context.fake.enqueue({ kind: 'sse', items: [{ raw: 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_x","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}\n\n' }], then: 'close' });
    const stream = sdk.make(context.gateway.url).messages.stream(params);
    await expect(stream.finalMessage()).rejects.toMatchObject({ error: { type: 'error', error: { type: 'api_error' } } });
  });
});
