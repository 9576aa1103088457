import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { claudeCapabilities } from '../config/model-catalog.ts';
import { GatewayError } from '../errors.ts';
import type { Clock } from '../ids.ts';
import { UpstreamFailure, type Provider, type ProviderAnswer, type ProviderCall } from '../providers/provider.ts';
import { ProviderRegistry } from '../providers/registry.ts';
import { createRequestBody } from '../request/request-body.ts';
import { MemoryCooldownStore } from '../store/memory/cooldowns.ts';
import type { RawUpstreamResponse } from '../upstream/http.ts';
import { routeRequest, type EngineDeps, type RouteOutcome, type RouteRequest, type RoutingSettings } from './engine.ts';
import type { Target } from '../config/targets.ts';

/**
 * The routing engine with fake providers and a fake clock: no sockets, no real time. A fake
 * sleep lets everything already runnable settle (three turns of the event loop), then moves the
 * clock on by the time slept: an upstream that answers wins over any timer, a hung one loses.
 */

class FakeClock implements Clock {
  time = 1_000_000;
  now = () => this.time;
  monotonic = () => this.time;
  readonly slept: number[] = [];
  sleep = async (ms: number, signal: AbortSignal): Promise<void> => {
    for (let turn = 0; turn < 3 && !signal.aborted; turn++) await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) return;
    this.slept.push(ms);
    this.time += ms;
  };
}

type Script = (call: ProviderCall<Target>) => Promise<ProviderAnswer>;

function fakeProvider(name: string, script: Script, wire: boolean): Provider & { calls: ProviderCall<Target>[] } {
  const calls: ProviderCall<Target>[] = [];
  return {
    name,
    anthropicWire: wire,
    calls,
    call: (call: ProviderCall<Target>) => {
      calls.push(call);
      return script(call);
    },
    close: async () => undefined,
  };
}

/** Never answers; rejects when the call's signal aborts (as undici does). */
const hang: Script = (call) =>
  new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));

function sse(...events: [string, unknown][]): string {
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
}

const messageStart = { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'm', stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 0 } } };
const blockStart = { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } };
const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };

/** A passthrough SSE answer whose body is `chunks`, then (optionally) never ends. */
function passthrough(chunks: string[], options: { status?: number; hangAfter?: boolean; signal?: AbortSignal } = {}): ProviderAnswer {
  const body = new Readable({ read() {} });
  for (const chunk of chunks) body.push(Buffer.from(chunk));
  if (options.hangAfter !== true) body.push(null);
  options.signal?.addEventListener('abort', () => body.destroy());
  const upstream = { status: options.status ?? 200, headers: { 'content-type': 'text/event-stream' }, body } as unknown as RawUpstreamResponse;
  return { kind: 'passthrough', upstream, info: { headers: {} } };
}

async function* typed(events: readonly { type: string }[], then?: 'hang' | GatewayError, signal?: AbortSignal): AsyncGenerator<never> {
  for (const event of events) yield event as never;
  if (then === 'hang') await new Promise((resolve) => signal?.addEventListener('abort', resolve));
  else if (then !== undefined) throw then;
}

const anthropic = (model = 'claude-a'): Target => ({ provider: 'anthropic', model });
const bedrock = (model = 'anthropic.claude-b'): Target => ({ provider: 'bedrock', model, options: { region: 'us-east-1', api: 'invoke', serviceTier: 'default', capabilities: claudeCapabilities } });
const converse = (model = 'qwen.q'): Target => ({ provider: 'converse', model, options: { region: 'us-east-1', api: 'converse', serviceTier: 'default', capabilities: claudeCapabilities } }) as unknown as Target;

const settings: RoutingSettings = { deadline_ms: 300_000, retry_threshold_ms: 30_000, max_retry_wait_ms: 10_000, cooldown_ms: 300_000, rate_limit_cooldowns: true, first_event_timeout_ms: 60_000 };

interface Setup {
  readonly providers: Provider[];
  readonly clock?: FakeClock;
  readonly budget?: boolean;
  readonly settings?: Partial<RoutingSettings>;
  readonly cooldowns?: MemoryCooldownStore;
}

