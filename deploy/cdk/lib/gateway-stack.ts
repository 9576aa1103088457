import { join } from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Peer, Port, SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { AwsLogDriver, Cluster, ContainerImage, ContainerInsights, FargateService, FargateTaskDefinition, Secret as EcsSecret } from 'aws-cdk-lib/aws-ecs';
import { ApplicationLoadBalancer, ApplicationProtocol, HttpCodeElb, HttpCodeTarget, ListenerAction, SslPolicy, type ApplicationTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { acknowledgeFindings, bedrockResources } from './acknowledgements.ts';
import { dynamoTables, type TableId } from '../../../src/store/dynamodb/tables.ts';
import { gatewayVpc } from './network.ts';
import { gatewayRedis } from './redis.ts';
import type { GatewaySettings } from './settings.ts';
import { gatewayTables } from './tables.ts';

/**
 * The gateway on AWS: stateless tasks on ECS Fargate (2-10, autoscaled on CPU and requests)
 * behind an Application Load Balancer whose idle timeout suits long streams, sharing the
 * DynamoDB tables (and an optional Redis), the master key in Secrets Manager, least-privilege
 * IAM, logs with retention and alarms. docs/deploy-aws.md walks through a deployment.
 */

export interface GatewayStackProps extends StackProps {
  readonly settings: GatewaySettings;
  /** The image to run; default: settings.imageUri, else the repository's Dockerfile built at deploy time. */
  readonly image?: ContainerImage;
}

const repositoryRoot = join(import.meta.dirname, '../../..');
const containerPort = 8080;

export class GatewayStack extends Stack {
  readonly loadBalancer: ApplicationLoadBalancer;
  readonly service: FargateService;

  constructor(scope: Construct, id: string, props: GatewayStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const production = settings.environment === 'prod';
    const vpc = gatewayVpc(this, settings);
    const tables = gatewayTables(this, settings.tablePrefix, production);
    const masterKey = new Secret(this, 'MasterKey', {
      secretName: settings.masterKeySecretName,
      description: 'claude-gateway master key (MASTER_API_KEY): administers gateway keys and reads all usage',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const serviceGroup = new SecurityGroup(this, 'ServiceSecurityGroup', { vpc, description: 'claude-gateway tasks: the load balancer only' });
    const redis = settings.redis ? gatewayRedis(this, vpc, serviceGroup, production) : undefined;

    const logGroup = new LogGroup(this, 'Logs', { logGroupName: `/ecs/claude-gateway-${settings.environment}`, retention: settings.logRetentionDays, removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY });
    const cluster = new Cluster(this, 'Cluster', { vpc, containerInsightsV2: ContainerInsights.ENABLED });
    const task = new FargateTaskDefinition(this, 'Task', { cpu: settings.cpu, memoryLimitMiB: settings.memoryMiB });
    const environment: Record<string, string> = {
      ...settings.environmentVariables,
      HOST: '0.0.0.0',
      PORT: String(containerPort),
      STORE: 'dynamodb',
      DYNAMODB_TABLE_PREFIX: settings.tablePrefix,
      BEDROCK_REGION: settings.bedrockRegion ?? this.region,
      DRAIN_TIMEOUT_SECONDS: String(settings.drainSeconds),
      ...(redis === undefined ? {} : { REDIS_URL: redis.url }),
    };
    const secrets: Record<string, EcsSecret> = { MASTER_API_KEY: EcsSecret.fromSecretsManager(masterKey) };
    if (settings.anthropicKeySecretArn !== undefined) secrets['ANTHROPIC_API_KEY'] = EcsSecret.fromSecretsManager(Secret.fromSecretCompleteArn(this, 'AnthropicKey', settings.anthropicKeySecretArn));
    const image = props.image ?? (settings.imageUri === undefined ? ContainerImage.fromAsset(repositoryRoot, { platform: Platform.LINUX_AMD64 }) : ContainerImage.fromRegistry(settings.imageUri));
    task.addContainer('gateway', {
      image,
      environment,
      secrets,
      portMappings: [{ containerPort }],
      logging: new AwsLogDriver({ logGroup, streamPrefix: 'gateway' }),
      // SIGTERM first; the gateway drains for DRAIN_TIMEOUT_SECONDS and exits 0 before SIGKILL.
      stopTimeout: Duration.seconds(Math.min(120, settings.drainSeconds + 15)),
      readonlyRootFilesystem: false,
    });
    this.grantBedrock(task.taskRole, settings);
    for (const table of Object.values(tables)) table.grantReadWriteData(task.taskRole);

    const loadBalancerGroup = new SecurityGroup(this, 'LoadBalancerSecurityGroup', { vpc, description: 'claude-gateway load balancer', allowAllOutbound: false });
    const listenerPort = settings.certificateArn === undefined ? 80 : 443;
    for (const cidr of settings.allowedCidrs) {
      loadBalancerGroup.addIngressRule(Peer.ipv4(cidr), Port.tcp(listenerPort), 'clients');
      if (settings.certificateArn !== undefined) loadBalancerGroup.addIngressRule(Peer.ipv4(cidr), Port.tcp(80), 'redirect to HTTPS');
    }
    loadBalancerGroup.addEgressRule(serviceGroup, Port.tcp(containerPort), 'to the tasks');
    serviceGroup.addIngressRule(loadBalancerGroup, Port.tcp(containerPort), 'from the load balancer');
    this.loadBalancer = new ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      securityGroup: loadBalancerGroup,
      idleTimeout: Duration.seconds(settings.idleTimeoutSeconds),
      deletionProtection: production,
      dropInvalidHeaderFields: true,
    });
    const accessLogs = this.accessLogBucket(production);
    this.loadBalancer.logAccessLogs(accessLogs);

    this.service = new FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: settings.minTasks,
      securityGroups: [serviceGroup],
      vpcSubnets: { subnets: vpc.privateSubnets },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      healthCheckGracePeriod: Duration.seconds(60),
    });
    const targetGroup = this.listen(settings, listenerPort);
    this.scale(settings, targetGroup);
    this.alarms(targetGroup);

    const scheme = settings.certificateArn === undefined ? 'http' : 'https';
    new CfnOutput(this, 'GatewayUrl', { value: `${scheme}://${this.loadBalancer.loadBalancerDnsName}`, description: 'ANTHROPIC_BASE_URL for Claude Code' });
    new CfnOutput(this, 'MasterKeySecretName', { value: masterKey.secretName, description: `aws secretsmanager get-secret-value --secret-id ${settings.masterKeySecretName} --query SecretString --output text` });
    new CfnOutput(this, 'LogGroupName', { value: logGroup.logGroupName });
    const indexedTables = (Object.keys(tables) as TableId[]).filter((table) => dynamoTables[table].indexes.length > 0).map((table) => tables[table]);
    acknowledgeFindings(this, { masterKey, task, loadBalancerGroup, publicListener: settings.allowedCidrs.includes('0.0.0.0/0'), bedrockModels: settings.bedrockModels, indexedTables, accessLogs });
  }

  /** Bedrock invoke (with streams and CountTokens) on the configured models and the inference profiles built on them, nothing else. */
  private grantBedrock(role: FargateTaskDefinition['taskRole'], settings: GatewaySettings): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:CountTokens'],
        resources: bedrockResources(settings.bedrockModels, this.partition, this.account),
      }),
    );
  }

  private accessLogBucket(production: boolean): Bucket {
    return new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(production ? 90 : 14) }],
      removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      autoDeleteObjects: !production,
    });
  }

  private listen(settings: GatewaySettings, port: number): ApplicationTargetGroup {
    const https = settings.certificateArn !== undefined;
    const listener = this.loadBalancer.addListener('Listener', {
      port,
      protocol: https ? ApplicationProtocol.HTTPS : ApplicationProtocol.HTTP,
      ...(https ? { certificates: [{ certificateArn: settings.certificateArn as string }], sslPolicy: SslPolicy.RECOMMENDED_TLS } : {}),
      open: false,
    });
    if (https) this.loadBalancer.addListener('RedirectToHttps', { port: 80, open: false, defaultAction: ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }) });
    return listener.addTargets('Gateway', {
      port: containerPort,
      protocol: ApplicationProtocol.HTTP,
      targets: [this.service],
      deregistrationDelay: Duration.seconds(settings.deregistrationDelaySeconds),
      healthCheck: { path: '/health', healthyHttpCodes: '200', interval: Duration.seconds(10), timeout: Duration.seconds(5), healthyThresholdCount: 2, unhealthyThresholdCount: 3 },
    });
  }

  private scale(settings: GatewaySettings, targetGroup: ApplicationTargetGroup): void {
    const scaling = this.service.autoScaleTaskCount({ minCapacity: settings.minTasks, maxCapacity: settings.maxTasks });
    scaling.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: settings.cpuTarget, scaleInCooldown: Duration.minutes(5), scaleOutCooldown: Duration.minutes(1) });
    scaling.scaleOnRequestCount('Requests', { requestsPerTarget: settings.requestsPerTarget, targetGroup, scaleInCooldown: Duration.minutes(5), scaleOutCooldown: Duration.minutes(1) });
  }

  /** 5xx above 5% of requests, and a p95 time to response headers above 30 s (the commit point of a stream), for 3 of 5 minutes. */
  private alarms(targetGroup: ApplicationTargetGroup): void {
    const metrics = targetGroup.metrics;
    const errorRate = new MathExpression({
      // 5xx counts have no datapoint in a minute without one: FILL makes them 0.
      expression: 'IF(requests > 0, 100 * (FILL(errors, 0) + FILL(lbErrors, 0)) / requests, 0)',
      period: Duration.minutes(1),
      usingMetrics: { errors: metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1) }), lbErrors: this.loadBalancer.metrics.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, { period: Duration.minutes(1) }), requests: metrics.requestCount({ period: Duration.minutes(1) }) },
      label: '5xx rate (%)',
    });
    new Alarm(this, 'ErrorRateAlarm', { metric: errorRate, threshold: 5, evaluationPeriods: 5, datapointsToAlarm: 3, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD, treatMissingData: TreatMissingData.NOT_BREACHING, alarmDescription: 'claude-gateway: more than 5% of requests answered 5xx' });
    new Alarm(this, 'LatencyAlarm', { metric: metrics.targetResponseTime({ statistic: 'p95', period: Duration.minutes(1) }), threshold: 30, evaluationPeriods: 5, datapointsToAlarm: 3, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD, treatMissingData: TreatMissingData.NOT_BREACHING, alarmDescription: 'claude-gateway: p95 time to response headers above 30 s' });
  }
}
