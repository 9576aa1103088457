import { Token, Validations, type Stack } from 'aws-cdk-lib';
import type { CfnTable, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import type { FargateTaskDefinition } from 'aws-cdk-lib/aws-ecs';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';

/**
 * The cdk-nag AwsSolutions findings this stack accepts, each with its reason. Everything else
 * the pack reports is an error (deploy/cdk/lib/gateway-stack.test.ts keeps the list at none).
 */
export interface AcknowledgedParts {
  readonly masterKey: Secret;
  readonly task: FargateTaskDefinition;
  readonly loadBalancerGroup: SecurityGroup;
  readonly publicListener: boolean;
  readonly bedrockModels: readonly string[];
  /** Tables with secondary indexes (their grant includes `<table>/index/*`). */
  readonly indexedTables: readonly Table[];
  readonly accessLogs: Bucket;
}

export function acknowledgeFindings(stack: Stack, parts: AcknowledgedParts): void {
  Validations.of(parts.masterKey).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason: 'The master key is an administrator credential typed by people and scripts: a scheduled rotation would lock them out without notice. docs/deploy-aws.md says how to rotate it by hand (put-secret-value, then a new deployment).',
  });
  Validations.of(parts.task).acknowledge({
    id: 'AwsSolutions-ECS2',
    reason: 'Only non-secret settings are environment variables (port, table prefix, region, drain deadline, auth mode); the master key and the Anthropic key come from Secrets Manager as ECS secrets.',
  });
  if (parts.publicListener) {
    Validations.of(parts.loadBalancerGroup).acknowledge({
      id: 'AwsSolutions-EC23',
      reason: 'The gateway is an API for clients anywhere (Claude Code on laptops); requests are authenticated by gateway keys (AUTH_MODE=keys by default). Narrow it with -c allowedCidrs=...',
    });
  }
  // IAM wildcards, each limited as far as the service allows.
  const policy = parts.task.taskRole.node.tryFindChild('DefaultPolicy') ?? parts.task.taskRole;
  const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  for (const resource of bedrockResources(parts.bedrockModels, partition, account)) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason: 'Bedrock invoke on the configured model families only: a cross-region inference profile routes to any region of its geography, so the region is a wildcard, and model versions and profiles change without a redeployment.',
    });
  }
  for (const table of parts.indexedTables) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(table.node.defaultChild as CfnTable)}.Arn>/index/*]`,
      reason: 'Queries on the global secondary indexes of the gateway’s own table (the grant names the table; DynamoDB index ARNs hang under it).',
    });
  }
  if (parts.task.executionRole !== undefined) {
    Validations.of(parts.task.executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken, which ECS needs to pull the image from ECR, has no resource-level permissions; the pull actions themselves name the repository.',
    });
  }
  Validations.of(parts.accessLogs).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This bucket holds the load balancer’s access logs; its own access logs would need yet another bucket, and the objects are written by the ELB service only.',
  });
}

/** The resources of the Bedrock grant, for the configured model id patterns (gateway-stack.ts grants exactly these). */
export function bedrockResources(models: readonly string[], partition: string, account: string): string[] {
  const resources = models.flatMap((model) => [`arn:${partition}:bedrock:*::foundation-model/${model}`, `arn:${partition}:bedrock:*:${account}:inference-profile/*.${model}`]);
  return [...new Set([...resources, `arn:${partition}:bedrock:*:${account}:application-inference-profile/*`])];
}
