#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GatewayStack } from '../lib/gateway-stack.ts';
import { settingsFromContext } from '../lib/settings.ts';

/**
 * The CDK app: `npx aws-cdk deploy -c env=prod` from deploy/cdk (docs/deploy-aws.md). Settings
 * come from the context (-c key=value or cdk.json); cdk-nag's AwsSolutions pack checks the stack
 * at synth time.
 */

const app = new App();
const settings = settingsFromContext((key) => app.node.tryGetContext(key));
// The account and region of the AWS CLI profile in use (the cdk command sets them); -c region=…
// wins. The region is required (load balancer access logs); a VPC lookup needs the account too.
const account = process.env['CDK_DEFAULT_ACCOUNT'];
const region = (app.node.tryGetContext('region') as string | undefined) ?? process.env['CDK_DEFAULT_REGION'];
if (region === undefined) throw new Error('No AWS region: configure one for the AWS CLI (aws configure, AWS_REGION) or pass -c region=us-west-2');
new GatewayStack(app, `claude-gateway-${settings.environment}`, {
  settings,
  env: { region, ...(account === undefined ? {} : { account }) },
  description: `claude-gateway (${settings.environment}): ALB + ECS Fargate + DynamoDB`,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
