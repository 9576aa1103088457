import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractSeedVariables, fixturePath, type SeedVariables } from '../../test/fixtures/seeds/extract-seed-variables.ts';
import { acceptedVariables, environmentVariables } from './env.ts';
import { ConfigError, loadConfig, type Environment } from './load.ts';
import { environmentNotices } from './notices.ts';

/**
 * Issue 10 D24: a seed's users switch without changing their environment. Every variable the
 * seeds' READMEs document (extracted into test/fixtures/seeds/seed-variables.json) is read, or
 * accepted with a start-up line saying what replaces it, or marked client-side; each seed's
 * documented environment loads as written; docs/configuration.md has a table per seed.
 */

const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as SeedVariables;
const seeds = Object.entries(fixture.seeds);
const read = new Set(environmentVariables.map((variable) => variable.name));
const accepted = new Set(acceptedVariables.map((variable) => variable.name));
const repository = join(import.meta.dirname, '../..');

describe('the seeds’ environment variables', () => {
  it('the fixture covers the five seeds', () => {
    expect(seeds.map(([seed]) => seed)).toEqual(['000', '001', '002', '003', '004']);
  });

  it.each(seeds)('seed %s: every variable is read, or accepted with a notice, or client side', (_seed, variables) => {
    const unexplained = variables.filter((variable) => variable.side === 'server' && !read.has(variable.name) && !accepted.has(variable.name)).map((variable) => variable.name);
    expect(unexplained).toEqual([]);
    // A client-side name is one the gateway must not read (ANTHROPIC_BASE_URL would point it at itself).
    for (const variable of variables.filter((entry) => entry.side !== 'server')) {
      expect(read.has(variable.name) || accepted.has(variable.name)).toBe(false);
      expect(fixture.notes[variable.name]).toBeDefined();
    }
  });

  it('no variable is both read and merely accepted', () => {
    expect([...accepted].filter((name) => read.has(name))).toEqual([]);
  });

  it.each(seeds)('seed %s: its documented environment loads as written, with one notice per accepted variable', (_seed, variables) => {
    const env: Record<string, string> = {};
    for (const variable of variables) if (variable.side === 'server' && variable.example !== undefined) env[variable.name] = variable.example;
    const config = loadConfig({ env });
    const notices = environmentNotices(env, config);
    for (const name of Object.keys(env).filter((key) => accepted.has(key))) {
      expect(notices.filter((notice) => notice.variable === name)).toHaveLength(1);
    }
  });

  it.each(seeds)('docs/configuration.md has a "Coming from seed %s" table naming each of its variables', (seed, variables) => {
    const text = readFileSync(join(repository, 'docs/configuration.md'), 'utf8');
    const start = text.indexOf(`### Coming from seed ${seed}`);
    expect(start).toBeGreaterThan(-1);
    const end = text.indexOf('\n#', start + 1);
    const section = text.slice(start, end === -1 ? undefined : end);
    expect(variables.filter((variable) => !section.includes(`\`${variable.name}\``)).map((variable) => variable.name)).toEqual([]);
  });

  const seedsDirectory = join(repository, '..', 'shared', 'seeds');
  it.skipIf(!existsSync(seedsDirectory))('the fixture is what the extraction script finds in the seeds today', () => {
    expect(extractSeedVariables(seedsDirectory)).toEqual(fixture);
  });
});

