import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textEvents, toolUseEvents } from '../fakes/anthropic.ts';
import { anthropicModelName, defaultBedrockResponder, type BedrockStep, type RecordedBedrockRequest } from '../fakes/bedrock.ts';
import { claudePrint as runClaude, type ClaudeResult } from '../helpers/claude-code.ts';
import { awsEnvironment, startTestGateway, useGatewayWithBedrock } from '../helpers/gateway.ts';

/**
 * Claude Code itself, asking for Bedrock models by their Bedrock ids (`--model`, as users of
 * seeds 002/004 do with ANTHROPIC_DEFAULT_SONNET_MODEL): Claude through InvokeModel, and a
 * Converse model completing a Bash tool-use loop. Everything Claude Code sends (betas, cache
 * control, JSON metadata, context management, dozens of tools) must convert.
 */

const context = useGatewayWithBedrock();
let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'claude-home-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function claudePrint(prompt: string, model: string, extraArgs: string[] = []): Promise<ClaudeResult> {
  return runClaude(prompt, home, { ANTHROPIC_BASE_URL: context.gateway.url, ANTHROPIC_API_KEY: 'sk-ant-api03-claude-code' }, ['--model', model, ...extraArgs]);
}

const frames = (events: [string, object][]): BedrockStep => ({ kind: 'event-stream', items: events.map(([converse, payload]) => ({ converse, payload })) });

function converseAnswer(request: RecordedBedrockRequest): BedrockStep {
  const body = request.body.toString('utf8');
  const usage = { usage: { inputTokens: 900, outputTokens: 20, totalTokens: 920 }, metrics: { latencyMs: 300 } };
  if (body.includes('"toolResult"')) {
    const output = /gateway-converse-ok-(\d+)/.exec(body)?.[0] ?? 'no output';
    return frames([
      ['messageStart', { role: 'assistant' }],
      ['contentBlockDelta', { contentBlockIndex: 0, delta: { text: `Qwen saw ${output}` } }],
      ['contentBlockStop', { contentBlockIndex: 0 }],
      ['messageStop', { stopReason: 'end_turn' }],
      ['metadata', usage],
    ]);
  }
  const input = JSON.stringify({ command: 'echo gateway-converse-ok-$((40+2))', description: 'Print a marker' });
  return frames([
    ['messageStart', { role: 'assistant' }],
    ['contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_qwen_1', name: 'Bash' } } }],
    ['contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: input.slice(0, 9) } } }],
    ['contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: input.slice(9) } } }],
    ['contentBlockStop', { contentBlockIndex: 0 }],
    ['messageStop', { stopReason: 'tool_use' }],
    ['metadata', usage],
  ]);
}

describe('Claude Code with Bedrock model ids', () => {
  it('answers through InvokeModel for a Claude inference profile', async () => {
    const result = await claudePrint('say hi', 'us.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(result.is_error).toBe(false);
    expect(result.result).toBe('Hello from the fake! Multibyte: h\u00e9llo \u4e16\u754c \ud83d\ude00.');
    const sent = context.bedrock.requests.find((request) => request.operation === 'invoke-with-response-stream');
    expect(sent?.signatureValid).toBe(true);
    const body = sent?.json as Record<string, unknown>;
    expect(body.anthropic_version).toBe('bedrock-2023-05-31');
    expect(body.model).toBeUndefined();
    expect(body.stream).toBeUndefined();
    expect(Array.isArray(body.tools)).toBe(true);
    expect(body.anthropic_beta).not.toContain('claude-code-20250219');
    expect(context.fake.requests.filter((request) => request.path === '/v1/messages')).toHaveLength(0);
  });

  it('completes a Bash tool-use loop on a Converse model', async () => {
    context.bedrock.respondWith((request) => (request.operation === 'converse-stream' ? converseAnswer(request) : defaultBedrockResponder(request)));
    const result = await claudePrint('run the marker command', 'qwen.qwen3-coder-480b-a35b-v1:0', ['--allowedTools', 'Bash']);
    expect(result.is_error).toBe(false);
    expect(result.result).toBe('Qwen saw gateway-converse-ok-42');
    const calls = context.bedrock.requests.filter((request) => request.operation === 'converse-stream');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    const second = calls.at(-1)?.json as { messages: { role: string; content: Record<string, unknown>[] }[]; toolConfig: { tools: unknown[] } };
    expect(second.toolConfig.tools.length).toBeGreaterThan(0);
    expect(second.messages.at(-2)?.content).toContainEqual({ toolUse: { toolUseId: 'tooluse_qwen_1', name: 'Bash', input: { command: 'echo gateway-converse-ok-$((40+2))', description: 'Print a marker' } } });
  });

  it('keeps working across a forced 429: the Bash tool loop completes on Bedrock', async () => {
    const forced = await startTestGateway({ ...awsEnvironment(context.bedrock), ANTHROPIC_API_BASE: context.fake.url, FORCE_RATE_LIMIT: 'true' });
    try {
      context.bedrock.respondWith((request) => {
        if (request.operation !== 'invoke-with-response-stream') return defaultBedrockResponder(request);
        const body = request.body.toString('utf8');
        const model = anthropicModelName(request.modelId);
        const events = body.includes('toolu_01FallbackBash')
          ? textEvents(model, `Fallback saw ${/gateway-fallback-ok-(\d+)/.exec(body)?.[0] ?? 'no output'}`)
          : toolUseEvents(model, 'toolu_01FallbackBash', 'Bash', { command: 'echo gateway-fallback-ok-$((40+2))', description: 'Print a marker' });
        return { kind: 'event-stream', items: events.map((event) => ({ anthropic: event })) };
      });
      const result = await runClaude('run the marker command', home, { ANTHROPIC_BASE_URL: forced.url, ANTHROPIC_API_KEY: 'sk-ant-api03-claude-code' }, ['--allowedTools', 'Bash', '--model', 'claude-sonnet-5-5']);
      expect(result.is_error).toBe(false);
      expect(result.result).toBe('Fallback saw gateway-fallback-ok-42');
      expect(context.fake.requests.filter((request) => request.path === '/v1/messages')).toHaveLength(0);
      const calls = context.bedrock.requests.filter((request) => request.operation === 'invoke-with-response-stream');
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(calls.every((request) => request.modelId === 'global.anthropic.claude-sonnet-5-5' && request.signatureValid)).toBe(true);
    } finally {
      await forced.close();
    }
  });
});
