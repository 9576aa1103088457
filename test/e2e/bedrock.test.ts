import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accumulate } from '../../src/anthropic/accumulate.ts';
import { decodeSse } from '../../src/anthropic/sse-decode.ts';
import { bedrockException, converseScenario, invokeScenario, type RecordedBedrockRequest } from '../fakes/bedrock.ts';
import { loadScenario } from '../fakes/anthropic.ts';
import { loadExpectedMessage } from '../fixtures/bedrock/converse.ts';
import { awsEnvironment, startTestGateway, useGatewayWithBedrock, type TestGateway } from '../helpers/gateway.ts';

/**
 * Bedrock end to end: the official SDK talks to the gateway, the gateway to a fake Bedrock that
 * verifies every SigV4 signature with the keys the gateway was given. A model named by its
 * Bedrock id is served by Bedrock: Claude through InvokeModel (native body), others through
 * Converse.
 */

const context = useGatewayWithBedrock({}, { 'bedrock.ping_interval_ms': 100 });

/** A message as the server sent it: without what the SDK's stream helper adds (`parsed_output`, undefined keys). */
function plain(message: object): Record<string, unknown> {
  const { parsed_output: _parsed, ...rest } = JSON.parse(JSON.stringify(message)) as Record<string, unknown>;
  return rest;
}

const claudeOnBedrock = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const qwen = 'qwen.qwen3-coder-480b-a35b-v1:0';

/** Claude through Converse instead of InvokeModel: a second gateway whose route asks for it. */
let converseGateway: TestGateway | undefined;
beforeAll(async () => {
  converseGateway = await startTestGateway(awsEnvironment(context.bedrock), { routes: [{ match: '*anthropic.claude-*', targets: [{ provider: 'bedrock', api: 'converse' }] }] });
});
afterAll(async () => converseGateway?.close());

function converseClient(): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-api03-client-secret', baseURL: converseGateway?.url ?? '', maxRetries: 0 });
}

function client(): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-api03-client-secret', baseURL: context.gateway.url, maxRetries: 0 });
}

function signedOnly(request: RecordedBedrockRequest): void {
  expect(request.auth).toBe('sigv4');
  expect(request.signatureValid).toBe(true);
  // The client's Anthropic credential never leaves for another provider.
  expect(JSON.stringify(request.headers)).not.toContain('client-secret');
  expect(request.headers['x-api-key']).toBeUndefined();
}

const tools = [{ name: 'get_weather', description: 'Weather for a place', input_schema: { type: 'object' as const, properties: { location: { type: 'string' } } } }];

describe('Claude on Bedrock through InvokeModel', () => {
  it('answers messages.create with the Bedrock message, sending the native body', async () => {
    const message = await client().messages.create({ model: claudeOnBedrock, max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }], metadata: { user_id: 'u-1' } });
    const request = context.bedrock.last();
    signedOnly(request);
    expect(request.operation).toBe('invoke');
    expect(request.modelId).toBe(claudeOnBedrock);
    expect(request.json).toEqual({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }], metadata: { user_id: 'u-1' } });
    const expected = accumulate(loadScenario('text', 'claude-haiku-4-5-20251001'));
    expect(message).toEqual({ ...expected, id: 'msg_bdrk_fake_text_01' });
  });

  it.each(['text', 'tool-use', 'thinking'])('streams the %s scenario: SDK finalMessage equals the non-streaming answer', async (scenario) => {
    context.bedrock.enqueue(invokeScenario(scenario, { stream: true, chunking: 7 }), invokeScenario(scenario));
    const stream = client().messages.stream({ model: claudeOnBedrock, max_tokens: 256, messages: [{ role: 'user', content: 'Go' }], tools });
    const names: string[] = [];
    stream.on('streamEvent', (event) => names.push(event.type));
    const streamed = await stream.finalMessage();
    expect(context.bedrock.last().operation).toBe('invoke-with-response-stream');
    const created = await client().messages.create({ model: claudeOnBedrock, max_tokens: 256, messages: [{ role: 'user', content: 'Go' }], tools });
    expect(plain(streamed)).toEqual(plain(created));
    expect(names[0]).toBe('message_start');
    expect(names.at(-1)).toBe('message_stop');
  });

  it('keeps thinking blocks and signatures in the history exactly, and moves betas into the body', async () => {
    const thinking = { type: 'thinking' as const, thinking: 'Let me think.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxDfakeSignature==' };
    await client().beta.messages.create({
      model: claudeOnBedrock,
      max_tokens: 256,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      betas: ['interleaved-thinking-2025-05-14', 'claude-code-20250219', 'advanced-tool-use-2025-11-20'],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [thinking, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' }] },
      ],
      tools,
    });
    const body = context.bedrock.last().json as Record<string, unknown>;
    expect((body.messages as { content: unknown[] }[])[1]?.content[0]).toEqual(thinking);
    expect(body.anthropic_beta).toEqual(['interleaved-thinking-2025-05-14', 'tool-examples-2025-10-29', 'tool-search-tool-2025-10-19']);
    expect(context.bedrock.last().headers['anthropic-beta']).toBeUndefined();
  });

  it('reports which target served', async () => {
    const response = await fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-client-secret' },
      body: JSON.stringify({ model: claudeOnBedrock, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-provider')).toBe('bedrock');
    expect(response.headers.get('x-gateway-model')).toBe(claudeOnBedrock);
    expect(response.headers.get('x-gateway-service-tier')).toBe('default');
    expect(response.headers.get('request-id')).toMatch(/^req_gw/);
    expect(response.headers.get('x-gateway-upstream-request-id')).toBe(context.bedrock.last().requestId);
  });
});

