/**
 * What a deployment of the gateway stack can be told, and its defaults: one place, read from the
 * CDK context (`-c key=value` or cdk.json) by `settingsFromContext`. docs/deploy-aws.md lists them.
 */

export type Environment = 'dev' | 'prod';

export interface GatewaySettings {
  /** `dev` or `prod`: prod adds VPC endpoints, two NAT gateways, deletion protection and Redis across zones. */
  readonly environment: Environment;
  /** An existing VPC to deploy into (its private subnets need a route out: NAT or endpoints); a new one when absent. */
  readonly vpcId?: string;
  /** HTTPS on 443 with this ACM certificate (and 80 redirecting to it); plain HTTP on 80 when absent. */
  readonly certificateArn?: string;
  /** Who may reach the load balancer (CIDR blocks). */
  readonly allowedCidrs: readonly string[];
  /** An image to run (ECR URI, tag included); the repository's Dockerfile, built at deploy time, when absent. */
  readonly imageUri?: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  /** Target CPU utilisation (percent) and requests per task per minute for autoscaling. */
  readonly cpuTarget: number;
  readonly requestsPerTarget: number;
  /** ALB idle timeout: longer than the longest silence of a stream (seeds: 600 s). */
  readonly idleTimeoutSeconds: number;
  /** The gateway's SIGTERM drain deadline (DRAIN_TIMEOUT_SECONDS); the container's stop timeout is longer. */
  readonly drainSeconds: number;
  /** How long the load balancer lets a deregistered task finish its open requests before ECS stops it. */
  readonly deregistrationDelaySeconds: number;
  /** DynamoDB table name prefix (DYNAMODB_TABLE_PREFIX). */
  readonly tablePrefix: string;
  /** The Secrets Manager name of the master key (MASTER_API_KEY); seeds 002/004's pattern by default. */
  readonly masterKeySecretName: string;
  /** An existing secret with the gateway's Anthropic credential (ANTHROPIC_API_KEY), optional. */
  readonly anthropicKeySecretArn?: string;
  /** Bedrock region (BEDROCK_REGION); the stack's region when absent. */
  readonly bedrockRegion?: string;
  /** Bedrock model id patterns the gateway may invoke (foundation models and the inference profiles built on them). */
  readonly bedrockModels: readonly string[];
  /** An ElastiCache Redis for shared cooldowns and rate limits (REDIS_URL). */
  readonly redis: boolean;
  readonly logRetentionDays: number;
  /** More environment variables for the gateway (any the gateway or the seeds document: AUTH_MODE, RATE_LIMIT_REQUESTS, …). */
  readonly environmentVariables: Readonly<Record<string, string>>;
}

export function defaultSettings(environment: Environment = 'dev'): GatewaySettings {
  return {
    environment,
    allowedCidrs: ['0.0.0.0/0'],
    cpu: 1024,
    memoryMiB: 2048,
    minTasks: 2,
    maxTasks: 10,
    cpuTarget: 60,
    requestsPerTarget: 600,
    idleTimeoutSeconds: 600,
    drainSeconds: 25,
    deregistrationDelaySeconds: 60,
    tablePrefix: `claude-gateway-${environment}-`,
    masterKeySecretName: `anthropic-proxy-${environment}-master-api-key`,
    bedrockModels: ['anthropic.claude-*'],
    redis: false,
    logRetentionDays: environment === 'prod' ? 90 : 14,
    environmentVariables: { AUTH_MODE: 'keys' },
  };
}

type Context = (key: string) => unknown;

function text(context: Context, key: string): string | undefined {
  const value = context(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function number(context: Context, key: string, fallback: number): number {
  const value = text(context, key);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`context ${key}: a non-negative number is required, not ${JSON.stringify(value)}`);
  return parsed;
}

function list(context: Context, key: string, fallback: readonly string[]): readonly string[] {
  const value = context(key);
  if (Array.isArray(value)) return value.map(String);
  const raw = text(context, key);
  return raw === undefined ? fallback : raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** Settings from CDK context values (strings from `-c`, or JSON values from cdk.json), checked. */
export function settingsFromContext(context: Context): GatewaySettings {
  const environment = text(context, 'env') ?? 'dev';
  if (environment !== 'dev' && environment !== 'prod') throw new Error(`context env: dev or prod, not ${JSON.stringify(environment)}`);
  const defaults = defaultSettings(environment);
  const variables = context('environmentVariables');
  const settings: GatewaySettings = {
    ...defaults,
    vpcId: text(context, 'vpcId'),
    certificateArn: text(context, 'certificateArn'),
    allowedCidrs: list(context, 'allowedCidrs', defaults.allowedCidrs),
    imageUri: text(context, 'imageUri'),
    cpu: number(context, 'cpu', defaults.cpu),
    memoryMiB: number(context, 'memoryMiB', defaults.memoryMiB),
    minTasks: number(context, 'minTasks', defaults.minTasks),
    maxTasks: number(context, 'maxTasks', defaults.maxTasks),
    cpuTarget: number(context, 'cpuTarget', defaults.cpuTarget),
    requestsPerTarget: number(context, 'requestsPerTarget', defaults.requestsPerTarget),
    idleTimeoutSeconds: number(context, 'idleTimeoutSeconds', defaults.idleTimeoutSeconds),
    drainSeconds: number(context, 'drainSeconds', defaults.drainSeconds),
    deregistrationDelaySeconds: number(context, 'deregistrationDelaySeconds', defaults.deregistrationDelaySeconds),
    tablePrefix: text(context, 'tablePrefix') ?? defaults.tablePrefix,
    masterKeySecretName: text(context, 'masterKeySecretName') ?? defaults.masterKeySecretName,
    anthropicKeySecretArn: text(context, 'anthropicKeySecretArn'),
    bedrockRegion: text(context, 'bedrockRegion'),
    bedrockModels: list(context, 'bedrockModels', defaults.bedrockModels),
    redis: text(context, 'redis') === 'true',
    logRetentionDays: number(context, 'logRetentionDays', defaults.logRetentionDays),
    environmentVariables: { ...defaults.environmentVariables, ...(typeof variables === 'string' ? (JSON.parse(variables) as Record<string, string>) : ((variables ?? {}) as Record<string, string>)) },
  };
  if (settings.minTasks < 1 || settings.maxTasks < settings.minTasks) throw new Error(`context minTasks/maxTasks: 1 <= minTasks <= maxTasks, not ${settings.minTasks}/${settings.maxTasks}`);
  if (settings.idleTimeoutSeconds < 1 || settings.idleTimeoutSeconds > 4000) throw new Error('context idleTimeoutSeconds: 1 to 4000 (the ALB limit)');
  return settings;
}
