import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, defaultResponder, textEvents, toolUseEvents, type RecordedRequest } from '../fakes/anthropic.ts';
import { claudePrint as runClaude, type ClaudeResult } from '../helpers/claude-code.ts';
import { useGatewayWithFake } from '../helpers/gateway.ts';

/**
 * Claude Code itself (npm @anthropic-ai/claude-code, a devDependency) pointed at the gateway
 * with ANTHROPIC_BASE_URL, as a user would, with the fake Anthropic behind the context.gateway.
 */

const context = useGatewayWithFake({});
let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'claude-home-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function claudePrint(prompt: string, env: Record<string, string>, extraArgs: string[] = []): Promise<ClaudeResult> {
  return runClaude(prompt, home, env, extraArgs);
}

function messagesRequests(): RecordedRequest[] {
  return context.fake.requests.filter((request) => request.path === '/v1/messages');
}

describe('Claude Code through the gateway', () => {
  it('answers a prompt with an API key, its headers and betas reaching Anthropic unchanged', async () => {
    const result = await claudePrint('say hi', { ANTHROPIC_BASE_URL: context.gateway.url, ANTHROPIC_API_KEY: 'sk-ant-api03-claude-code' });
    expect(result.is_error).toBe(false);
    expect(result.result).toBe('Hello from the fake! Multibyte: h\u00e9llo \u4e16\u754c \ud83d\ude00.');
    const sent = messagesRequests()[0];
    expect(sent?.url).toBe('/v1/messages?beta=true');
    expect(sent?.headers['x-api-key']).toBe('sk-ant-api03-claude-code');
    expect(sent?.headers['user-agent']).toMatch(/^claude-cli\//);
    expect(sent?.headers['anthropic-beta']).toContain('claude-code-20250219');
    expect(sent?.headers['x-claude-code-session-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('completes a tool-use loop (Bash) across two requests', async () => {
    context.fake.respondWith((request) => {
      if (request.path !== '/v1/messages') return defaultResponder(request);
      const body = request.body.toString('utf8');
      const model = (JSON.parse(body) as { model: string }).model;
      if (body.includes('"tool_result"') && body.includes('toolu_01GatewayBash')) {
        const output = /gateway-tool-ok-(\d+)/.exec(body)?.[0] ?? 'no output';
        return answer(request, textEvents(model, `The tool printed ${output}`));
      }
      return answer(request, toolUseEvents(model, 'toolu_01GatewayBash', 'Bash', { command: 'echo gateway-tool-ok-$((40+2))', description: 'Print a marker' }));
    });
    const result = await claudePrint('run the marker command', { ANTHROPIC_BASE_URL: context.gateway.url, ANTHROPIC_API_KEY: 'sk-ant-api03-claude-code' }, [
      '--allowedTools',
      'Bash',
    ]);
    expect(result.is_error).toBe(false);
    expect(result.result).toBe('The tool printed gateway-tool-ok-42');
    expect(messagesRequests().length).toBeGreaterThanOrEqual(2);
  });

  it('works with a per-user base URL and an OAuth token, which gets its beta', async () => {
    const result = await claudePrint('say hi', { ANTHROPIC_BASE_URL: `${context.gateway.url}/user/alice`, ANTHROPIC_AUTH_TOKEN: 'sk-ant-oat01-claude-code' });
    expect(result.is_error).toBe(false);
    const sent = messagesRequests()[0];
    expect(sent?.url).toBe('/v1/messages?beta=true');
    expect(sent?.headers.authorization).toBe('Bearer sk-ant-oat01-claude-code');
    expect(sent?.headers['x-api-key']).toBeUndefined();
    expect(String(sent?.headers['anthropic-beta']).split(',')).toContain('oauth-2025-04-20');
    expect(context.gateway.logs.some((line) => line.includes('"user_id":"alice"'))).toBe(true);
  });
});