describe('any model through Converse', () => {
  it('answers create and stream with the same message, the requested model and real usage', async () => {
    const created = await client().messages.create({ model: qwen, max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }] });
    expect(context.bedrock.last().operation).toBe('converse');
    signedOnly(context.bedrock.last());
    expect(created).toEqual(loadExpectedMessage('text', qwen, created.id));
    expect(created.id).toMatch(/^msg_bdrk_/);
    const streamed = await client().messages.stream({ model: qwen, max_tokens: 256, messages: [{ role: 'user', content: 'Hello' }] }).finalMessage();
    expect(context.bedrock.last().operation).toBe('converse-stream');
    expect(plain(streamed)).toEqual(plain({ ...created, id: streamed.id }));
    expect(streamed.usage).toMatchObject({ input_tokens: 25, output_tokens: 9, cache_read_input_tokens: 1025 });
  });

  it.each(['text', 'tool-use', 'parallel-tools', 'thinking', 'redacted-thinking', 'max-tokens', 'guardrail', 'cache', 'stop-sequence'])(
    'the %s scenario: SDK stream().finalMessage() and create() both give the expected message',
    async (scenario) => {
      const model = scenario.includes('thinking') ? 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' : qwen;
      const route = { model, max_tokens: 256, messages: [{ role: 'user' as const, content: 'Go' }], tools };
      context.bedrock.enqueue(converseScenario(scenario, true, { chunking: 5 }), converseScenario(scenario, false));
      const gateway = model === qwen ? client() : converseClient();
      const streamed = await gateway.messages.stream(route).finalMessage();
      expect(context.bedrock.requests[0]?.operation).toBe('converse-stream');
      const created = await gateway.messages.create(route);
      expect(context.bedrock.requests[1]?.operation).toBe('converse');
      // The SDK's stream helper copies only the token counters from message_delta's usage, not the
      // cache_creation breakdown (Converse reports usage only at the end, so it cannot be in
      // message_start): the events carry it (scenarios.test.ts), the SDK's final message does not.
      const expectedStreamed = plain(loadExpectedMessage(scenario, model, streamed.id));
      delete (expectedStreamed.usage as Record<string, unknown>).cache_creation;
      expect(plain(streamed)).toEqual(expectedStreamed);
      expect(plain(created)).toEqual(plain(loadExpectedMessage(scenario, model, created.id)));
    },
  );

  it('a model writing "event: message_stop" in its text does not end the usage record early', async () => {
    const scripted = converseScenario('text', true);
    if (scripted.kind !== 'event-stream') throw new Error('expected an event stream');
    const deltaAt = scripted.items.findIndex((item) => 'converse' in item && item.converse === 'contentBlockDelta');
    const delta = scripted.items[deltaAt] as { converse: string; payload: Record<string, unknown> };
    const decoy = { ...delta, payload: { ...delta.payload, delta: { text: 'say\nevent: message_stop\nnow' } } };
    context.bedrock.enqueue({ ...scripted, items: [...scripted.items.slice(0, deltaAt + 1), decoy, { delayMs: 30 }, ...scripted.items.slice(deltaAt + 1)] });
    const response = await fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-api03-client' },
      body: JSON.stringify({ model: qwen, max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Go' }] }),
    });
    const text = await response.text();
    expect(text).toContain('event: message_stop');
    const record = await context.gateway.accounting.getUsage(response.headers.get('x-gateway-request-id') as string);
    expect(record).toMatchObject({ state: 'complete', provider: 'bedrock', inputTokens: 25, outputTokens: 9 });
  });

  it('answers a malformed tool use as end_turn and says what Bedrock reported', async () => {
    const scripted = converseScenario('text', false);
    if (scripted.kind !== 'json') throw new Error('expected JSON');
    context.bedrock.enqueue({ ...scripted, body: { ...(scripted.body as object), stopReason: 'malformed_tool_use' } });
    const response = await fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: JSON.stringify({ model: qwen, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.headers.get('x-gateway-upstream-stop-reason')).toBe('malformed_tool_use');
    expect(((await response.json()) as { stop_reason: string }).stop_reason).toBe('end_turn');
  });

  it('sends a tool-use round trip in Converse form', async () => {
    await client().messages.create({
      model: qwen,
      max_tokens: 256,
      system: 'Be brief.',
      tools,
      tool_choice: { type: 'auto' },
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' }] },
      ],
    });
    const body = context.bedrock.last().json as Record<string, unknown>;
    expect(body.system).toEqual([{ text: 'Be brief.' }]);
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'toolu_1', content: [{ text: '18°C' }], status: 'success' } }] },
    ]);
    expect(body.toolConfig).toEqual({ tools: [{ toolSpec: { name: 'get_weather', description: 'Weather for a place', inputSchema: { json: tools[0]?.input_schema } } }], toolChoice: { auto: {} } });
    expect(body.inferenceConfig).toEqual({ maxTokens: 256 });
  });

  it('refuses an image for a text-only model with a 400 naming it', async () => {
    const image = { type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data: 'iVBORw0KGgo=' } };
    const error = await client()
      .messages.create({ model: qwen, max_tokens: 10, messages: [{ role: 'user', content: [image] }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as Error).message).toMatch(/image/i);
    expect(context.bedrock.requests).toHaveLength(0);
  });
});

