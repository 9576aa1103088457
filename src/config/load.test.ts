import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from './load.ts';

function files(contents: Record<string, string>) {
  return (path: string): string => {
    const text = contents[path];
    if (text === undefined) throw new Error(`ENOENT: no such file '${path}'`);
    return text;
  };
}

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts with zero configuration', () => {
    const config = loadConfig({ env: {} });
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080, body_limit_bytes: 32 * 1024 * 1024 });
    expect(config.anthropic.base_url).toBe('https://api.anthropic.com');
    expect(config.anthropic.api_key).toBeUndefined();
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('layers file < environment < command line', () => {
    const readFile = files({ 'gw.yaml': 'server:\n  port: 9000\n  host: 0.0.0.0\nanthropic:\n  base_url: http://file.example/\n' });
    const config = loadConfig({ env: { GATEWAY_CONFIG: 'gw.yaml', PORT: '9100' }, overrides: { 'server.host': '::1' }, readFile });
    expect(config.server.port).toBe(9100);
    expect(config.server.host).toBe('::1');
    expect(config.anthropic.base_url).toBe('http://file.example');
  });

  it('honours the seed variable names', () => {
    const config = loadConfig({
      env: {
        PROXY_PORT: '47000',
        ANTHROPIC_API_BASE: 'http://127.0.0.1:1234',
        ANTHROPIC_API_KEY: 'sk-ant-api03-env',
        CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-env',
        ANTHROPIC_AUTH_TOKEN: 'token',
        REQUEST_TIMEOUT: '60',
        LOG_LEVEL: 'DEBUG',
      },
    });
    expect(config.server.port).toBe(47000);
    expect(config.anthropic).toMatchObject({
      base_url: 'http://127.0.0.1:1234',
      api_key: 'sk-ant-api03-env',
      oauth_token: 'sk-ant-oat01-env',
      auth_token: 'token',
      idle_timeout_ms: 60_000,
      headers_timeout_ms: 60_000,
    });
    expect(config.log.level).toBe('debug');
  });

  it('prefers PORT over PROXY_PORT', () => {
    expect(loadConfig({ env: { PORT: '1', PROXY_PORT: '2' } }).server.port).toBe(1);
  });

  it('reports every problem with its path and source', () => {
    const readFile = files({ 'bad.yaml': 'server:\n  port: 70000\n  colour: blue\nanthropic:\n  base_url: ftp://x\n' });
    const problems = problemsOf(() => loadConfig({ env: { GATEWAY_CONFIG: 'bad.yaml', LOG_LEVEL: 'loud', REQUEST_TIMEOUT: 'soon' }, readFile }));
    expect(problems).toHaveLength(6);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^server\.port: .*65535.* \(from file bad\.yaml\)$/),
        expect.stringMatching(/^server: Unrecognized key.*colour/),
        expect.stringMatching(/^anthropic\.base_url: must be an http\(s\) URL.* \(from file bad\.yaml\)$/),
        expect.stringMatching(/^log\.level: .* \(from environment variable LOG_LEVEL\)$/),
        expect.stringMatching(/^anthropic\.idle_timeout_ms: .* \(from environment variable REQUEST_TIMEOUT\)$/),
        expect.stringMatching(/^anthropic\.headers_timeout_ms: .* \(from environment variable REQUEST_TIMEOUT\)$/),
      ]),
    );
  });

  it('reports unreadable and malformed files', () => {
    expect(problemsOf(() => loadConfig({ configFile: 'missing.yaml', readFile: files({}) }))[0]).toMatch(/^missing\.yaml: cannot read/);
    expect(problemsOf(() => loadConfig({ configFile: 'x.yaml', readFile: files({ 'x.yaml': 'server: [1, 2' }) }))[0]).toMatch(/^x\.yaml: /);
    expect(problemsOf(() => loadConfig({ configFile: 'x.yaml', readFile: files({ 'x.yaml': '- a list' }) }))[0]).toBe('x.yaml: the top level must be a mapping');
  });

  it('accepts an empty file', () => {
    expect(loadConfig({ configFile: 'e.yaml', readFile: files({ 'e.yaml': '' }) }).server.port).toBe(8080);
  });
});

describe('redactConfig', () => {
  it('replaces every secret and nothing else', () => {
    const config = loadConfig({ env: { ANTHROPIC_API_KEY: 'sk-canary-1', CLAUDE_CODE_OAUTH_TOKEN: 'sk-canary-2', ANTHROPIC_AUTH_TOKEN: 'sk-canary-3' } });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('sk-canary');
    expect(shown).toContain('"api_key":"[redacted]"');
    expect(shown).toContain('"base_url":"https://api.anthropic.com"');
    expect(config.anthropic.api_key).toBe('sk-canary-1');
  });
});
