import { QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { UsageRecord } from '../accounting.ts';
import type { UsageFilter } from '../usage-query.ts';
import { fromUsageItem, usageSortKeyRange } from './accounting-items.ts';
import { paginate } from './usage-report.ts';

/**
 * The records of a window for the admin's usage reads on DynamoDB (history pages and aggregates
 * are then computed by store/usage-query.ts): one user's by a key-range Query on the user's
 * partition; every user's by a Scan filtered to the window. The Scan is the admin's read, never
 * on the request path; a time-bucketed index to avoid it is future work (docs/admin-ui.md).
 */
export async function usageInWindow(documents: DynamoDBDocumentClient, table: string, filter: UsageFilter): Promise<UsageRecord[]> {
  if (filter.from >= filter.to) return [];
  const names: Record<string, string> = { '#started_at': 'started_at' };
  const values: Record<string, unknown> = { ':from': filter.from, ':to': filter.to };
  const filters = ['#started_at >= :from AND #started_at < :to'];
  if (filter.keyId !== undefined) {
    filters.push('key_id = :key');
    values[':key'] = filter.keyId;
  }
  let items: Record<string, unknown>[];
  if (filter.userId === undefined) {
    const input = { TableName: table, FilterExpression: filters.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values };
    items = await paginate((start) => documents.send(new ScanCommand({ ...input, ExclusiveStartKey: start })));
  } else {
    const range = usageSortKeyRange(filter.from, filter.to);
    Object.assign(names, { '#user_id': 'user_id', '#sk': 'sk' });
    Object.assign(values, { ':user': filter.userId, ':low': range.low, ':high': range.high });
    const input = {
      TableName: table,
      KeyConditionExpression: '#user_id = :user AND #sk BETWEEN :low AND :high',
      FilterExpression: filters.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
    items = await paginate((start) => documents.send(new QueryCommand({ ...input, ExclusiveStartKey: start })));
  }
  return items.map(fromUsageItem);
}
