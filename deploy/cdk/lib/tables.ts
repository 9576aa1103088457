import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { dynamoTables, tableName, type KeyAttribute, type TableDefinition, type TableId } from '../../../src/store/dynamodb/tables.ts';

/**
 * The gateway's DynamoDB tables, from the very definition `claude-gateway setup-tables` creates
 * them from (src/store/dynamodb/tables.ts): keys, indexes and TTL attributes, on-demand billing,
 * point-in-time recovery. Retained when the stack is deleted (usage and keys outlive a stack);
 * deletion protection in production.
 */

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}

export function gatewayTables(scope: Construct, prefix: string, production: boolean): Record<TableId, Table> {
  const tables = {} as Record<TableId, Table>;
  for (const id of Object.keys(dynamoTables) as TableId[]) {
    const definition: TableDefinition = dynamoTables[id];
    const table = new Table(scope, `Table-${definition.suffix}`, {
      tableName: tableName(prefix, id),
      partitionKey: attribute(definition.partitionKey),
      ...(definition.sortKey === undefined ? {} : { sortKey: attribute(definition.sortKey) }),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(definition.ttlAttribute === undefined ? {} : { timeToLiveAttribute: definition.ttlAttribute }),
      deletionProtection: production,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of definition.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey === undefined ? {} : { sortKey: attribute(index.sortKey) }),
        projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
      });
    }
    tables[id] = table;
  }
  return tables;
}
