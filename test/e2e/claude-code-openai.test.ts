import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic } from '../fakes/anthropic.ts';
import { defaultOpenAIResponder, FakeOpenAI, type OpenAIFakeStep, type OpenAIRecordedRequest } from '../fakes/openai.ts';
import { claudePrint } from '../helpers/claude-code.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/**
 * Claude Code itself (npm @anthropic-ai/claude-code, a devDependency) completing a Bash tool loop
 * when the gateway serves its model from an OpenAI-compatible target (issue 12): every model
 * Claude Code asks for is routed to `openai`, whose base URL is the fake OpenAI-compatible
 * upstream. The fake first answers with a Bash tool call (arguments in fragments), then, once the
 * tool's output comes back as a `role: tool` message, with text naming that output.
 */

interface ChatMessage {
  readonly role: string;
  readonly content?: unknown;
  readonly tool_call_id?: string;
  readonly tool_calls?: { id: string; function: { name: string; arguments: string } }[];
}

const base = { id: 'chatcmpl-cc', object: 'chat.completion.chunk', created: 1_765_000_000, model: 'gpt-test', system_fingerprint: null };
const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({ chunk: { ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] } });
const usage = { chunk: { ...base, choices: [], usage: { prompt_tokens: 900, completion_tokens: 20, total_tokens: 920 } } };
const command = 'echo gateway-openai-ok-$((40+2))';

function hasBashTool(request: OpenAIRecordedRequest): boolean {
  const tools = request.json?.tools;
  return Array.isArray(tools) && tools.some((tool) => (tool as { function?: { name?: string } }).function?.name === 'Bash');
}

/** The scripted loop: a Bash call while no tool result came back, then text naming the output. */
function loopResponder(request: OpenAIRecordedRequest): OpenAIFakeStep {
  if (!request.path.endsWith('/chat/completions') || request.json?.stream !== true || !hasBashTool(request)) return defaultOpenAIResponder(request);
  const messages = (request.json.messages ?? []) as ChatMessage[];
  const result = messages.find((message) => message.role === 'tool');
  if (result !== undefined) {
    const output = /gateway-openai-ok-(\d+)/.exec(JSON.stringify(result.content))?.[0] ?? 'no output';
    return { kind: 'sse', items: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'GPT saw ' }), chunk({ content: output }), chunk({}, 'stop'), usage] };
  }
  const args = JSON.stringify({ command, description: 'Print a marker' });
  const call = (id: string | undefined, name: string | undefined, fragment: string) => ({ tool_calls: [{ index: 0, ...(id === undefined ? {} : { id, type: 'function' }), function: { ...(name === undefined ? {} : { name }), arguments: fragment } }] });
  return {
    kind: 'sse',
    items: [chunk({ role: 'assistant', content: '' }), chunk(call('call_bash_1', 'Bash', '')), chunk(call(undefined, undefined, args.slice(0, 11))), chunk(call(undefined, undefined, args.slice(11))), chunk({}, 'tool_calls'), usage],
  };
}

let fake: FakeOpenAI;
let anthropic: FakeAnthropic;
let gateway: TestGateway;
let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'claude-home-'));
  fake = await FakeOpenAI.start();
  fake.respondWith(loopResponder);
  anthropic = await FakeAnthropic.start();
  gateway = await startTestGateway(
    { ANTHROPIC_API_BASE: anthropic.url, OPENAI_API_KEY: 'sk-openai-gateway' },
    { routes: [{ match: '*', targets: [{ provider: 'openai', model: 'gpt-test' }] }], 'openai_compatible.openai.base_url': `${fake.url}/v1` },
  );
});

afterAll(async () => {
  await gateway.close();
  await fake.close();
  await anthropic.close();
  await rm(home, { recursive: true, force: true });
});

describe('Claude Code on an OpenAI-compatible target', () => {
  it('completes a Bash tool loop: the tool result reaches the upstream as a role: tool message, the final text is printed', async () => {
    // --max-turns bounds a broken loop (a tool result the fake never sees means Bash calls forever).
    const result = await claudePrint('run the marker command', home, { ANTHROPIC_BASE_URL: gateway.url, ANTHROPIC_API_KEY: 'sk-ant-api03-claude-code' }, ['--allowedTools', 'Bash', '--model', 'claude-sonnet-4-5', '--max-turns', '4']);
    expect(result.is_error).toBe(false);
    expect(result.result).toBe('GPT saw gateway-openai-ok-42');
    // Nothing went to Anthropic: the route serves every model from the OpenAI-compatible target.
    expect(anthropic.requests.filter((request) => request.path.startsWith('/v1/messages'))).toHaveLength(0);

    const loop = fake.requests.filter((request) => request.path === '/v1/chat/completions' && hasBashTool(request));
    expect(loop.length).toBeGreaterThanOrEqual(2);
    const first = loop[0]?.json;
    expect(first).toMatchObject({ model: 'gpt-test', stream: true, stream_options: { include_usage: true } });
    expect(loop[0]?.headers.authorization).toBe('Bearer sk-openai-gateway');
    expect(JSON.stringify(loop[0]?.headers)).not.toContain('sk-ant-api03-claude-code');

    const messages = (loop.at(-1)?.json?.messages ?? []) as ChatMessage[];
    const toolIndex = messages.findIndex((message) => message.role === 'tool');
    expect(toolIndex).toBeGreaterThan(0);
    const assistant = messages[toolIndex - 1];
    expect(assistant?.role).toBe('assistant');
    expect(assistant?.tool_calls?.[0]?.id).toBe('call_bash_1');
    expect(assistant?.tool_calls?.[0]?.function.name).toBe('Bash');
    expect(JSON.parse(assistant?.tool_calls?.[0]?.function.arguments ?? '{}')).toMatchObject({ command });
    expect(messages[toolIndex]?.tool_call_id).toBe('call_bash_1');
    expect(JSON.stringify(messages[toolIndex]?.content)).toContain('gateway-openai-ok-42');
  }, 90_000);
});
