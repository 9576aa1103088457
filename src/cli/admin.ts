import { parseArgs } from 'node:util';
import { createApiKey, keyView, printable, revokeApiKey, UNPRINTABLE, updateApiKey, type UpdateKeyInput } from '../accounting/key-admin.ts';
import { loadConfig, processEnvironment, redactUrl } from '../config/load.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { AccountingStore } from '../store/accounting.ts';
import { GatewayError } from '../errors.ts';
import { dynamoConnection, openAccountingStore } from '../main.ts';
import { dynamoStoreFailure } from '../startup-error.ts';

/**
 * `claude-gateway keys …` and `claude-gateway setup-tables`: administration against the same
 * store the gateway uses (the SQLite file in GATEWAY_DATA_DIR, or DynamoDB with STORE=dynamodb),
 * with the same configuration sources. The options of `keys create` are seeds 002/004's
 * `create-api-key.sh`: -u USER -n NAME [-t TIER] [-r RPM], plus --tpm and --budget.
 * A running gateway sees a change within `auth.key_cache_ms` (5 s); the admin HTTP API
 * (`/admin/keys`) applies it at once on the instance that receives it.
 */

export const adminUsage = `Usage:
  npx claude-gateway keys create -u USER -n NAME [-t TIER] [-r RPM] [--tpm TPM] [--budget USD] [--json]
  npx claude-gateway keys list [-u USER] [--json]
  npx claude-gateway keys update KEY_ID [-n NAME] [-t TIER|none] [-r RPM|none] [--tpm TPM|none] [--budget USD|none] [--enable|--disable] [--json]
  npx claude-gateway keys revoke KEY_ID [--json]
  npx claude-gateway setup-tables          (STORE=dynamodb: create the DynamoDB tables; idempotent)

Every command takes --config FILE and reads the same environment as the gateway
(GATEWAY_DATA_DIR, STORE, DYNAMODB_ENDPOINT, DYNAMODB_TABLE_PREFIX, GATEWAY_KEY_PEPPER, …).
TIER is default, flex, priority or reserved. The key is printed once, at creation.`;

export interface CommandIo {
  readonly out: (line: string) => void;
  readonly env: Record<string, string | undefined>;
  readonly now: () => number;
}

const defaultIo: CommandIo = { out: (line) => console.log(line), env: processEnvironment(), now: () => Date.now() };

/** Runs `args` (after the program name); resolves with the exit code. Usage errors throw UsageError. */
export async function runAdminCommand(args: readonly string[], io: CommandIo = defaultIo): Promise<number> {
  const [command, sub, ...rest] = args;
  // Help is answered before any configuration is read or store opened: it creates no files.
  if (args.includes('--help') || args.includes('-h')) {
    io.out(adminUsage);
    return 0;
  }
  if (command === 'setup-tables') return setupTables([sub, ...rest].filter((value): value is string => value !== undefined), io);
  if (command !== 'keys' || sub === undefined) throw new UsageError(adminUsage);
  const { values, positionals } = parseKeyArgs(rest);
  const config = loadConfig({ env: io.env, configFile: values.config });
  const store = await openAccountingStore(config);
  const print = (value: unknown, text: string) => io.out(values.json === true ? printableJson(value) : text);
  try {
    const run = keyCommands.get(sub);
    if (run === undefined) throw new UsageError(`Unknown command keys ${sub}.\n\n${adminUsage}`);
    await run({ store, config, values, positionals, print, now: io.now() });
    return 0;
  } catch (error) {
    throw storeFailure(config, error);
  } finally {
    await store.close();
  }
}

function parseKeyArgs(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      user: { type: 'string', short: 'u' },
      name: { type: 'string', short: 'n' },
      tier: { type: 'string', short: 't' },
      rpm: { type: 'string', short: 'r' },
      tpm: { type: 'string' },
      budget: { type: 'string' },
      enable: { type: 'boolean' },
      disable: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
}

/** What a `keys …` subcommand works with: the store open, its flags parsed, output as text or JSON. */
interface KeyCommand {
  readonly store: AccountingStore;
  readonly config: GatewayConfig;
  readonly values: ReturnType<typeof parseKeyArgs>['values'];
  readonly positionals: readonly string[];
  readonly print: (value: unknown, text: string) => void;
  readonly now: number;
}

const keyCommands: ReadonlyMap<string, (command: KeyCommand) => Promise<void>> = new Map([
  ['create', createKey],
  ['list', listKeys],
  ['update', updateKey],
  ['revoke', revokeKey],
]);

async function createKey({ store, config, values, print, now }: KeyCommand): Promise<void> {
  if (values.user === undefined || values.name === undefined) throw new UsageError('keys create needs -u USER and -n NAME.\n\n' + adminUsage);
  const created = await createApiKey(
    store,
    {
      user_id: values.user,
      name: values.name,
      ...(values.tier === undefined ? {} : { service_tier: values.tier as 'default' }),
      ...(values.rpm === undefined ? {} : { rpm_limit: number(values.rpm, '-r') }),
      ...(values.tpm === undefined ? {} : { tpm_limit: number(values.tpm, '--tpm') }),
      ...(values.budget === undefined ? {} : { monthly_budget_usd: number(values.budget, '--budget') }),
    },
    { pepper: config.auth.key_pepper, now },
  );
  const view = keyView(created.record);
  print(
    { key: created.key, ...view },
    [
      `Created key ${view.id} for ${view.user_id} (${printable(view.name)}).`,
      '',
      `  ${created.key}`,
      '',
      'This is the only time the key is shown: it is stored as a digest. Clients send it as',
      `x-api-key or Authorization: Bearer (AUTH_MODE=keys), or in ${config.auth.key_header} (AUTH_MODE=both).`,
      describe(view),
    ].join('\n'),
  );
}

