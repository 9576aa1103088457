import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ModelConfig } from '../../config/schema.ts';
import { createDynamoClient, tableName, type DynamoConnectionOptions } from './tables.ts';

/**
 * Model prices and Anthropic -> Bedrock mappings kept in DynamoDB (seeds 002/004 keep them in
 * `model-pricing` and `model-mapping` tables, edited by their admin portal), read at start-up
 * as catalog overrides. Item shapes, the seeds' names accepted:
 * - `<prefix>pricing`: `model_id`, `input_price`, `output_price`, optional `cache_read_price`,
 *   `cache_write_price` (5 minutes), `cache_write_1h_price`, all USD per million tokens;
 * - `<prefix>model-mapping`: `model_id` (or `anthropic_model_id`), `bedrock_model_id`.
 * Items that do not have that shape are skipped and counted.
 */

export interface DynamoCatalog {
  readonly overrides: ModelConfig[];
  readonly skipped: number;
}

type Item = Record<string, unknown>;

const price = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

export function pricingOverride(item: Item): ModelConfig | undefined {
  const id = text(item['model_id']);
  const input = price(item['input_price']);
  const output = price(item['output_price']);
  if (id === undefined || input === undefined || output === undefined) return undefined;
  const optional = (name: string, value: unknown) => (price(value) === undefined ? {} : { [name]: price(value) });
  return {
    id,
    pricing: { input, output, ...optional('cache_read', item['cache_read_price']), ...optional('cache_write_5m', item['cache_write_price']), ...optional('cache_write_1h', item['cache_write_1h_price']) },
  };
}

export function mappingOverride(item: Item): ModelConfig | undefined {
  const id = text(item['model_id']) ?? text(item['anthropic_model_id']);
  const bedrockId = text(item['bedrock_model_id']);
  return id === undefined || bedrockId === undefined ? undefined : { id, bedrock: { id: bedrockId } };
}

async function scanAll(documents: DynamoDBDocumentClient, table: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }), { abortSignal: AbortSignal.timeout(10_000) });
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** Reads both tables (mappings first, prices after, so an entry can have both). */
export async function loadDynamoCatalog(connection: DynamoConnectionOptions & { readonly tablePrefix: string }): Promise<DynamoCatalog> {
  const client = createDynamoClient(connection);
  try {
    const documents = DynamoDBDocumentClient.from(client);
    const [mappings, prices] = await Promise.all([scanAll(documents, tableName(connection.tablePrefix, 'modelMapping', connection.tableNames)), scanAll(documents, tableName(connection.tablePrefix, 'pricing', connection.tableNames))]);
    const overrides: ModelConfig[] = [];
    let skipped = 0;
    for (const [items, read] of [[mappings, mappingOverride], [prices, pricingOverride]] as const) {
      for (const item of items) {
        const override = read(item);
        if (override === undefined) skipped++;
        else overrides.push(override);
      }
    }
    return { overrides, skipped };
  } finally {
    client.destroy();
  }
}
