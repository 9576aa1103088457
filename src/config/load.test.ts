import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig, redactUrl } from './load.ts';

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

  it('reads the Bedrock variables of the seeds, BEDROCK_REGION winning over AWS_REGION', () => {
    const config = loadConfig({
      env: {
        AWS_REGION: 'us-east-1',
        BEDROCK_REGION: 'us-west-2',
        BEDROCK_ENDPOINT: 'http://127.0.0.1:9000/',
        AWS_ACCESS_KEY_ID: 'AKIDENV',
        AWS_SECRET_ACCESS_KEY: 'secret-env',
        AWS_SESSION_TOKEN: 'token-env',
        AWS_PROFILE: 'dev',
        BEDROCK_CROSS_ACCOUNT_ROLE_ARN: 'arn:aws:iam::123456789012:role/BedrockAccessRole',
        DEFAULT_SERVICE_TIER: 'flex',
        BEDROCK_CLAUDE_API: 'messages',
        BEDROCK_TIMEOUT: '1800',
        URL_FETCH_ENABLED: 'yes',
      },
    });
    expect(config.bedrock).toMatchObject({
      region: 'us-west-2',
      endpoint: 'http://127.0.0.1:9000',
      access_key_id: 'AKIDENV',
      secret_access_key: 'secret-env',
      session_token: 'token-env',
      profile: 'dev',
      cross_account_role_arn: 'arn:aws:iam::123456789012:role/BedrockAccessRole',
      service_tier: 'flex',
      claude_api: 'messages',
      idle_timeout_ms: 1_800_000,
      headers_timeout_ms: 1_800_000,
    });
    expect(config.url_fetch.enabled).toBe(true);
    expect(loadConfig({ env: { AWS_DEFAULT_REGION: 'eu-west-1' } }).bedrock.region).toBe('eu-west-1');
    expect(loadConfig({ env: { URL_FETCH_ENABLED: 'false' } }).url_fetch.enabled).toBe(false);
  });

  it('reports bad Bedrock settings by path', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { AWS_REGION: 'mars', DEFAULT_SERVICE_TIER: 'gold', BEDROCK_CROSS_ACCOUNT_ROLE_ARN: 'role', URL_FETCH_ENABLED: 'maybe' } }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bedrock\.region: must be an AWS region .*AWS_REGION\)$/),
        expect.stringMatching(/^bedrock\.service_tier: .*DEFAULT_SERVICE_TIER\)$/),
        expect.stringMatching(/^bedrock\.cross_account_role_arn: must be an IAM role ARN/),
        expect.stringMatching(/^url_fetch\.enabled: .*URL_FETCH_ENABLED\)$/),
      ]),
    );
    expect(problemsOf(() => loadConfig({ env: { AWS_ACCESS_KEY_ID: 'AKID' } }))).toEqual(['bedrock.secret_access_key: access_key_id and secret_access_key must be set together']);
  });

  it('loads routes and model overrides from the file', () => {
    const readFile = files({
      'r.yaml': 'routes:\n  - match: claude-sonnet-*\n    targets:\n      - provider: bedrock\n        region: eu-west-1\nmodels:\n  - id: team-coder\n    bedrock: { id: qwen.qwen3-coder-480b-a35b-v1:0 }\n',
    });
    const config = loadConfig({ configFile: 'r.yaml', readFile });
    expect(config.routes).toEqual([{ match: 'claude-sonnet-*', targets: [{ provider: 'bedrock', region: 'eu-west-1' }] }]);
    expect(config.models).toEqual([{ id: 'team-coder', bedrock: { id: 'qwen.qwen3-coder-480b-a35b-v1:0' } }]);
    expect(problemsOf(() => loadConfig({ configFile: 'x.yaml', readFile: files({ 'x.yaml': 'routes:\n  - match: x\n    targets: []\n' }) }))[0]).toMatch(/^routes\.0\.targets: /);
  });

  it('reads the seeds’ model mapping as JSON, and reports one that is not', () => {
    const mapping = { 'claude-sonnet-4-5-20250929': 'global.anthropic.claude-sonnet-4-5-20250929-v1:0' };
    expect(loadConfig({ env: { DEFAULT_MODEL_MAPPING: JSON.stringify(mapping) } }).model_mapping).toEqual(mapping);
    expect(problemsOf(() => loadConfig({ env: { DEFAULT_MODEL_MAPPING: 'sonnet=x' } }))[0]).toMatch(/^model_mapping: .*DEFAULT_MODEL_MAPPING\)$/);
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
    // A syntax error shows where: the message and the parser's code frame with its caret (D23).
    const syntax = problemsOf(() => loadConfig({ configFile: 'y.yaml', readFile: files({ 'y.yaml': 'server:\n  port: 8080\n  host: [oops\nlog:\n  level: info\n' }) }))[0] ?? '';
    expect(syntax.split('\n')).toEqual([
      'y.yaml: Flow sequence in block collection must be sufficiently indented and end with a ] at line 4, column 1:',
      '      host: [oops',
      '    log:',
      '    ^',
    ]);
    expect(problemsOf(() => loadConfig({ configFile: 'x.yaml', readFile: files({ 'x.yaml': '- a list' }) }))[0]).toBe('x.yaml: the top level must be a mapping');
  });

  it('accepts an empty file', () => {
    expect(loadConfig({ configFile: 'e.yaml', readFile: files({ 'e.yaml': '' }) }).server.port).toBe(8080);
  });
});

describe('redactConfig', () => {
  it('replaces every secret and nothing else', () => {
    const config = loadConfig({
      env: {
        ANTHROPIC_API_KEY: 'sk-canary-1',
        CLAUDE_CODE_OAUTH_TOKEN: 'sk-canary-2',
        ANTHROPIC_AUTH_TOKEN: 'sk-canary-3',
        AWS_BEARER_TOKEN_BEDROCK: 'sk-canary-4',
        AWS_ACCESS_KEY_ID: 'sk-canary-5',
        AWS_SECRET_ACCESS_KEY: 'sk-canary-6',
        AWS_SESSION_TOKEN: 'sk-canary-7',
      },
    });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('sk-canary');
    expect(shown).toContain('"api_key":"[redacted]"');
    expect(shown).toContain('"base_url":"https://api.anthropic.com"');
    expect(config.anthropic.api_key).toBe('sk-canary-1');
  });
});

describe('redactUrl', () => {
  it.each([
    ['https://api.anthropic.com', 'https://api.anthropic.com'],
    ['https://api.anthropic.com/', 'https://api.anthropic.com/'],
    ['https://user:pass@host.example/v1', 'https://[redacted]@host.example/v1'],
    ['https://user@host.example', 'https://[redacted]@host.example'],
    ['redis://:secret@redis.example:6379/0', 'redis://[redacted]@redis.example:6379/0'],
    ['http://127.0.0.1:8000/path?key=secret&region=us-east-1#token', 'http://127.0.0.1:8000/path?key=[redacted]&region=[redacted]#[redacted]'],
    ['not a url', 'not a url'],
    ['us-east-1', 'us-east-1'],
    ['http://user:pa ss@[bad/x?y=1', 'http://[redacted]@[bad/x?[redacted]'],
  ])('%s -> %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