function deps(setup: Setup): EngineDeps & { clock: FakeClock; cooldowns: MemoryCooldownStore; logged: Record<string, unknown>[] } {
  const clock = setup.clock ?? new FakeClock();
  const logged: Record<string, unknown>[] = [];
  return {
    providers: new ProviderRegistry(setup.providers),
    settings: { ...settings, ...setup.settings },
    maxEventBytes: 1_000_000,
    clock,
    sleep: clock.sleep,
    cooldowns: setup.cooldowns ?? new MemoryCooldownStore(),
    retryBudget: { request: () => undefined, tryExtra: () => setup.budget !== false },
    log: { isLevelEnabled: () => false, info: (fields) => logged.push(fields), debug: () => undefined, warn: () => undefined },
    observeAttempt: () => undefined,
    logged,
  };
}

function request(targets: Target[], overrides: Partial<RouteRequest> = {}): RouteRequest {
  return {
    requestId: 'req_1',
    operation: 'messages',
    model: 'claude-a',
    stream: true,
    body: createRequestBody(Buffer.from('{"model":"claude-a"}'), undefined, 1_000_000),
    path: { path: '/v1/messages', search: '' },
    headers: {},
    targets,
    clientRetries: false,
    credentialTaken: false,
    signal: new AbortController().signal,
    termination: () => undefined,
    messageId: () => 'msg_bdrk_1',
    ...overrides,
  };
}

