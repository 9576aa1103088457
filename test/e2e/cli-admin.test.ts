import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCommand, UsageError } from '../../src/cli/admin.ts';
import { loadConfig } from '../../src/config/load.ts';
import { openAccountingStore } from '../../src/main.ts';
import { startDynalite, type TestDynamo } from '../helpers/dynalite.ts';

/** `claude-gateway keys …` and `setup-tables` (seeds 002/004's create-api-key.sh and setup_tables.py). */

const cli = join(import.meta.dirname, '../../src/cli/index.ts');

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

async function inProcess(args: string[], env: Record<string, string>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runAdminCommand(args, { out: (line) => lines.push(line), env, now: () => Date.UTC(2026, 10, 22) });
  return { code, lines };
}

describe('keys on the SQLite store', () => {
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-cli-'));
    env = { GATEWAY_DATA_DIR: dataDir };
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('create shows the key once; the store keeps only its digest and prefix', async () => {
    const created = await run(['keys', 'create', '-u', 'user123', '-n', 'Custom Key', '-r', '500', '-t', 'reserved', '--tpm', '100000', '--budget', '25.5'], env);
    expect(created.code).toBe(0);
    const key = /sk-gw-[0-9A-Za-z]{16}-[0-9A-Za-z]{32}-[0-9A-Za-z]{6}/.exec(created.stdout)?.[0] as string;
    expect(key).toBeDefined();
    expect(created.stdout).toContain('only time the key is shown');
    const config = loadConfig({ env });
    const store = await openAccountingStore(config);
    try {
      const [record] = await store.listKeys({ userId: 'user123' });
      expect(record).toMatchObject({ name: 'Custom Key', serviceTier: 'reserved', rpmLimit: 500, tpmLimit: 100_000, monthlyBudgetMicros: 25_500_000, status: 'active' });
      expect(key.startsWith(record?.prefix as string)).toBe(true);
    } finally {
      await store.close();
    }
    // X2: the key itself is in no file of the data directory.
    for (const file of readdirSync(dataDir)) expect(readFileSync(join(dataDir, file)).includes(key)).toBe(false);
  });

  it('list, update and revoke; --json for scripts', async () => {
    const created = await inProcess(['keys', 'create', '-u', 'ops', '-n', 'ci', '--json'], env);
    const view = JSON.parse(created.lines.join('\n')) as { id: string; key: string; digest?: string };
    expect(view.key).toMatch(/^sk-gw-/);
    expect(view.digest).toBeUndefined();
    const listed = await inProcess(['keys', 'list', '-u', 'ops', '--json'], env);
    expect(JSON.parse(listed.lines.join('\n')).data).toEqual([expect.objectContaining({ id: view.id, user_id: 'ops', status: 'active' })]);
    expect(listed.lines.join('\n')).not.toContain(view.key);
    const updated = await inProcess(['keys', 'update', view.id, '-r', '60', '--budget', '10', '--disable', '--json'], env);
    expect(JSON.parse(updated.lines.join('\n'))).toMatchObject({ rpm_limit: 60, monthly_budget_usd: 10, status: 'disabled' });
    const cleared = await inProcess(['keys', 'update', view.id, '-r', 'none', '--enable', '--json'], env);
    expect(JSON.parse(cleared.lines.join('\n'))).toMatchObject({ rpm_limit: null, status: 'active', disabled_reason: null });
    const revoked = await inProcess(['keys', 'revoke', view.id], env);
    expect(revoked.lines.join('\n')).toContain(`Revoked ${view.id}`);
    // Revoking again changes nothing and says so (D20).
    const again = await inProcess(['keys', 'revoke', view.id], env);
    expect(again.code).toBe(0);
    expect(again.lines.join('\n')).toMatch(new RegExp(`^${view.id} \\(sk-gw-[^)]*\\) was already revoked \\(.*\\); nothing changed\\.$`));
    const againJson = await inProcess(['keys', 'revoke', view.id, '--json'], env);
    expect(JSON.parse(againJson.lines.join('\n'))).toMatchObject({ id: view.id, status: 'revoked', already_revoked: true });
    await expect(inProcess(['keys', 'update', view.id, '--enable'], env)).rejects.toMatchObject({ code: 'GW_INVALID_FIELD' });
  });

  it('--help prints the usage and creates no file, whatever command it follows (D20)', async () => {
    const untouched = join(dataDir, 'not-created');
    for (const args of [['keys', '--help'], ['keys', '-h'], ['keys', 'create', '--help'], ['keys', 'revoke', '--help'], ['setup-tables', '--help']]) {
      const result = await run(args, { GATEWAY_DATA_DIR: untouched, STORE: 'sqlite' });
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toContain('npx claude-gateway keys create -u USER -n NAME');
      expect(result.stderr).toBe('');
      expect(existsSync(untouched)).toBe(false);
    }
  }, 60_000); // several CLI processes in turn: slow on a loaded machine, not wrong

  it('says what is wrong, with exit code 2', async () => {
    await expect(inProcess(['keys', 'create', '-u', 'x'], env)).rejects.toBeInstanceOf(UsageError);
    await expect(inProcess(['keys', 'frobnicate'], env)).rejects.toBeInstanceOf(UsageError);
    await expect(inProcess(['keys', 'create', '-u', 'x', '-n', 'y', '-r', 'many'], env)).rejects.toThrow('-r must be a number');
    const bad = await run(['keys', 'create', '-u', 'x', '-n', 'y', '-t', 'turbo'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('service_tier');
    expect(bad.stderr).not.toContain('    at ');
    const missing = await run(['keys', 'revoke', 'nokey'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No key nokey');
  });
});

describe('keys and setup-tables on DynamoDB (dynalite)', () => {
  let dynamo: TestDynamo;
  let env: Record<string, string>;
  beforeAll(async () => {
    dynamo = await startDynalite();
    env = {
      STORE: 'dynamodb',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      DYNAMODB_TABLE_PREFIX: 'cli-test-',
      AWS_REGION: dynamo.region,
      AWS_ACCESS_KEY_ID: dynamo.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: dynamo.credentials.secretAccessKey,
    };
  });
  afterAll(async () => dynamo.stop());

  it('setup-tables creates every table once, then finds them; keys then live in DynamoDB', async () => {
    const first = await run(['setup-tables'], env);
    expect(first.code).toBe(0);
    for (const table of ['keys', 'budgets', 'usage', 'rate-limits', 'cooldowns', 'ptc-containers', 'pricing', 'model-mapping']) expect(first.stdout).toContain(`cli-test-${table}: created`);
    const second = await run(['setup-tables'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('created');
    expect(second.stdout).toContain('cli-test-usage: exists');

    const created = await inProcess(['keys', 'create', '-u', 'dyn', '-n', 'k', '--json'], env);
    const { id } = JSON.parse(created.lines.join('\n')) as { id: string };
    const store = await openAccountingStore(loadConfig({ env }));
    try {
      expect(store.kind).toBe('dynamodb');
      expect(await store.getKey(id)).toMatchObject({ userId: 'dyn', status: 'active' });
    } finally {
      await store.close();
    }
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One line on stderr, no stack frame, exit 1: what the command says when the store cannot be used. */
function expectOneLine(result: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

describe('a DynamoDB store the command cannot use: one line and exit 1, no stack trace', () => {
  const noAwsFiles = { AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/nonexistent/aws-config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials', HOME: '/nonexistent' };

  it('unreachable: every command names the endpoint and what to check', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const env = { STORE: 'dynamodb', DYNAMODB_ENDPOINT: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret', ...noAwsFiles };
    for (const args of [['keys', 'list'], ['keys', 'create', '-u', 'a', '-n', 'b'], ['keys', 'revoke', 'someid'], ['setup-tables']]) {
      expectOneLine(await run(args, env), new RegExp(`^claude-gateway: cannot reach the DynamoDB store at ${endpoint.replaceAll('.', '\\.')}: .*ECONNREFUSED.*DYNAMODB_ENDPOINT`));
    }
  }, 60_000); // several CLI processes in turn: slow on a loaded machine, not wrong

  it('no AWS credentials: says so and how to give them', async () => {
    const env = { STORE: 'dynamodb', AWS_REGION: 'us-east-1', ...noAwsFiles };
    for (const args of [['keys', 'list'], ['setup-tables']]) {
      expectOneLine(await run(args, env), /^claude-gateway: cannot use the DynamoDB store in us-east-1: no AWS credentials were found \(.*AWS_ACCESS_KEY_ID.*AWS_PROFILE/);
    }
  });

  it('tables not created yet: points to setup-tables', async () => {
    const dynamo = await startDynalite();
    try {
      const env = { STORE: 'dynamodb', DYNAMODB_ENDPOINT: dynamo.endpoint, DYNAMODB_TABLE_PREFIX: 'never-set-up-', AWS_REGION: dynamo.region, AWS_ACCESS_KEY_ID: dynamo.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: dynamo.credentials.secretAccessKey };
      expectOneLine(await run(['keys', 'list'], env), /^claude-gateway: cannot use the DynamoDB store at http:\/\/127\.0\.0\.1:\d+: a table of the gateway is missing .*npx claude-gateway setup-tables/);
    } finally {
      await dynamo.stop();
    }
  });
});
