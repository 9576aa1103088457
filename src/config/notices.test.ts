import { describe, expect, it } from 'vitest';
import { loadConfig, type Environment } from './load.ts';
import { environmentNotices } from './notices.ts';

function noticesOf(env: Environment, overrides: Record<string, unknown> = {}) {
  return environmentNotices(env, loadConfig({ env, overrides }));
}

describe('environmentNotices', () => {
  it('says nothing for an ordinary environment', () => {
    expect(noticesOf({ PORT: '9000', RATE_LIMIT_REQUESTS: '100', RATE_LIMIT_WINDOW: '60', ENABLE_TOOL_USE: 'True', RATE_LIMIT_ENABLED: 'True' })).toEqual([]);
  });

  it('one line per accepted variable, naming what replaces it, never its value', () => {
    const notices = noticesOf({ OPENROUTER_API_KEY: 'sk-or-secret', APP_NAME: 'My Proxy', PTC_SANDBOX_IMAGE: 'python:3.11-slim' });
    // OPENROUTER_API_KEY is a provider key now (openai_compatible.openrouter), not a notice.
    expect(notices).toEqual([
      { level: 'info', variable: 'APP_NAME', message: 'APP_NAME: not used: the service is named claude-gateway (GET /, the logs).' },
      { level: 'info', variable: 'PTC_SANDBOX_IMAGE', message: 'PTC_SANDBOX_IMAGE: not used: code runs in Python compiled to WebAssembly (Pyodide) inside the gateway, with its standard library and no container image (docs/ptc.md).' },
    ]);
    expect(JSON.stringify(notices)).not.toContain('sk-or-secret');
  });

  it('a window other than 60 s: the rate applied per minute', () => {
    expect(noticesOf({ RATE_LIMIT_REQUESTS: '1000', RATE_LIMIT_WINDOW: '3600' })).toEqual([
      { level: 'info', variable: 'RATE_LIMIT_WINDOW', message: 'RATE_LIMIT_WINDOW: limits count over 60 s here: RATE_LIMIT_REQUESTS per 3600 s is applied as 17 requests per minute (the same rate, rounded up).' },
    ]);
    expect(noticesOf({ RATE_LIMIT_WINDOW: '3600' })[0]).toMatchObject({ level: 'warn', message: 'RATE_LIMIT_WINDOW: has no effect without RATE_LIMIT_REQUESTS, which it scales.' });
  });

  it('switches turned off say what they do', () => {
    const env = { RATE_LIMIT_ENABLED: 'False', RATE_LIMIT_TRACKING_ENABLED: 'false', PROMPT_CACHING_ENABLED: 'False', ENABLE_TOOL_USE: 'False', ENABLE_EXTENDED_THINKING: 'False', ENABLE_DOCUMENT_SUPPORT: 'False' };
    expect(noticesOf(env).map((notice) => notice.variable)).toEqual(['RATE_LIMIT_ENABLED', 'RATE_LIMIT_TRACKING_ENABLED', 'PROMPT_CACHING_ENABLED', 'ENABLE_TOOL_USE', 'ENABLE_EXTENDED_THINKING', 'ENABLE_DOCUMENT_SUPPORT']);
  });

  it('ROUTING_ENABLE=false warns only when there are routes it turns off', () => {
    expect(noticesOf({ ROUTING_ENABLE: 'false' })).toEqual([]);
    const routes = [{ match: 'default', targets: [{ provider: 'bedrock' }] }];
    expect(noticesOf({ ROUTING_ENABLE: 'false' }, { routes })).toEqual([
      { level: 'warn', variable: 'ROUTING_ENABLE', message: 'ROUTING_ENABLE: the configured route is not used; every model takes the zero-configuration chain.' },
    ]);
  });

  it('a table name without the DynamoDB store is pointed out', () => {
    expect(noticesOf({ USAGE_TABLE_NAME: 'claude-proxy-usage' })).toEqual([
      { level: 'warn', variable: 'USAGE_TABLE_NAME', message: 'USAGE_TABLE_NAME: names a DynamoDB table, but the store is SQLite (STORE is not dynamodb): the table is not used.' },
    ]);
    expect(noticesOf({ USAGE_TABLE_NAME: 'claude-proxy-usage', STORE: 'dynamodb' })).toEqual([]);
  });

  it('a route naming a built-in OpenAI-compatible provider without its key', () => {
    const routes = [{ match: 'haiku', targets: [{ provider: 'cerebras', model: 'llama3.1-8b' }, { provider: 'groq', model: 'x' }] }];
    expect(noticesOf({ GROQ_API_KEY: 'gsk' }, { routes })).toEqual([
      { level: 'warn', variable: 'CEREBRAS_API_KEY', message: 'CEREBRAS_API_KEY: not set, but routes name cerebras: those targets are skipped (GW_UPSTREAM_CREDENTIALS) until the gateway has a key for it.' },
    ]);
  });
});