async function bodyText(outcome: RouteOutcome): Promise<string> {
  if (outcome.kind !== 'answered' || outcome.answer.kind !== 'passthrough') throw new Error(`not a passthrough answer: ${outcome.kind}`);
  const chunks: Buffer[] = [];
  for await (const chunk of outcome.answer.upstream.body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function eventTypes(outcome: RouteOutcome): Promise<string[]> {
  if (outcome.kind !== 'answered' || outcome.answer.kind !== 'events') throw new Error(`not an events answer: ${outcome.kind}`);
  const types: string[] = [];
  for await (const event of outcome.answer.events) types.push(event.type);
  return types;
}

const rateLimited = (retryAfterMs?: number) => new GatewayError('GW_UPSTREAM_RATE_LIMITED', 'Too many requests.', { provider: 'bedrock', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
const good = sse(['message_start', messageStart], ['content_block_start', blockStart], ['message_stop', { type: 'message_stop' }]);

describe('routing engine: the chain', () => {
  it('tries the targets in order and answers from the first that serves, saying why it moved on', async () => {
    const first = fakeProvider('anthropic', () => Promise.reject(new GatewayError('GW_UPSTREAM_OVERLOADED', 'Overloaded.', { provider: 'anthropic' })), true);
    const second = fakeProvider('bedrock', async () => passthrough([good]), false);
    const outcome = await routeRequest(request([anthropic(), bedrock()]), deps({ providers: [first, second] }));
    expect(outcome).toMatchObject({ kind: 'answered', served: { provider: 'bedrock' }, fallback: 'overloaded', attempts: 2 });
    expect(await bodyText(outcome)).toBe(good);
    expect(first.calls).toHaveLength(1);
  });

  it('retries the same target after a short retry-after, waiting what it asked', async () => {
    let calls = 0;
    const only = fakeProvider('bedrock', async () => (calls++ === 0 ? Promise.reject(rateLimited(2_000)) : passthrough([good])), false);
    const setup = deps({ providers: [only] });
    const outcome = await routeRequest(request([bedrock()]), setup);
    expect(outcome).toMatchObject({ kind: 'answered', attempts: 2, fallback: 'rate_limited' });
    expect(setup.clock.slept).toContain(2_000);
  });

  it('does not retry the same target for a client that retries by itself: it moves on', async () => {
    const first = fakeProvider('bedrock', () => Promise.reject(rateLimited(2_000)), false);
    const second = fakeProvider('anthropic', async () => passthrough([good]), true);
    const outcome = await routeRequest(request([bedrock(), anthropic()], { clientRetries: true }), deps({ providers: [first, second] }));
    expect(outcome).toMatchObject({ kind: 'answered', served: { provider: 'anthropic' }, attempts: 2 });
    expect(first.calls).toHaveLength(1);
  });

  it('skips a cooling target, and cools the one that failed', async () => {
    const cooldowns = new MemoryCooldownStore();
    const clock = new FakeClock();
    await cooldowns.set({ key: 'anthropic|claude-a', until: clock.now() + 60_000, reason: 'overloaded' }, clock.now());
    const first = fakeProvider('anthropic', async () => passthrough([good]), true);
    const second = fakeProvider('bedrock', () => Promise.reject(new GatewayError('GW_UPSTREAM_ERROR', 'boom', { provider: 'bedrock' })), false);
    const third = fakeProvider('converse', async () => passthrough([good]), false);
    const outcome = await routeRequest(request([anthropic(), bedrock(), converse()]), deps({ providers: [first, second, third], cooldowns, clock }));
    expect(outcome).toMatchObject({ kind: 'answered', served: { provider: 'converse' }, fallback: 'server_error' });
    expect(first.calls).toHaveLength(0);
    expect((await cooldowns.list(clock.now())).map((entry) => entry.reason)).toEqual(['overloaded', 'server_error']);
  });

  it('answers with the shortest wait when every target is rate limited', async () => {
    const cooldowns = new MemoryCooldownStore();
    const clock = new FakeClock();
    await cooldowns.set({ key: 'anthropic|claude-a', until: clock.now() + 9_500, reason: 'rate_limited' }, clock.now());
    const only = fakeProvider('anthropic', async () => passthrough([good]), true);
    const outcome = await routeRequest(request([anthropic()]), deps({ providers: [only], cooldowns, clock }));
    expect(outcome).toMatchObject({ kind: 'failed', attempts: 0, error: { code: 'GW_ALL_TARGETS_COOLING', retryAfterMs: 9_500 } });
  });

  it("a later target's own refusal does not replace the failure that sent the request there", async () => {
    const first = fakeProvider('anthropic', () => Promise.reject(new GatewayError('GW_UPSTREAM_OVERLOADED', 'Overloaded.')), true);
    const second = fakeProvider('bedrock', () => Promise.reject(new GatewayError('GW_BODY_TOO_LARGE', 'too big')), false);
    const outcome = await routeRequest(request([anthropic(), bedrock()]), deps({ providers: [first, second] }));
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'GW_UPSTREAM_OVERLOADED' }, served: { provider: 'bedrock' } });
  });

  it("relays the upstream's own failure when it is the final answer, and cools the target", async () => {
    const relayable = passthrough(['{"type":"error"}'], { status: 529 });
    const only = fakeProvider('anthropic', () => Promise.reject(new UpstreamFailure(new GatewayError('GW_UPSTREAM_OVERLOADED', 'Overloaded.'), 'overloaded', relayable as never)), true);
    const setup = deps({ providers: [only] });
    const outcome = await routeRequest(request([anthropic()]), setup);
    expect(outcome).toMatchObject({ kind: 'answered', trigger: 'overloaded', attempts: 1 });
    expect(outcome.kind === 'answered' && outcome.answer).toBe(relayable);
    expect(await setup.cooldowns.list(setup.clock.now())).toHaveLength(1);
  });
});

describe('routing engine: first event timeout and the first-error hold, for every provider', () => {
  it('moves on from an Anthropic-like target that sends headers but no event', async () => {
    const first = fakeProvider('anthropic', async (call) => passthrough([], { hangAfter: true, signal: call.signal }), true);
    const second = fakeProvider('bedrock', async () => passthrough([good]), false);
    const setup = deps({ providers: [first, second] });
    const outcome = await routeRequest(request([anthropic(), bedrock()]), setup);
    expect(outcome).toMatchObject({ kind: 'answered', served: { provider: 'bedrock' }, fallback: 'timeout' });
    expect(setup.clock.slept).toEqual([60_000]);
    expect(first.calls[0]?.signal.aborted).toBe(true);
  });

  it('moves on from a hung Bedrock-like target in the middle of the chain', async () => {
    const first = fakeProvider('anthropic', () => Promise.reject(new GatewayError('GW_UPSTREAM_OVERLOADED', 'Overloaded.')), true);
    const second = fakeProvider('bedrock', hang, false);
    const third = fakeProvider('converse', async () => passthrough([good]), false);
    const outcome = await routeRequest(request([anthropic(), bedrock(), converse()]), deps({ providers: [first, second, third] }));
    expect(outcome).toMatchObject({ kind: 'answered', served: { provider: 'converse' }, fallback: 'timeout', attempts: 3 });
  });

  it('moves on from a Converse-like stream that stops after message_start', async () => {
    const first = fakeProvider('converse', async (call) => ({ kind: 'events', events: typed([messageStart], 'hang', call.signal), info: { headers: {} } }), false);
    const second = fakeProvider('anthropic', async () => passthrough([good]), true);
    const outcome = await routeRequest(request([converse(), anthropic()]), deps({ providers: [first, second] }));
    expect(outcome).toMatchObject({ kind: 'answered', served: { provider: 'anthropic' }, fallback: 'timeout' });
  });

  it('holds an Anthropic-like first error event and moves on', async () => {
    const first = fakeProvider('anthropic', async () => passthrough([sse(['message_start', messageStart], ['error', overloaded])]), true);
    const second = fakeProvider('bedrock', async () => passthrough([good]), false);
    const outcome = await routeRequest(request([anthropic(), bedrock()]), deps({ providers: [first, second] }));
    expect(outcome).toMatchObject({ kind: 'answered', served: { provider: 'bedrock' }, fallback: 'first_event_error' });
  });

  it('holds a Bedrock-native-like first error event and moves on', async () => {
    const first = fakeProvider('bedrock', async () => ({ kind: 'events', events: typed([messageStart, overloaded]), info: { headers: {} } }), false);
    const second = fakeProvider('anthropic', async () => passthrough([good]), true);
    const outcome = await routeRequest(request([bedrock(), anthropic()]), deps({ providers: [first, second] }));
    expect(outcome).toMatchObject({ kind: 'answered', served: { provider: 'anthropic' }, fallback: 'first_event_error' });
  });

  it('moves on from a Converse-like message_start followed by a throttling exception', async () => {
    const first = fakeProvider('converse', async () => ({ kind: 'events', events: typed([messageStart], rateLimited()), info: { headers: {} } }), false);
    const second = fakeProvider('anthropic', async () => passthrough([good]), true);
    const outcome = await routeRequest(request([converse(), anthropic()]), deps({ providers: [first, second] }));
    expect(outcome).toMatchObject({ kind: 'answered', served: { provider: 'anthropic' }, fallback: 'rate_limited' });
  });

  it('commits held events with the first content and replays them, byte for byte or event for event', async () => {
    const bytes = [sse(['message_start', messageStart]), sse(['ping', { type: 'ping' }]), sse(['content_block_start', blockStart], ['message_stop', { type: 'message_stop' }])];
    const first = fakeProvider('anthropic', async () => passthrough(bytes), true);
    const outcome = await routeRequest(request([anthropic(), bedrock()]), deps({ providers: [first, fakeProvider('bedrock', hang, false)] }));
    expect(await bodyText(outcome)).toBe(bytes.join(''));
    const events = fakeProvider('bedrock', async () => ({ kind: 'events', events: typed([messageStart, { type: 'ping' }, blockStart, { type: 'message_stop' }]), info: { headers: {} } }), false);
    const second = await routeRequest(request([bedrock(), anthropic()]), deps({ providers: [events, fakeProvider('anthropic', hang, true)] }));
    expect(await eventTypes(second)).toEqual(['message_start', 'ping', 'content_block_start', 'message_stop']);
  });

  it('on the last target, commits on the first event: a first error event is the answer, relayed', async () => {
    const only = fakeProvider('bedrock', async () => ({ kind: 'events', events: typed([messageStart, overloaded]), info: { headers: {} } }), false);
    const outcome = await routeRequest(request([bedrock()]), deps({ providers: [only] }));
    expect(await eventTypes(outcome)).toEqual(['message_start', 'error']);
  });

  it('gives a non-streaming request no first-event timeout, only the deadline', async () => {
    const first = fakeProvider('anthropic', hang, true);
    const setup = deps({ providers: [first, fakeProvider('bedrock', async () => passthrough([good]), false)] });
    const outcome = await routeRequest(request([anthropic(), bedrock()], { stream: false }), setup);
    expect(setup.clock.slept).toEqual([300_000]);
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'GW_UPSTREAM_TIMEOUT' }, attempts: 1 });
  });
});