describe('Bedrock failures', () => {
  it.each([
    ['ThrottlingException', 429, 'rate_limit_error'],
    ['ServiceUnavailableException', 529, 'overloaded_error'],
    ['ModelNotReadyException', 529, 'overloaded_error'],
    ['ValidationException', 400, 'invalid_request_error'],
    ['AccessDeniedException', 403, 'permission_error'],
    ['ResourceNotFoundException', 404, 'not_found_error'],
    ['ModelTimeoutException', 504, 'timeout_error'],
    ['InternalServerException', 500, 'api_error'],
  ])('%s -> %i %s, in the Anthropic error shape', async (name, status, type) => {
    context.bedrock.enqueue(bedrockException(name, `upstream says ${name}`));
    const response = await fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: JSON.stringify({ model: qwen, max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(status);
    const requestId = response.headers.get('request-id');
    expect(await response.json()).toEqual({ type: 'error', error: { type, message: `upstream says ${name}` }, request_id: requestId });
  });

  it('a bad gateway signature is the operator’s problem: 500, never the AWS message', async () => {
    const misconfigured = await startTestGateway({ ...awsEnvironment(context.bedrock), AWS_SECRET_ACCESS_KEY: 'rotated-elsewhere' });
    try {
      const response = await fetch(`${misconfigured.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
        body: JSON.stringify({ model: qwen, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(context.bedrock.last().signatureValid).toBe(false);
      expect(response.status).toBe(500);
      const body = (await response.json()) as { error: { type: string; message: string } };
      expect(body.error).toEqual({ type: 'api_error', message: 'The gateway could not authenticate to AWS Bedrock.' });
    } finally {
      await misconfigured.close();
    }
  });

  it.each([
    ['native', claudeOnBedrock, () => invokeScenario('text', { stream: true }), 'throttlingException'],
    ['converse', qwen, () => converseScenario('text', true), 'throttlingException'],
  ])('a %s mid-stream exception after the first event is one error event and the end', async (_kind, model, step, exception) => {
    const scripted = step();
    if (scripted.kind !== 'event-stream') throw new Error('expected a stream');
    context.bedrock.enqueue({ ...scripted, items: [...scripted.items.slice(0, 2), { exception, payload: { message: 'Too many tokens, please wait before trying again.' } }] });
    const response = await fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: JSON.stringify({ model, max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    const events = decodeSse(await response.text());
    expect(events.filter((event) => event.event === 'error')).toHaveLength(1);
    expect(events.at(-1)?.event).toBe('error');
    expect(JSON.parse(events.at(-1)?.data ?? '{}')).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', message: 'Too many tokens, please wait before trying again.' } });
  });

  it('an exception before the first event is an HTTP error, not a committed stream', async () => {
    context.bedrock.enqueue({ kind: 'event-stream', items: [{ exception: 'serviceUnavailableException', payload: { message: 'Bedrock is busy' } }] });
    const response = await fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: JSON.stringify({ model: claudeOnBedrock, max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(529);
    expect(await response.json()).toMatchObject({ error: { type: 'overloaded_error', message: 'Bedrock is busy' } });
  });

  it('pings a silent stream and cancels Bedrock when the client leaves', async () => {
    const scripted = invokeScenario('text', { stream: true });
    if (scripted.kind !== 'event-stream') throw new Error('expected a stream');
    context.bedrock.enqueue({ ...scripted, items: [scripted.items[0] as never, { delayMs: 350 }, ...scripted.items.slice(1)] });
    const response = await fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: JSON.stringify({ model: claudeOnBedrock, max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const events = decodeSse(await response.text());
    expect(events[0]?.event).toBe('message_start');
    expect(events[1]?.event).toBe('ping');
    expect(events.at(-1)?.event).toBe('message_stop');

    context.bedrock.enqueue({ kind: 'event-stream', items: [scripted.items[0] as never], then: 'hang' });
    const controller = new AbortController();
    const hanging = await fetch(`${context.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
      body: JSON.stringify({ model: claudeOnBedrock, max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      signal: controller.signal,
    });
    await hanging.body?.getReader().read();
    controller.abort();
    await context.bedrock.last().settled;
    expect(context.bedrock.last().aborted).toBe(true);
  });
});
