import { Validations } from 'aws-cdk-lib';
import { Port, SecurityGroup, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { CfnReplicationGroup, CfnSubnetGroup } from 'aws-cdk-lib/aws-elasticache';
import type { Construct } from 'constructs';

/**
 * An optional ElastiCache Redis for cooldowns and rate limits shared by every task (REDIS_URL),
 * in the private subnets, reachable from the tasks only, encrypted in transit (rediss://) and at
 * rest; two nodes across zones with automatic failover in production.
 */
const redisPort = 6380; // not the default 6379 (cdk-nag AEC5)

export function gatewayRedis(scope: Construct, vpc: IVpc, clients: SecurityGroup, production: boolean): { url: string } {
  const group = new SecurityGroup(scope, 'RedisSecurityGroup', { vpc, description: 'claude-gateway Redis: the tasks only', allowAllOutbound: false });
  group.addIngressRule(clients, Port.tcp(redisPort), 'from the gateway tasks');
  const subnets = new CfnSubnetGroup(scope, 'RedisSubnets', { description: 'claude-gateway Redis', subnetIds: vpc.privateSubnets.map((subnet) => subnet.subnetId) });
  const redis = new CfnReplicationGroup(scope, 'Redis', {
    replicationGroupDescription: 'claude-gateway cooldowns and rate limits',
    engine: 'redis',
    engineVersion: '7.1',
    cacheNodeType: production ? 'cache.t4g.medium' : 'cache.t4g.micro',
    numCacheClusters: production ? 2 : 1,
    automaticFailoverEnabled: production,
    multiAzEnabled: production,
    transitEncryptionEnabled: true,
    atRestEncryptionEnabled: true,
    cacheSubnetGroupName: subnets.ref,
    securityGroupIds: [group.securityGroupId],
    snapshotRetentionLimit: production ? 1 : 0,
    port: redisPort,
  });
  Validations.of(redis).acknowledge({
    id: 'AwsSolutions-AEC6',
    reason: 'Reachable only from the gateway tasks’ security group, in private subnets, with TLS; it holds cooldowns and rate-limit counters that expire within minutes, no secret and no usage record.',
  });
  return { url: `rediss://${redis.attrPrimaryEndPointAddress}:${redis.attrPrimaryEndPointPort}` };
}
