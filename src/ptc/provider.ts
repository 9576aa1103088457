import { GatewayError } from '../errors.ts';
import type { Provider, ProviderAnswer, ProviderCall } from '../providers/provider.ts';
import { RequestBody } from '../request/request-body.ts';
import type { Container, Containers, PausedExecution } from './container.ts';
import { answeredBatches, codeAnswersOf, type CodeAnswers } from './continuation.ts';
import { detectPtc, withoutPtcBetas, type PtcRequest } from './detect.ts';
import { ptcAnswer, runRequest, type DriverContext, type DriverStart } from './driver.ts';
import { toUpstreamBody } from './history.ts';
import type { PtcIdSource } from './ids.ts';
import { outcomeForModel } from './prompt.ts';
import type { RunLimits, RunOutcome, RunRequest, Sandbox } from './sandbox/contract.ts';
import { failureOf, openRound, PassthroughFailure, type OpenedRound } from './upstream.ts';

/**
 * Programmatic Tool Calling for a provider that lacks it (docs/ptc.md): the provider wrapped so
 * that a request asking for it (detect.ts) is emulated, any other passes through untouched.
 * Routing calls the wrapper like any provider (fallback, cooldowns and the deadline apply to the
 * first upstream round); a provider whose upstream has the feature (`nativeFeatures` holds
 * `programmatic_tool_calling`: Anthropic) is returned unwrapped, so its requests stay
 * byte-for-byte passthrough.
 */

export const nativeProgrammaticToolCalling = 'programmatic_tool_calling';

export interface PtcDependencies {
  readonly sandbox: Sandbox;
  readonly containers: Containers;
  readonly limits: RunLimits;
  readonly sessionTimeoutMs: number;
  readonly maxRounds: number;
  readonly now: () => number;
  readonly ids: PtcIdSource;
}

export function withProgrammaticToolCalling(provider: Provider, deps: PtcDependencies): Provider {
  if (provider.nativeFeatures?.has(nativeProgrammaticToolCalling) === true) return provider;
  const countTokens = provider.countTokens;
  const countInput = provider.countInput;
  return {
    ...provider,
    call: (call) => callWithPtc(provider, deps, call),
    ...(countTokens === undefined ? {} : { countTokens: async (call: ProviderCall) => countTokens({ ...call, ...(await converted(call)) }) }),
    ...(countInput === undefined
      ? {}
      : {
          countInput: (target, body, headers, signal) => {
            const ptc = detectPtc(body);
            return ptc === undefined ? countInput(target, body, headers, signal) : countInput(target, toUpstreamBody(body, ptc), withoutPtcBetas(headers), signal);
          },
        }),
  };
}

/** A count_tokens call with the body the upstream would get. */
async function converted(call: ProviderCall): Promise<Pick<ProviderCall, 'body' | 'headers'>> {
  const { object } = await call.body.json();
  const ptc = detectPtc(object);
  if (ptc === undefined) return call;
  const raw = Buffer.from(JSON.stringify(toUpstreamBody(object, ptc)), 'utf8');
  return { body: new RequestBody(raw, undefined, raw.length), headers: withoutPtcBetas(call.headers) };
}

async function callWithPtc(provider: Provider, deps: PtcDependencies, call: ProviderCall): Promise<ProviderAnswer> {
  if (call.operation !== 'messages') return provider.call(call);
  const { object: body } = await call.body.json();
  const ptc = detectPtc(body);
  if (ptc === undefined) return provider.call(call);
  const now = deps.now();
  const requested = containerIdOf(body.container);
  const container = requested === undefined ? undefined : await deps.containers.load(requested, now);
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const answers = codeAnswersOf(messages);
  const upstreamBody = toUpstreamBody(body, ptc);
  const context = driverContext(provider, deps, call, ptc, upstreamBody, container);
  try {
    const start = answers === undefined ? await firstRound(upstreamBody.messages as unknown[], call, provider, upstreamBody) : await resume(deps, context, container, answers, call, provider, upstreamBody);
    return { kind: 'events', events: ptcAnswer(start.kept === undefined ? context : { ...context, kept: start.kept }, start.start), info: start.info };
  } catch (error) {
    // The upstream's own failure answer, before anything was written: relayed as it came.
    if (error instanceof PassthroughFailure) return error.answer;
    throw error;
  }
}

interface Started {
  readonly start: DriverStart;
  readonly info: OpenedRound['info'];
  /** The execution the container keeps at the end (see DriverContext.kept), when not the one it held. */
  readonly kept?: PausedExecution;
}

