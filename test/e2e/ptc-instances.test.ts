import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming, MessageParam, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeBedrock } from '../fakes/bedrock.ts';
import { calls, invokeTurn, printed, ScriptedSandbox } from '../fakes/ptc.ts';
import { awsEnvironment, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * Programmatic Tool Calling across instances (issue 13): the paused code lives in the shared
 * store, not in the memory of the instance that started it. Two gateways share one SQLite file;
 * the continuation goes to the other one, or to an instance started after the first one stopped.
 * An expired container is a 400, never a fresh run.
 */

const route = { routes: [{ match: 'ptc-invoke', targets: [{ provider: 'bedrock', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' }] }] };
const tools: MessageCreateParamsNonStreaming['tools'] = [
  { type: 'code_execution_20250825', name: 'code_execution' },
  { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, allowed_callers: ['code_execution_20250825'] },
];
const question: MessageParam = { role: 'user', content: 'Weather?' };

/** Code that calls get_weather once, then prints the result; each instance has its own sandbox (nothing shared but the store). */
const weatherProgram = () => new ScriptedSandbox((request) => (request.batches.length === 0 ? calls(['get_weather', { city: 'Paris' }]) : printed(`${request.batches[0]?.results[0]?.content}\n`)));

let bedrock: FakeBedrock;
let dataDir: string;

beforeAll(async () => {
  bedrock = await FakeBedrock.start();
  dataDir = mkdtempSync(join(tmpdir(), 'gateway-ptc-shared-'));
});

afterAll(async () => {
  await bedrock.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function clientOf(gateway: TestGateway): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-api03-client', baseURL: gateway.url, maxRetries: 0 });
}

function create(gateway: TestGateway, messages: MessageParam[], container?: string): Promise<Message> {
  return clientOf(gateway).messages.create({ model: 'ptc-invoke', max_tokens: 100, tools, messages, ...(container === undefined ? {} : { container }) });
}

function resumeOf(first: Message): MessageParam[] {
  const call = first.content.find((block): block is ToolUseBlock => block.type === 'tool_use') as ToolUseBlock;
  return [question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny' }] }];
}

async function start(env: Record<string, string> = {}): Promise<{ gateway: TestGateway; sandbox: ScriptedSandbox }> {
  const sandbox = weatherProgram();
  const gateway = await startTestGateway({ ...awsEnvironment(bedrock), GATEWAY_DATA_DIR: dataDir, ...env }, route, { sandbox });
  return { gateway, sandbox };
}

describe('containers in the shared store', () => {
  it('the continuation sent to another instance resumes the code there', async () => {
    const one = await start();
    const two = await start();
    try {
      bedrock.enqueue(invokeTurn([{ code: 'print(await get_weather(city="Paris"))' }]), invokeTurn([{ text: 'Sunny.' }]));
      const first = await create(one.gateway, [question]);
      expect(first.stop_reason).toBe('tool_use');
      const second = await create(two.gateway, resumeOf(first), first.container?.id);
      expect(second.content).toEqual([
        { type: 'code_execution_tool_result', tool_use_id: first.content[0]?.type === 'server_tool_use' ? first.content[0].id : '', content: { type: 'code_execution_result', stdout: 'sunny\n', stderr: '', return_code: 0, content: [] } },
        { type: 'text', text: 'Sunny.' },
      ]);
      // The second instance replayed the code with the answered batch; the first ran it once.
      expect(one.sandbox.runs.map((run) => run.batches.length)).toEqual([0]);
      expect(two.sandbox.runs.map((run) => run.batches.length)).toEqual([1]);
      expect(two.sandbox.runs[0]?.code).toBe('print(await get_weather(city="Paris"))');
    } finally {
      await one.gateway.close();
      await two.gateway.close();
    }
  });

  it('an instance restarted in the middle of a paused execution resumes it', async () => {
    const before = await start();
    bedrock.enqueue(invokeTurn([{ code: 'print(await get_weather(city="Paris"))' }]), invokeTurn([{ text: 'Sunny.' }]));
    const first = await create(before.gateway, [question]);
    await before.gateway.close();
    const after = await start();
    try {
      const second = await create(after.gateway, resumeOf(first), first.container?.id);
      expect(second.content.map((block) => block.type)).toEqual(['code_execution_tool_result', 'text']);
      expect(after.sandbox.runs[0]?.batches).toHaveLength(1);
    } finally {
      await after.gateway.close();
    }
  });

  it('an expired container is a 400 naming it, and nothing runs', async () => {
    const { gateway, sandbox } = await start({ PTC_SESSION_TIMEOUT: '1' });
    try {
      bedrock.enqueue(invokeTurn([{ code: 'print(await get_weather(city="Paris"))' }]));
      const first = await create(gateway, [question]);
      expect(Date.parse(first.container?.expires_at ?? '') - Date.now()).toBeLessThanOrEqual(1_000);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const requests = bedrock.requests.length;
      const error = await create(gateway, resumeOf(first), first.container?.id).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining(`container "${first.container?.id}" is unknown or expired`) } });
      expect(bedrock.requests).toHaveLength(requests);
      expect(sandbox.runs).toHaveLength(1);
    } finally {
      await gateway.close();
    }
  });
});

describe('ENABLE_PROGRAMMATIC_TOOL_CALLING=false', () => {
  it('toward Bedrock the request is refused with a 400 naming the tool, as before', async () => {
    const { gateway, sandbox } = await start({ ENABLE_PROGRAMMATIC_TOOL_CALLING: 'false' });
    try {
      const error = await create(gateway, [question]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect((error as Error).message).toContain('code_execution');
      expect(sandbox.runs).toHaveLength(0);
      expect(await (await fetch(`${gateway.url}/health/ptc`)).json()).toEqual({ status: 'disabled' });
    } finally {
      await gateway.close();
    }
  });
});
