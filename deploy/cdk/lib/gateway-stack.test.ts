import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ContainerImage } from 'aws-cdk-lib/aws-ecs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoTables, tableName, type TableDefinition, type TableId } from '../../../src/store/dynamodb/tables.ts';
import { GatewayStack } from './gateway-stack.ts';
import { settingsFromContext, type GatewaySettings } from './settings.ts';

/** The CDK app synthesized without an AWS account: assertions on the template, and cdk-nag's AwsSolutions pack. */

const outputs: string[] = [];
afterAll(() => {
  for (const folder of outputs) rmSync(folder, { recursive: true, force: true });
});

function synth(context: Record<string, unknown> = {}, image: ContainerImage | 'the Dockerfile' = ContainerImage.fromRegistry('example.com/claude-gateway:1')) {
  const outdir = mkdtempSync(join(tmpdir(), 'gateway-cdk-'));
  outputs.push(outdir);
  const app = new App({ outdir, context });
  const settings: GatewaySettings = settingsFromContext((key) => app.node.tryGetContext(key));
  const stack = new GatewayStack(app, 'Gateway', { settings, ...(image === 'the Dockerfile' ? {} : { image }), env: { account: '123456789012', region: 'us-west-2' } });
  const checks = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(checks);
  const template = Template.fromStack(stack);
  return { app, stack, template, settings, nag: () => checks.validateScope(app) };
}

function resourcesOf(template: Template, type: string): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}

function onlyResource(template: Template, type: string): Record<string, unknown> {
  const found = Object.values(resourcesOf(template, type));
  expect(found).toHaveLength(1);
  return (found[0] as { Properties: Record<string, unknown> }).Properties;
}

const development = synth();

