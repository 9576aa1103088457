import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClientConfig,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';

/**
 * The gateway's DynamoDB tables, declared once: their names (a prefix + a fixed suffix), keys,
 * secondary indexes and TTL attributes. `setupTables` (`claude-gateway setup-tables`) creates
 * the missing ones; every store that talks to DynamoDB takes its table names from here.
 * docs/stores.md describes each table.
 */

export type KeyType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** `KEYS_ONLY` for an index read only to find an item's table key. */
  readonly projection: 'ALL' | 'KEYS_ONLY';
}

export interface TableDefinition {
  /** The table's name after the prefix. */
  readonly suffix: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly indexes: readonly IndexDefinition[];
  /** The epoch-seconds attribute DynamoDB's TTL deletes items by. */
  readonly ttlAttribute?: string;
}

/** In-progress usage rows are spread over this many partitions of `in-progress-index`. */
export const pendingShards = 8;

export const dynamoTables = {
  keys: {
    suffix: 'keys',
    partitionKey: { name: 'id', type: 'S' },
    indexes: [{ name: 'user-index', partitionKey: { name: 'user_id', type: 'S' }, sortKey: { name: 'created_at', type: 'N' }, projection: 'ALL' }],
  },
  budgets: {
    suffix: 'budgets',
    partitionKey: { name: 'key_id', type: 'S' },
    sortKey: { name: 'month', type: 'S' },
    indexes: [],
  },
  usage: {
    suffix: 'usage',
    partitionKey: { name: 'user_id', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    indexes: [
      { name: 'request-index', partitionKey: { name: 'request_id', type: 'S' }, projection: 'KEYS_ONLY' },
      // Sparse: only in_progress rows carry `pending` (a shard number), so stale ones are found without a scan.
      { name: 'in-progress-index', partitionKey: { name: 'pending', type: 'S' }, sortKey: { name: 'started_at', type: 'N' }, projection: 'KEYS_ONLY' },
    ],
    ttlAttribute: 'expires_at',
  },
  rateLimits: { suffix: 'rate-limits', partitionKey: { name: 'key', type: 'S' }, indexes: [], ttlAttribute: 'expires_at' },
  cooldowns: { suffix: 'cooldowns', partitionKey: { name: 'key', type: 'S' }, indexes: [], ttlAttribute: 'expires_at' },
  ptcContainers: { suffix: 'ptc-containers', partitionKey: { name: 'id', type: 'S' }, indexes: [], ttlAttribute: 'expires_at' },
  pricing: { suffix: 'pricing', partitionKey: { name: 'model_id', type: 'S' }, indexes: [] },
  modelMapping: { suffix: 'model-mapping', partitionKey: { name: 'model_id', type: 'S' }, indexes: [] },
} as const satisfies Record<string, TableDefinition>;

export type TableId = keyof typeof dynamoTables;

export const defaultTablePrefix = 'claude-gateway-';

export interface DynamoConnectionOptions {
  readonly region: string;
  /** Another endpoint than AWS's, e.g. DynamoDB Local or dynalite. */
  readonly endpoint?: string;
  /** Default `claude-gateway-`. */
  readonly tablePrefix?: string;
  /** Tables named one by one (they win over the prefix). */
  readonly tableNames?: TableNames;
  /** Default: the AWS SDK's credential chain. */
  readonly credentials?: DynamoDBClientConfig['credentials'];
}

/** Full names of single tables, instead of the prefix + their suffix (`store.dynamodb.table_names`; seed 000's USAGE_TABLE_NAME). */
export type TableNames = Readonly<Partial<Record<TableId, string>>>;

/** The name of `table`: its own name when one is set, else the prefix + its suffix. */
export function tableName(prefix: string, table: TableId, names?: TableNames): string {
  return names?.[table] ?? `${prefix}${dynamoTables[table].suffix}`;
}

export function createDynamoClient(options: DynamoConnectionOptions): DynamoDBClient {
  return new DynamoDBClient({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
}

export type TtlState = 'enabled' | 'enabling' | 'disabled' | 'unsupported';

export interface TableReport {
  readonly table: TableId;
  readonly name: string;
  /** Absent when the table does not exist. */
  readonly status?: string;
  /** Whether this run created it (`setupTables` only). */
  readonly created: boolean;
  /** For tables with a TTL attribute: the TTL state after the run (`unsupported`: the endpoint has no TTL API, e.g. dynalite). */
  readonly ttl?: TtlState;
}

export interface SetupOptions extends DynamoConnectionOptions {
  /** How often to poll a table that is being created. Default 1 s. */
  readonly pollIntervalMs?: number;
  /** How long to wait for a table to become ACTIVE. Default 5 minutes. */
  readonly timeoutMs?: number;
}

/**
 * Creates every missing table (on-demand capacity, its indexes), waits until each is ACTIVE and
 * enables TTL where the table has a TTL attribute. Idempotent: a second run creates and changes
 * nothing. Throws when an existing table's keys or indexes differ from the definition, rather
 * than let the gateway run against a table it cannot use.
 */
export async function setupTables(options: SetupOptions): Promise<TableReport[]> {
  const prefix = options.tablePrefix ?? defaultTablePrefix;
  const client = createDynamoClient(options);
  try {
    const tables = Object.keys(dynamoTables) as TableId[];
    // Created side by side (each takes seconds on AWS), then waited for and given their TTL.
    const created = await Promise.all(
      tables.map(async (table) => {
        const name = tableName(prefix, table, options.tableNames);
        const definition: TableDefinition = dynamoTables[table];
        const description = await describeTable(client, name);
        if (description !== undefined) {
          checkSchema(name, definition, description);
          return false;
        }
        await client.send(new CreateTableCommand(toCreateTableInput(name, definition)));
        return true;
      }),
    );
    const reports: TableReport[] = [];
    for (const [index, table] of tables.entries()) {
      const name = tableName(prefix, table, options.tableNames);
      const definition: TableDefinition = dynamoTables[table];
      const description = await waitUntilActive(client, name, options.pollIntervalMs ?? 1_000, options.timeoutMs ?? 300_000);
      const ttl = definition.ttlAttribute === undefined ? undefined : await enableTtl(client, name, definition.ttlAttribute);
      reports.push({ table, name, status: description.TableStatus ?? 'UNKNOWN', created: created[index] === true, ...(ttl === undefined ? {} : { ttl }) });
    }
    return reports;
  } finally {
    client.destroy();
  }
}

/** What exists of the gateway's tables under the prefix (for `setup-tables --check` and the CLI). */
export async function describeTables(options: DynamoConnectionOptions): Promise<TableReport[]> {
  const prefix = options.tablePrefix ?? defaultTablePrefix;
  const client = createDynamoClient(options);
  try {
    const reports: TableReport[] = [];
    for (const table of Object.keys(dynamoTables) as TableId[]) {
      const name = tableName(prefix, table, options.tableNames);
      const definition: TableDefinition = dynamoTables[table];
      const description = await describeTable(client, name);
      if (description === undefined) {
        reports.push({ table, name, created: false });
        continue;
      }
      const ttl = definition.ttlAttribute === undefined ? undefined : await ttlState(client, name, definition.ttlAttribute);
      reports.push({ table, name, status: description.TableStatus ?? 'UNKNOWN', created: false, ...(ttl === undefined ? {} : { ttl }) });
    }
    return reports;
  } finally {
    client.destroy();
  }
}

export function toCreateTableInput(name: string, definition: TableDefinition): ConstructorParameters<typeof CreateTableCommand>[0] {
  const attributes = new Map<string, KeyType>();
  const keyAttributes = [definition.partitionKey, definition.sortKey, ...definition.indexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  for (const attribute of keyAttributes) if (attribute !== undefined) attributes.set(attribute.name, attribute.type);
  const attributeDefinitions: AttributeDefinition[] = [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributeDefinitions,
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
    ...(definition.indexes.length === 0
      ? {}
      : {
          GlobalSecondaryIndexes: definition.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: index.projection },
          })),
        }),
  };
}