describe('routing engine: deadline, budget, abort', () => {
  it("cuts an attempt's wait to the time left before the deadline", async () => {
    const only = fakeProvider('anthropic', hang, true);
    const setup = deps({ providers: [only], settings: { deadline_ms: 5_000 } });
    const outcome = await routeRequest(request([anthropic()]), setup);
    expect(only.calls[0]?.timeLeftMs).toBe(5_000);
    expect(setup.clock.slept).toEqual([5_000]);
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'GW_UPSTREAM_TIMEOUT', message: expect.stringContaining('deadline') } });
  });

  it('starts no new attempt past the deadline: the failure is the answer', async () => {
    const clock = new FakeClock();
    const first = fakeProvider('anthropic', () => {
      clock.time += 301_000;
      return Promise.reject(new GatewayError('GW_UPSTREAM_OVERLOADED', 'Overloaded.'));
    }, true);
    const second = fakeProvider('bedrock', async () => passthrough([good]), false);
    const outcome = await routeRequest(request([anthropic(), bedrock()]), deps({ providers: [first, second], clock }));
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'GW_UPSTREAM_OVERLOADED' } });
    expect(second.calls).toHaveLength(0);
  });

  it('a retry wait that reaches the deadline ends with the failure as the answer: no attempt after it', async () => {
    const only = fakeProvider('bedrock', () => Promise.reject(rateLimited(5_000)), false);
    const setup = deps({ providers: [only], settings: { deadline_ms: 2_000 } });
    const outcome = await routeRequest(request([bedrock()]), setup);
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'GW_UPSTREAM_RATE_LIMITED' }, attempts: 1 });
    expect(only.calls).toHaveLength(1);
    expect(setup.clock.slept).toEqual([2_000]);
  });

  it("the gateway's shared window refusing before a gateway-credential attempt is the answer", async () => {
    const refusal = new GatewayError('GW_KEY_RATE_LIMITED', 'Over the shared window.');
    const only = fakeProvider('bedrock', async () => passthrough([good]), false);
    const outcome = await routeRequest(request([bedrock()], { beforeGatewayCredentials: () => Promise.reject(refusal) }), deps({ providers: [only] }));
    expect(outcome).toMatchObject({ kind: 'failed', attempts: 0 });
    expect(outcome.kind === 'failed' && outcome.error).toBe(refusal);
    expect(only.calls).toHaveLength(0);
  });

  it('answers with the failure when the retry budget is spent', async () => {
    const first = fakeProvider('anthropic', () => Promise.reject(new GatewayError('GW_UPSTREAM_OVERLOADED', 'Overloaded.')), true);
    const second = fakeProvider('bedrock', async () => passthrough([good]), false);
    const outcome = await routeRequest(request([anthropic(), bedrock()]), deps({ providers: [first, second], budget: false }));
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'GW_UPSTREAM_OVERLOADED' }, attempts: 1 });
  });

  it('stops when the client leaves: nothing more is tried', async () => {
    const controller = new AbortController();
    const first = fakeProvider('anthropic', (call) => {
      setImmediate(() => controller.abort());
      return hang(call);
    }, true);
    const second = fakeProvider('bedrock', async () => passthrough([good]), false);
    const outcome = await routeRequest(request([anthropic(), bedrock()], { signal: controller.signal }), deps({ providers: [first, second] }));
    expect(outcome).toEqual({ kind: 'aborted', attempts: 1, served: anthropic() });
    expect(second.calls).toHaveLength(0);
  });

  it('answers with the shutdown error, returned, not changed', async () => {
    const controller = new AbortController();
    const shutdown = new GatewayError('GW_SHUTTING_DOWN', 'The gateway is shutting down.');
    const first = fakeProvider('anthropic', (call) => {
      setImmediate(() => controller.abort());
      return hang(call);
    }, true);
    const outcome = await routeRequest(request([anthropic(), bedrock()], { signal: controller.signal, termination: () => (controller.signal.aborted ? shutdown : undefined) }), deps({ providers: [first, fakeProvider('bedrock', hang, false)] }));
    expect(outcome).toMatchObject({ kind: 'failed', attempts: 1 });
    expect(outcome.kind === 'failed' && outcome.error).toBe(shutdown);
    expect(Object.keys(shutdown)).not.toContain('attempts');
  });
});