describe('the gateway stack (dev)', () => {
  const { template } = development;

  it('gives the load balancer a 600 s idle timeout, and the target group /health and a deregistration delay', () => {
    const attributes = onlyResource(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')['LoadBalancerAttributes'];
    expect(attributes).toEqual(expect.arrayContaining([{ Key: 'idle_timeout.timeout_seconds', Value: '600' }, { Key: 'deletion_protection.enabled', Value: 'false' }, { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' }]));
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/health',
      Port: 8080,
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '60' }]),
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
  });

  it('creates every DynamoDB table exactly as setup-tables does: keys, indexes, TTL, on-demand, point-in-time recovery', () => {
    const tables = Object.values(resourcesOf(template, 'AWS::DynamoDB::Table')).map((table) => table.Properties);
    expect(tables).toHaveLength(Object.keys(dynamoTables).length);
    for (const id of Object.keys(dynamoTables) as TableId[]) {
      const definition: TableDefinition = dynamoTables[id];
      const table = tables.find((candidate) => candidate['TableName'] === tableName('claude-gateway-dev-', id));
      expect(table, id).toBeDefined();
      const keys = [{ AttributeName: definition.partitionKey.name, KeyType: 'HASH' }, ...(definition.sortKey === undefined ? [] : [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' }])];
      expect(table).toMatchObject({ KeySchema: keys, BillingMode: 'PAY_PER_REQUEST', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
      expect(table?.['TimeToLiveSpecification']).toEqual(definition.ttlAttribute === undefined ? undefined : { AttributeName: definition.ttlAttribute, Enabled: true });
      const indexes = (table?.['GlobalSecondaryIndexes'] ?? []) as { IndexName: string; KeySchema: unknown; Projection: { ProjectionType: string } }[];
      expect(indexes.map((index) => [index.IndexName, index.KeySchema, index.Projection.ProjectionType])).toEqual(
        definition.indexes.map((index) => [index.name, [{ AttributeName: index.partitionKey.name, KeyType: 'HASH' }, ...(index.sortKey === undefined ? [] : [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }])], index.projection]),
      );
    }
    expect(Object.keys(dynamoTables).filter((id) => dynamoTables[id as TableId].suffix !== undefined && 'ttlAttribute' in dynamoTables[id as TableId])).toEqual(['usage', 'rateLimits', 'cooldowns', 'ptcContainers']);
  });

  it('runs the gateway on Fargate with the DynamoDB store, the master key from Secrets Manager, and a stop timeout past the drain deadline', () => {
    const container = (onlyResource(template, 'AWS::ECS::TaskDefinition')['ContainerDefinitions'] as Record<string, unknown>[])[0] as { Environment: { Name: string; Value: unknown }[]; Secrets: { Name: string }[]; StopTimeout: number; PortMappings: unknown[] };
    const environment = Object.fromEntries(container.Environment.map((variable) => [variable.Name, variable.Value]));
    expect(environment).toMatchObject({ STORE: 'dynamodb', DYNAMODB_TABLE_PREFIX: 'claude-gateway-dev-', HOST: '0.0.0.0', PORT: '8080', AUTH_MODE: 'keys', BEDROCK_REGION: 'us-west-2' });
    expect(container.StopTimeout).toBeGreaterThan(Number(environment['DRAIN_TIMEOUT_SECONDS']));
    expect(container.Secrets.map((secret) => secret.Name)).toEqual(['MASTER_API_KEY']);
    expect(environment['MASTER_API_KEY']).toBeUndefined();
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'anthropic-proxy-dev-master-api-key', GenerateSecretString: Match.objectLike({ PasswordLength: 48 }) });
    template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE', DesiredCount: 2, DeploymentConfiguration: Match.objectLike({ DeploymentCircuitBreaker: { Enable: true, Rollback: true } }) });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/ecs/claude-gateway-dev', RetentionInDays: 14 });
  });

  it('autoscales between 2 and 10 tasks on CPU and on requests per target', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 10 });
    const metrics = Object.values(resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy')).map((policy) => (policy.Properties['TargetTrackingScalingPolicyConfiguration'] as { PredefinedMetricSpecification: { PredefinedMetricType: string } }).PredefinedMetricSpecification.PredefinedMetricType);
    expect(metrics.sort()).toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
  });

  it('grants Bedrock invoke on the configured models only, and DynamoDB on its own tables only', () => {
    const statements = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((policy) => (policy.Properties['PolicyDocument'] as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const bedrock = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('bedrock:')));
    expect(bedrock).toHaveLength(1);
    expect([bedrock[0]?.Action].flat().sort()).toEqual(['bedrock:CountTokens', 'bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
    const resources = JSON.stringify(bedrock[0]?.Resource);
    expect(resources).toContain('foundation-model/anthropic.claude-*');
    expect(resources).toContain('inference-profile/*.anthropic.claude-*');
    const dynamo = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThan(0);
    for (const statement of dynamo) {
      expect([statement.Action].flat()).not.toContain('dynamodb:*');
      expect([statement.Action].flat()).not.toContain('dynamodb:DeleteTable');
      for (const resource of [statement.Resource].flat()) expect(JSON.stringify(resource)).toMatch(/Table[\w-]*\w+"?,"Arn"|\/index\/\*/);
    }
    for (const statement of statements) expect(statement.Resource).not.toEqual('*');
  });

  it('alarms on the 5xx rate and on latency', () => {
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
    expect(alarms).toHaveLength(2);
    expect(JSON.stringify(alarms)).toContain('HTTPCode_Target_5XX_Count');
    expect(JSON.stringify(alarms)).toContain('TargetResponseTime');
    expect(JSON.stringify(alarms)).toContain('FILL(errors, 0)');
    const periods = JSON.stringify(alarms).match(/"Period":\d+/g) ?? [];
    expect(new Set(periods)).toEqual(new Set(['"Period":60']));
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    const report = development.nag();
    const findings = report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((resource) => resource.resourceLogicalId).join(', ')}`);
    expect(findings).toEqual([]);
  });
});

describe('the gateway stack (prod, HTTPS, Redis)', () => {
  const production = synth({ env: 'prod', certificateArn: 'arn:aws:acm:us-west-2:123456789012:certificate/abc', redis: 'true', allowedCidrs: '10.0.0.0/8' });
  const { template } = production;

  it('adds VPC endpoints for Bedrock, DynamoDB, ECR, logs and Secrets Manager', () => {
    const endpoints = Object.values(resourcesOf(template, 'AWS::EC2::VPCEndpoint')).map((endpoint) => JSON.stringify(endpoint.Properties['ServiceName']));
    for (const service of ['bedrock-runtime', 'dynamodb', 's3', 'ecr.api', 'ecr.dkr', 'logs', 'secretsmanager']) expect(endpoints.some((name) => name.includes(`.${service}`)), service).toBe(true);
  });

  it('protects the load balancer and the tables from deletion', () => {
    expect(onlyResource(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer')['LoadBalancerAttributes']).toEqual(expect.arrayContaining([{ Key: 'deletion_protection.enabled', Value: 'true' }]));
    for (const table of Object.values(resourcesOf(template, 'AWS::DynamoDB::Table'))) expect(table.Properties['DeletionProtectionEnabled']).toBe(true);
  });

  it('serves HTTPS with the certificate and redirects HTTP, to the allowed CIDRs only', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: 'arn:aws:acm:us-west-2:123456789012:certificate/abc' }] });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, DefaultActions: [Match.objectLike({ Type: 'redirect' })] });
    const ingress = Object.values(resourcesOf(template, 'AWS::EC2::SecurityGroup')).flatMap((group) => (group.Properties['SecurityGroupIngress'] ?? []) as { CidrIp?: string; FromPort: number }[]);
    const fromAddresses = ingress.filter((rule) => rule.CidrIp !== undefined && rule.CidrIp !== '10.40.0.0/16');
    expect(fromAddresses.map((rule) => [rule.CidrIp, rule.FromPort]).sort()).toEqual([['10.0.0.0/8', 443], ['10.0.0.0/8', 80]]);
  });

  it('gives the tasks an encrypted Redis across zones as REDIS_URL', () => {
    template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', { TransitEncryptionEnabled: true, AtRestEncryptionEnabled: true, MultiAZEnabled: true, NumCacheClusters: 2 });
    const container = (onlyResource(template, 'AWS::ECS::TaskDefinition')['ContainerDefinitions'] as { Environment: { Name: string; Value: unknown }[] }[])[0];
    expect(JSON.stringify(container?.Environment.find((variable) => variable.Name === 'REDIS_URL')?.Value)).toContain('rediss://');
  });

  it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
    const findings = production.nag().violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((resource) => resource.resourceLogicalId).join(', ')}`);
    expect(findings).toEqual([]);
  });
});

describe('the gateway stack settings', () => {
  it('refuses an unknown environment and impossible task counts', () => {
    expect(() => settingsFromContext((key) => ({ env: 'staging' })[key])).toThrow(/dev or prod/);
    expect(() => settingsFromContext((key) => ({ minTasks: '5', maxTasks: '2' })[key])).toThrow(/minTasks/);
  });

  it('builds the image from the repository’s Dockerfile when no image is given', () => {
    const { template } = synth({}, 'the Dockerfile');
    const container = (onlyResource(template, 'AWS::ECS::TaskDefinition')['ContainerDefinitions'] as { Image: unknown }[])[0];
    expect(JSON.stringify(container?.Image)).toContain('cdk-hnb659fds-container-assets');
  });
});

describe('the CDK app (deploy/cdk/bin/app.ts, as `cdk synth` runs it)', () => {
  it('synthesizes the prod stack with cdk-nag clean, from the context it is given', async () => {
    const { spawnSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const outdir = mkdtempSync(join(tmpdir(), 'gateway-cdk-app-'));
    outputs.push(outdir);
    const app = join(import.meta.dirname, '../bin/app.ts');
    const environment = { PATH: process.env['PATH'] ?? '', CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ env: 'prod', region: 'eu-west-1' }) };
    const run = spawnSync(process.execPath, [app], { cwd: join(import.meta.dirname, '..'), env: environment, encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'claude-gateway-prod.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
    const secret = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::SecretsManager::Secret');
    expect(secret?.Properties?.['Name']).toBe('anthropic-proxy-prod-master-api-key');
    const withoutRegion = spawnSync(process.execPath, [app], { cwd: join(import.meta.dirname, '..'), env: { ...environment, CDK_CONTEXT_JSON: '{}' }, encoding: 'utf8', timeout: 120_000 });
    expect(withoutRegion.status).not.toBe(0);
    expect(withoutRegion.stderr).toContain('No AWS region');
  }, 180_000);
});