async function listKeys({ store, values, print }: KeyCommand): Promise<void> {
  const keys = (await store.listKeys(values.user === undefined ? {} : { userId: values.user })).map(keyView);
  // Names stored before control characters were refused (or written to the store directly) are shown escaped.
  print(
    { data: keys },
    keys.length === 0
      ? 'No keys.'
      : keys.map((view) => `${view.id}  ${view.prefix}…  ${printable(view.user_id)}  ${printable(view.name)}  ${view.status}${view.disabled_reason === null ? '' : ` (${printable(view.disabled_reason)})`}${describe(view, ' ')}`).join('\n'),
  );
}

async function updateKey({ store, values, positionals, print, now }: KeyCommand): Promise<void> {
  const id = single(positionals, 'keys update KEY_ID');
  if (values.enable === true && values.disable === true) throw new UsageError('--enable and --disable exclude each other.');
  const input: UpdateKeyInput = {
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(values.tier === undefined ? {} : { service_tier: values.tier === 'none' ? null : (values.tier as 'default') }),
    ...(values.rpm === undefined ? {} : { rpm_limit: orNone(values.rpm, '-r') }),
    ...(values.tpm === undefined ? {} : { tpm_limit: orNone(values.tpm, '--tpm') }),
    ...(values.budget === undefined ? {} : { monthly_budget_usd: orNone(values.budget, '--budget') }),
    ...(values.enable === true ? { status: 'active' as const } : values.disable === true ? { status: 'disabled' as const } : {}),
  };
  const updated = await updateApiKey(store, id, input, now);
  if (updated === undefined) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `No key ${id}.`);
  const view = keyView(updated);
  print(view, `Updated ${view.id}: ${view.status}${describe(view, ' ')}`);
}

async function revokeKey({ store, positionals, print, now }: KeyCommand): Promise<void> {
  const id = single(positionals, 'keys revoke KEY_ID');
  const before = await store.getKey(id);
  const already = before?.status === 'revoked';
  const revoked = already ? before : await revokeApiKey(store, id, now);
  if (revoked === undefined) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `No key ${id}.`);
  print(
    { ...keyView(revoked), already_revoked: already },
    already ? `${revoked.id} (${revoked.prefix}…) was already revoked (${new Date(revoked.updatedAt).toISOString()}); nothing changed.` : `Revoked ${revoked.id} (${revoked.prefix}…).`,
  );
}

async function setupTables(args: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], strict: true, options: { config: { type: 'string', short: 'c' } } });
  const config: GatewayConfig = loadConfig({ env: io.env, configFile: values.config });
  if (config.store.kind !== 'dynamodb') {
    io.out('The store is SQLite (STORE=sqlite): its tables are created on first use. Nothing to do; set STORE=dynamodb for DynamoDB.');
    return 0;
  }
  const { setupTables: create } = await import('../store/dynamodb/tables.ts');
  const report = await create(dynamoConnection(config)).catch((error: unknown) => {
    throw storeFailure(config, error);
  });
  for (const table of report) io.out(`${table.name}: ${table.created ? 'created' : 'exists'}${table.ttl === undefined ? '' : `, TTL ${table.ttl}`}`);
  return 0;
}

export class UsageError extends Error {}

/**
 * A DynamoDB store that cannot be reached, has no credentials or no tables is one line naming the
 * cause (command.ts prints a StartupError alone and exits 1); anything else is rethrown as it is.
 * (The SQLite store's failures are told when it is opened: openAccountingStore.)
 */
function storeFailure(config: GatewayConfig, error: unknown): unknown {
  if (config.store.kind !== 'dynamodb') return error;
  const { endpoint, region } = config.store.dynamodb;
  const where = endpoint === undefined ? `in ${region ?? config.bedrock.region}` : `at ${redactUrl(endpoint)}`;
  return dynamoStoreFailure(where, error) ?? error;
}

/**
 * JSON for a terminal: JSON.stringify leaves DEL, C1 controls (0x9B is a CSI on some terminals)
 * and bidirectional overrides raw inside strings; they are written as \u escapes (still JSON).
 * The layout's own newlines are outside strings, where no other control character can be.
 */
function printableJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(new RegExp(UNPRINTABLE.source, 'gu'), (character) => (character === '\n' ? character : `\\u${(character.codePointAt(0) as number).toString(16).padStart(4, '0')}`));
}

function describe(view: ReturnType<typeof keyView>, separator = '\n'): string {
  const parts = [
    view.service_tier === null ? undefined : `tier ${view.service_tier}`,
    view.rpm_limit === null ? undefined : `${view.rpm_limit} requests/min`,
    view.tpm_limit === null ? undefined : `${view.tpm_limit} tokens/min`,
    view.monthly_budget_usd === null ? undefined : `$${view.monthly_budget_usd}/month`,
  ].filter((part) => part !== undefined);
  if (parts.length === 0) return '';
  return separator === '\n' ? `Limits: ${parts.join(', ')}.` : `  [${parts.join(', ')}]`;
}

function number(raw: string, flag: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`${flag} must be a number, got "${raw}".`);
  return value;
}

function orNone(raw: string, flag: string): number | null {
  return raw === 'none' ? null : number(raw, flag);
}

function single(positionals: readonly string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`${what}: name exactly one key id.\n\n${adminUsage}`);
  return positionals[0] as string;
}