async function firstRound(messages: readonly unknown[], call: ProviderCall, provider: Provider, body: Record<string, unknown>): Promise<Started> {
  const opened = await openRound(provider, call, { ...body, messages });
  return { start: { kind: 'round', messages, events: opened.events }, info: opened.info };
}

/** Resumes the paused code with the client's answers: it stops again, or ends and the model goes on. */
async function resume(deps: PtcDependencies, context: DriverContext, container: Container | undefined, answers: CodeAnswers, call: ProviderCall, provider: Provider, body: Record<string, unknown>): Promise<Started> {
  const first = answers.results[0]?.tool_use_id ?? answers.asked[0];
  if (container === undefined) throw new GatewayError('GW_PTC_TOOL_RESULTS', `tool_result ${JSON.stringify(first)} answers a call made by code, but the request has no "container": send the container id of the answer that made the call.`);
  const execution = container.execution;
  if (execution === undefined) throw new GatewayError('GW_PTC_TOOL_RESULTS', `tool_result ${JSON.stringify(first)} answers a call made by code, but container ${container.id} has no code waiting for tool results.`);
  const batches = answeredBatches(execution, answers);
  const run = await resumedRun(deps, call, runRequest(execution, batches, deps.limits));
  if (run.kind === 'calls') {
    const paused = { ...execution, batches, pending: run.calls };
    await deps.containers.save(container.id, paused, deps.now());
    return { start: { kind: 'paused', execution: paused }, info: { headers: {} } };
  }
  const forModel = outcomeForModel(run);
  const messages = withToolResult(body.messages as unknown[], { type: 'tool_result', tool_use_id: execution.toolId, content: forModel.content, ...(forModel.isError ? { is_error: true } : {}) });
  const opened = await openRound(provider, call, { ...body, messages });
  return { start: { kind: 'round', messages, events: opened.events, resumed: { toolUseId: execution.toolId, outcome: run } }, info: opened.info, kept: { ...execution, batches, pending: [] } };
}

/**
 * Resumed code runs once per request, whichever targets routing tries for the model's next round:
 * the run is kept with the request's body (shared by every attempt), so a fallback after a slow
 * upstream reuses it. It is not tied to one attempt's signal (that attempt's timeout must not
 * cancel the run the next attempt reuses); the sandbox's own time limit bounds it.
 */
const resumedRuns = new WeakMap<object, Promise<RunOutcome>>();

function resumedRun(deps: PtcDependencies, call: ProviderCall, request: RunRequest): Promise<RunOutcome> {
  let run = resumedRuns.get(call.body);
  if (run === undefined) {
    run = deps.sandbox.run(request);
    resumedRuns.set(call.body, run);
  }
  return run;
}

/** The history with the code's result added to its last user turn (or a new one). */
function withToolResult(messages: readonly unknown[], result: Record<string, unknown>): unknown[] {
  const last = messages.at(-1) as { role?: unknown; content?: unknown } | undefined;
  if (last?.role === 'user' && Array.isArray(last.content)) return [...messages.slice(0, -1), { ...last, content: [result, ...(last.content as unknown[])] }];
  return [...messages, { role: 'user', content: [result] }];
}

function driverContext(provider: Provider, deps: PtcDependencies, call: ProviderCall, ptc: PtcRequest, body: Record<string, unknown>, container: Container | undefined): DriverContext {
  const label = provider.label ?? provider.name;
  return {
    ptc,
    messageId: call.messageId,
    model: call.requestedModel,
    container: { id: container?.id ?? deps.ids.containerId(), expiresAt: deps.now() + deps.sessionTimeoutMs },
    kept: container?.execution,
    containers: deps.containers,
    sandbox: deps.sandbox,
    limits: deps.limits,
    now: deps.now,
    newServerToolUseId: () => deps.ids.serverToolUseId(),
    maxRounds: deps.maxRounds,
    signal: call.signal,
    openRound: async (messages) => {
      try {
        return (await openRound(provider, call, { ...body, messages })).events;
      } catch (error) {
        if (error instanceof PassthroughFailure) throw failureOf(error, label);
        throw error;
      }
    },
  };
}

/** The container a request names: `container` as a string or `{id}`; skills are not something the emulation has. */
function containerIdOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value)) {
    const { id, skills } = value as { id?: unknown; skills?: unknown };
    if (Array.isArray(skills) && skills.length > 0) throw new GatewayError('GW_UNSUPPORTED_FEATURE', 'container.skills: skills are not available where the gateway runs the code itself (Programmatic Tool Calling emulation).');
    if (typeof id === 'string') return id;
    if (id === undefined || id === null) return undefined;
  }
  throw new GatewayError('GW_PTC_CONTAINER_UNKNOWN', '"container" must be a container id, or an object with an "id".');
}