function problemsOf(env: Environment): readonly string[] {
  try {
    loadConfig({ env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('seed variables honoured with the seed’s meaning', () => {
  it.each<[Environment, string, unknown]>([
    [{ ROUTING_ENABLE: 'false' }, 'routing.routes_enabled', false],
    [{ ROUTING_ENABLE: 'true' }, 'routing.routes_enabled', true],
    [{ RATE_LIMIT_TRACKING_ENABLED: 'false' }, 'routing.rate_limit_cooldowns', false],
    [{ RATE_LIMIT_TABLE_NAME: 'claude-proxy-rate-limits' }, 'store.dynamodb.table_names.cooldowns', 'claude-proxy-rate-limits'],
    [{ USAGE_TABLE_NAME: 'claude-proxy-usage' }, 'store.dynamodb.table_names.usage', 'claude-proxy-usage'],
    [{ RATE_LIMIT_ENABLED: 'False' }, 'limits.enabled', false],
    [{ RATE_LIMIT_REQUESTS: '1000', RATE_LIMIT_WINDOW: '60' }, 'limits.default_rpm', 1000],
    [{ RATE_LIMIT_REQUESTS: '1000', RATE_LIMIT_WINDOW: '3600' }, 'limits.default_rpm', 17],
    [{ RATE_LIMIT_REQUESTS: '10', RATE_LIMIT_WINDOW: '1' }, 'limits.default_rpm', 600],
    [{ RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_WINDOW: '86400' }, 'limits.default_rpm', 1],
    [{ RATE_LIMIT_WINDOW: '3600' }, 'limits.default_rpm', undefined],
    [{ ENABLE_TOOL_USE: 'False' }, 'features.tool_use', false],
    [{ ENABLE_EXTENDED_THINKING: 'False' }, 'features.extended_thinking', false],
    [{ ENABLE_DOCUMENT_SUPPORT: 'False' }, 'features.documents', false],
    [{ PROMPT_CACHING_ENABLED: 'False' }, 'bedrock.prompt_caching', false],
    [{ BETA_HEADER_MAPPING: '{"advanced-tool-use-2025-11-20": ["tool-examples-2025-10-29"], "Old-Beta": []}' }, 'bedrock.beta_mapping', { 'advanced-tool-use-2025-11-20': ['tool-examples-2025-10-29'], 'old-beta': [] }],
    [{ LOG_LEVEL: 'WARNING' }, 'log.level', 'warn'],
    [{ LOG_LEVEL: 'CRITICAL' }, 'log.level', 'fatal'],
    [{ LOG_LEVEL: 'INFO' }, 'log.level', 'info'],
    [{}, 'ptc.sandbox.execution_timeout_ms', 60_000],
    [{ PTC_EXECUTION_TIMEOUT: '60' }, 'ptc.sandbox.execution_timeout_ms', 60_000],
    [{}, 'ptc.enabled', true],
    [{ ENABLE_PROGRAMMATIC_TOOL_CALLING: 'False' }, 'ptc.enabled', false],
    [{}, 'ptc.session_timeout_ms', 270_000],
    [{ PTC_SESSION_TIMEOUT: '30' }, 'ptc.session_timeout_ms', 30_000],
    [{ PTC_EXECUTION_TIMEOUT: '2.5' }, 'ptc.sandbox.execution_timeout_ms', 2500],
    [{}, 'ptc.sandbox.memory_limit_bytes', 256 * 1024 * 1024],
    [{ PTC_MEMORY_LIMIT: '256m' }, 'ptc.sandbox.memory_limit_bytes', 256 * 1024 * 1024],
    [{ PTC_MEMORY_LIMIT: '1G' }, 'ptc.sandbox.memory_limit_bytes', 1024 * 1024 * 1024],
    [{ PTC_MEMORY_LIMIT: '512MiB' }, 'ptc.sandbox.memory_limit_bytes', 512 * 1024 * 1024],
    [{ PTC_MEMORY_LIMIT: '100000000' }, 'ptc.sandbox.memory_limit_bytes', 100_000_000],
    [{ PTC_MAX_OUTPUT_BYTES: '64k' }, 'ptc.sandbox.max_output_bytes', 65_536],
    [{ PTC_POOL_SIZE: '0' }, 'ptc.sandbox.pool_size', 0],
  ])('%j -> %s', (env, path, expected) => {
    let value: unknown = loadConfig({ env });
    for (const key of path.split('.')) value = (value as Record<string, unknown>)[key];
    expect(value).toEqual(expected);
  });

  it.each<[Environment, string]>([
    [{ RATE_LIMIT_WINDOW: 'an hour', RATE_LIMIT_REQUESTS: '10' }, 'RATE_LIMIT_WINDOW: must be a positive number of seconds (from environment variable RATE_LIMIT_WINDOW)'],
    [{ RATE_LIMIT_WINDOW: '0' }, 'RATE_LIMIT_WINDOW: must be a positive number of seconds (from environment variable RATE_LIMIT_WINDOW)'],
    [{ USAGE_TABLE_NAME: 'a b' }, 'store.dynamodb.table_names.usage: a DynamoDB table name: 3-255 letters, digits, _ . - (from environment variable USAGE_TABLE_NAME)'],
    [{ BETA_HEADER_MAPPING: '{"a": "b"}' }, 'bedrock.beta_mapping.a: Invalid input: expected array, received string (from environment variable BETA_HEADER_MAPPING)'],
    [{ PTC_MEMORY_LIMIT: 'lots' }, 'ptc.sandbox.memory_limit_bytes: Invalid input: expected number, received NaN (from environment variable PTC_MEMORY_LIMIT)'],
    [{ PTC_MEMORY_LIMIT: '16m' }, 'ptc.sandbox.memory_limit_bytes: must be at least 64 MiB (Python itself takes about 20 MB) (from environment variable PTC_MEMORY_LIMIT)'],
    [{ ENABLE_TOOL_USE: 'sometimes' }, 'features.tool_use: Invalid input: expected boolean, received string (from environment variable ENABLE_TOOL_USE)'],
  ])('%j is refused at start-up', (env, problem) => {
    expect(problemsOf(env)).toContain(problem);
  });
});
