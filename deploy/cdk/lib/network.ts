import { RemovalPolicy } from 'aws-cdk-lib';
import { FlowLogDestination, GatewayVpcEndpointAwsService, InterfaceVpcEndpointAwsService, IpAddresses, Peer, Port, SecurityGroup, SubnetType, Vpc, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { GatewaySettings } from './settings.ts';

/**
 * The VPC: an existing one (settings.vpcId, looked up at synth time), or a new one across two
 * zones with public subnets (the load balancer, NAT) and private ones (the tasks, Redis), flow
 * logs on. In production, VPC endpoints keep the AWS traffic (Bedrock, DynamoDB, ECR, logs,
 * Secrets Manager) off the NAT gateways.
 */
export function gatewayVpc(scope: Construct, settings: GatewaySettings): IVpc {
  if (settings.vpcId !== undefined) return Vpc.fromLookup(scope, 'Vpc', { vpcId: settings.vpcId });
  const production = settings.environment === 'prod';
  const cidr = '10.40.0.0/16';
  const vpc = new Vpc(scope, 'Vpc', {
    ipAddresses: IpAddresses.cidr(cidr),
    maxAzs: 2,
    natGateways: production ? 2 : 1,
    subnetConfiguration: [
      { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'private', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
    ],
  });
  const flowLogs = new LogGroup(scope, 'VpcFlowLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
  vpc.addFlowLog('FlowLog', { destination: FlowLogDestination.toCloudWatchLogs(flowLogs) });
  if (production) {
    vpc.addGatewayEndpoint('DynamoDbEndpoint', { service: GatewayVpcEndpointAwsService.DYNAMODB });
    vpc.addGatewayEndpoint('S3Endpoint', { service: GatewayVpcEndpointAwsService.S3 }); // ECR image layers
    const services = {
      BedrockRuntime: InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME,
      EcrApi: InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      SecretsManager: InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    };
    // One group for the interface endpoints: HTTPS from inside the VPC.
    const endpoints = new SecurityGroup(scope, 'EndpointSecurityGroup', { vpc, description: 'claude-gateway VPC endpoints: HTTPS from the VPC', allowAllOutbound: false });
    endpoints.addIngressRule(Peer.ipv4(cidr), Port.tcp(443), 'HTTPS from the VPC');
    for (const [name, service] of Object.entries(services)) vpc.addInterfaceEndpoint(`${name}Endpoint`, { service, privateDnsEnabled: true, securityGroups: [endpoints], open: false });
  }
  return vpc;
}
