import { QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { outcomeOf, utcDay, type UsageDay, type UsageOutcome, type UsageQuery, type UsageState } from '../accounting.ts';
import { checkUsageQuery, compareText } from '../accounting-validation.ts';
import { number, text, usageSortKeyRange, type Item } from './accounting-items.ts';

/**
 * `usageByDay` on DynamoDB: one user's rows by a key-range Query on the usage table, every
 * user's by a Scan; either is read page by page to the end (a page stops at 1 MB), filtered to
 * final rows in the window, and summed per user and UTC day here.
 */

type Page = { readonly Items?: Record<string, unknown>[] | undefined; readonly LastEvaluatedKey?: Record<string, unknown> | undefined };

/** Every item of a Query or Scan, following `LastEvaluatedKey` until there is none. */
export async function paginate(read: (start: Record<string, unknown> | undefined) => Promise<Page>): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await read(start);
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

const reportAttributes = ['user_id', 'started_at', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'cost_micros', 'state', 'outcome'];

export async function usageByDayFromDynamo(documents: DynamoDBDocumentClient, table: string, query: UsageQuery): Promise<UsageDay[]> {
  checkUsageQuery(query);
  if (query.from >= query.to) return [];
  const names: Record<string, string> = { '#state': 'state', '#started_at': 'started_at' };
  const values: Record<string, unknown> = { ':in_progress': 'in_progress' };
  const filters = ['#state <> :in_progress'];
  if (query.credentialId !== undefined) {
    filters.push('credential_id = :credential');
    values[':credential'] = query.credentialId;
  }
  if (query.route !== undefined) {
    names['#route'] = 'route';
    filters.push('#route = :route');
    values[':route'] = query.route;
  }
  if (query.provider !== undefined) {
    names['#provider'] = 'provider';
    filters.push('#provider = :provider');
    values[':provider'] = query.provider;
  }
  reportAttributes.forEach((attribute) => (names[`#${attribute}`] = attribute));
  const projection = reportAttributes.map((attribute) => `#${attribute}`).join(', ');
  let items: Item[];
  if (query.userId === undefined) {
    filters.push('#started_at >= :from AND #started_at < :to');
    values[':from'] = query.from;
    values[':to'] = query.to;
    const input = { TableName: table, FilterExpression: filters.join(' AND '), ProjectionExpression: projection, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
    items = await paginate((start) => documents.send(new ScanCommand({ ...input, ExclusiveStartKey: start })));
  } else {
    const range = usageSortKeyRange(query.from, query.to);
    names['#sk'] = 'sk';
    Object.assign(values, { ':user': query.userId, ':low': range.low, ':high': range.high });
    const input = {
      TableName: table,
      KeyConditionExpression: '#user_id = :user AND #sk BETWEEN :low AND :high',
      FilterExpression: filters.join(' AND '),
      ProjectionExpression: projection,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
    items = await paginate((start) => documents.send(new QueryCommand({ ...input, ExclusiveStartKey: start })));
  }
  return sumByUserAndDay(items);
}

function sumByUserAndDay(items: readonly Item[]): UsageDay[] {
  const days = new Map<string, UsageDay>();
  for (const item of items) {
    const userId = text(item, 'user_id');
    const day = utcDay(number(item, 'started_at'));
    const group = `${day} ${userId}`;
    const sum = days.get(group) ?? { userId, day, requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costMicros: 0, outcomes: { completed: 0, client_aborted: 0, upstream_error: 0, interrupted: 0 } };
    const outcome = outcomeOf({ state: text(item, 'state') as UsageState, outcome: item['outcome'] as UsageOutcome | undefined });
    days.set(group, {
      userId,
      day,
      requests: sum.requests + 1,
      inputTokens: sum.inputTokens + number(item, 'input_tokens'),
      outputTokens: sum.outputTokens + number(item, 'output_tokens'),
      cacheReadTokens: sum.cacheReadTokens + number(item, 'cache_read_tokens'),
      cacheWriteTokens: sum.cacheWriteTokens + number(item, 'cache_write_5m_tokens') + number(item, 'cache_write_1h_tokens'),
      costMicros: sum.costMicros + number(item, 'cost_micros'),
      outcomes: { ...sum.outcomes, [outcome]: sum.outcomes[outcome] + 1 },
    });
  }
  return [...days.values()].sort((left, right) => compareText(left.userId, right.userId) || compareText(left.day, right.day));
}
