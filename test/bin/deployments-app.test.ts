import * as fs from 'fs';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, readDeploymentContext, spokeStackName } from '../../bin/deployments';
import { testApp } from '../support/app';

function build(context: Record<string, unknown> = {}) {
  const app = testApp({ context });
  return { app, stacks: buildApp(app) };
}

// The sample app, as `npx cdk synth` builds it with no context value, synthesized once.
const sample = build();
const assembly = sample.app.synth();

describe('the sample app (no context values)', () => {
  test('synthesizes a hub, a generic spoke, the catalog and the StackSet templates', () => {
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual([
      'ScanGuardCatalog', 'ScanGuardForwarder', 'ScanGuardHub', 'ScanGuardLaunchRole', 'ScanGuardSpoke',
    ]);
  });

  test('required parameters have no default: a deploy without RepositoryName and EMail fails instead of creating a sample', () => {
    const spoke = assembly.getStackByName('ScanGuardSpoke').template;
    expect(spoke.Parameters.RepositoryName.Default).toBeUndefined();
    expect(spoke.Parameters.EMail.Default).toBeUndefined();
    // and no sample exemption either: every optional parameter is empty
    for (const name of ['EcrApiVpcEndpointId', 'EcrDkrVpcEndpointId', 'MyIP', 'AdditionalSourceCidrs', 'AllowedVpcIds', 'AllowedPrincipalArns', 'CloudFormationPrincipalArns']) {
      expect({ name, default: spoke.Parameters[name].Default }).toEqual({ name, default: '' });
    }
    expect(spoke.Parameters.HubTopicArn).toMatchObject({ Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-ecr-scan-guard/default/topic-arn' });
  });

  test('the Service Catalog product template has no default for the required parameters either', () => {
    const file = path.join(assembly.directory, sample.stacks.portfolio.productStack.templateFile);
    const t = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(t.Parameters.RepositoryName.Default).toBeUndefined();
    expect(t.Parameters.EMail.Default).toBeUndefined();
  });

  test('the spoke and StackSet templates need no bootstrap', () => {
    for (const name of ['ScanGuardSpoke', 'ScanGuardForwarder', 'ScanGuardLaunchRole']) {
      const artifact = assembly.getStackByName(name);
      expect({ name, assets: artifact.assets, bootstrap: artifact.template.Parameters?.BootstrapVersion }).toEqual({ name, assets: [], bootstrap: undefined });
    }
  });

  test('the hub writes the parameter the spoke reads', () => {
    Template.fromStack(sample.stacks.hub).hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdk-ecr-scan-guard/default/topic-arn' });
  });
});

describe('context values make a real deployment', () => {
  const { stacks } = build({
    repositoryName: 'payments/api',
    email: 'payments@example.com',
    vpcEndpointIds: 'vpce-0aaaaaaaaaaaaaaaa, vpce-0bbbbbbbbbbbbbbbb',
    allowedCidrs: '198.51.100.0/24,192.0.2.10',
    minimumSeverity: 'HIGH',
    hubName: 'prod',
    organizationId: 'o-a1b2c3d4e5',
    hubAccountId: '111111111111',
    shareWithAccountIds: '222222222222',
  });

  test('the spoke is named for the repository and takes the values as defaults', () => {
    expect(stacks.spoke.stackName).toBe('ScanGuardSpoke-payments-api');
    const t = Template.fromStack(stacks.spoke);
    t.hasParameter('RepositoryName', { Default: 'payments/api' });
    t.hasParameter('EMail', { Default: 'payments@example.com' });
    t.hasParameter('EcrApiVpcEndpointId', { Default: 'vpce-0aaaaaaaaaaaaaaaa' });
    t.hasParameter('EcrDkrVpcEndpointId', { Default: 'vpce-0bbbbbbbbbbbbbbbb' });
    t.hasParameter('MyIP', { Default: '198.51.100.0/24' });
    t.hasParameter('AdditionalSourceCidrs', { Default: '192.0.2.10' });
    t.hasParameter('MinimumSeverity', { Default: 'HIGH' });
    t.hasParameter('HubTopicArn', { Default: '/cdk-ecr-scan-guard/prod/topic-arn' });
  });

  test('the hub admits the organisation and writes its parameter under its name', () => {
    const t = Template.fromStack(stacks.hub);
    t.hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdk-ecr-scan-guard/prod/topic-arn' });
    t.hasResourceProperties('AWS::Events::EventBusPolicy', { StatementId: 'ScanGuard-prod-Organization' });
  });

  test('the forwarder defaults to the hub account, the catalog shares with the account', () => {
    expect(Template.fromStack(stacks.forwarder).toJSON().Parameters.HubAccountId.Default).toBe('111111111111');
    Template.fromStack(stacks.catalog).hasResourceProperties('AWS::ServiceCatalog::PortfolioShare', { AccountId: '222222222222' });
  });

  test('hubTopicArn bakes the topic into the spoke and narrows the launch role', () => {
    const { stacks: s } = build({ hubTopicArn: 'arn:aws:sns:us-east-1:111111111111:hub' });
    Template.fromStack(s.spoke).hasParameter('HubTopicArn', { Type: 'String', Default: 'arn:aws:sns:us-east-1:111111111111:hub' });
    const role = Object.values<any>(Template.fromStack(s.launchRole).toJSON().Resources).find((r) => r.Type === 'AWS::IAM::Role');
    const subscribe = role.Properties.Policies[0].PolicyDocument.Statement.find((st: any) => st.Sid === 'HubSubscription');
    expect(subscribe.Resource).toBe('arn:aws:sns:us-east-1:111111111111:hub');
  });

  test('no endpoint and no CIDR: empty context values leave the parameters empty', () => {
    const ctx = readDeploymentContext(testApp({ context: { vpcEndpointIds: '', allowedCidrs: '' } }));
    expect(ctx.vpcEndpointIds).toEqual([]);
    expect(ctx.allowedCidrs).toEqual([]);
  });

  test('lists from cdk.json arrays work as well as comma lists', () => {
    const ctx = readDeploymentContext(testApp({ context: { vpcEndpointIds: ['vpce-0aaaaaaaaaaaaaaaa'], memberAccountIds: ['222222222222', '333333333333'] } }));
    expect(ctx.vpcEndpointIds).toEqual(['vpce-0aaaaaaaaaaaaaaaa']);
    expect(ctx.memberAccountIds).toEqual(['222222222222', '333333333333']);
  });

  test('spokeStackName makes a stack name of any repository name', () => {
    expect(spokeStackName('a.b_c/d-e')).toBe('ScanGuardSpoke-a-b-c-d-e');
  });
});

describe('bad context values fail with a message that names the value', () => {
  test.each<[Record<string, unknown>, RegExp]>([
    [{ repositoryName: 'Team/App' }, /Context value repositoryName is "Team\/App": expected an ECR repository name.*-c repositoryName=/],
    [{ email: 'not-an-address' }, /Context value email is "not-an-address": expected an e-mail address/],
    [{ vpcEndpointIds: 'vpce-0aaaaaaaaaaaaaaaa,vpc-0bbbbbbbbbbbbbbbb' }, /Context value vpcEndpointIds\[1\] is "vpc-0bbbbbbbbbbbbbbbb": expected a VPC endpoint id.*-c vpcEndpointIds=/],
    [{ vpcEndpointIds: 'vpce-0aaaaaaaa,vpce-0bbbbbbbb,vpce-0cccccccc' }, /Context value vpcEndpointIds is "vpce-0aaaaaaaa,vpce-0bbbbbbbb,vpce-0cccccccc": expected at most two/],
    [{ allowedCidrs: '203.0.113.0/24,10.0.0.0/33' }, /Context value allowedCidrs\[1\] is "10.0.0.0\/33": expected a public IP address or CIDR block/],
    [{ allowedCidrs: '0.0.0.0/0' }, /Context value allowedCidrs\[0\] is "0.0.0.0\/0": expected a public IP address or CIDR block no broader than a \/16/],
    [{ cloudFormationPrincipalArns: 'arn:aws:iam::111111111111:role/*' }, /Context value cloudFormationPrincipalArns\[0\] is "arn:aws:iam::111111111111:role\/\*"/],
    [{ minimumSeverity: 'SEVERE' }, /Context value minimumSeverity is "SEVERE": expected one of CRITICAL, HIGH/],
    [{ hubName: 'my hub' }, /Context value hubName is "my hub"/],
    [{ hubTopicArn: 'arn:aws:sqs:us-east-1:111111111111:q' }, /Context value hubTopicArn is "arn:aws:sqs:us-east-1:111111111111:q": expected an SNS topic ARN/],
    [{ hubAccountId: '1234' }, /Context value hubAccountId is "1234": expected a 12-digit AWS account id/],
    [{ organizationId: 'org' }, /Context value organizationId is "org": expected an AWS Organizations id/],
    [{ memberAccountIds: '222222222222,x' }, /Context value memberAccountIds\[1\] is "x"/],
    [{ shareWithAccountIds: 'y' }, /Context value shareWithAccountIds\[0\] is "y"/],
    [{ shareWithOrganizationId: 'o-' }, /Context value shareWithOrganizationId is "o-"/],
    [{ repositoryName: 42 }, /Context value repositoryName is 42: expected a string/],
    [{ allowedCidrs: { a: 1 } }, /Context value allowedCidrs is \{"a":1\}: expected a comma-separated list/],
  ])('%j', (context, message) => {
    expect(() => build(context)).toThrow(message);
  });
});