function keySchema(partitionKey: KeyAttribute, sortKey: KeyAttribute | undefined): { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[] {
  const schema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[] = [{ AttributeName: partitionKey.name, KeyType: 'HASH' }];
  if (sortKey !== undefined) schema.push({ AttributeName: sortKey.name, KeyType: 'RANGE' });
  return schema;
}

/** Throws when an existing table's key schema or indexes are not the definition's. */
function checkSchema(name: string, definition: TableDefinition, description: TableDescription): void {
  const describeKeys = (schema: readonly { AttributeName?: string | undefined; KeyType?: string | undefined }[] | undefined): string =>
    (schema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');
  const wantKeys = describeKeys(keySchema(definition.partitionKey, definition.sortKey));
  const haveKeys = describeKeys(description.KeySchema);
  if (wantKeys !== haveKeys) throw new Error(`DynamoDB table ${name} exists with key schema ${haveKeys}; the gateway needs ${wantKeys}`);
  for (const index of definition.indexes) {
    const found = description.GlobalSecondaryIndexes?.find((existing) => existing.IndexName === index.name);
    const want = describeKeys(keySchema(index.partitionKey, index.sortKey));
    if (found === undefined) throw new Error(`DynamoDB table ${name} exists without the index ${index.name} (${want}); add it or use another table prefix`);
    const have = describeKeys(found.KeySchema);
    if (have !== want) throw new Error(`DynamoDB index ${name}/${index.name} has key schema ${have}; the gateway needs ${want}`);
  }
}

async function describeTable(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    return Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function waitUntilActive(client: DynamoDBClient, name: string, pollIntervalMs: number, timeoutMs: number): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await describeTable(client, name);
    const indexesActive = (description?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (description?.TableStatus === 'ACTIVE' && indexesActive) return description;
    if (Date.now() >= deadline) throw new Error(`DynamoDB table ${name} did not become ACTIVE within ${timeoutMs} ms (status ${description?.TableStatus ?? 'missing'})`);
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

async function ttlState(client: DynamoDBClient, name: string, attribute: string): Promise<TtlState> {
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
  if (ttl?.AttributeName !== undefined && ttl.AttributeName !== attribute && ttl.TimeToLiveStatus !== 'DISABLED') {
    throw new Error(`DynamoDB table ${name} has TTL on ${ttl.AttributeName}; the gateway needs it on ${attribute}`);
  }
  if (ttl?.TimeToLiveStatus === 'ENABLED') return 'enabled';
  if (ttl?.TimeToLiveStatus === 'ENABLING') return 'enabling';
  return 'disabled';
}

async function enableTtl(client: DynamoDBClient, name: string, attribute: string): Promise<TtlState> {
  const state = await ttlState(client, name, attribute);
  if (state !== 'disabled') return state;
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }));
    return 'enabling';
  } catch (error) {
    // Local stand-ins (dynalite) lack the TTL API; expired items then stay until deleted otherwise.
    if (error instanceof Error && error.name === 'UnknownOperationException') return 'unsupported';
    throw error;
  }
}
