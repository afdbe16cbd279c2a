import { Template } from 'aws-cdk-lib/assertions';
import { ScanGuardSpokeStack } from '../../lib/deploy/scan-guard-spoke';
import { testApp } from '../support/app';
import { resolveWithParameters } from '../support/parameters';
import { SIM_ACCOUNT, simulate } from '../support/simulate';

// One template, resolved with different parameter values as CloudFormation would, and the
// resulting repository policy evaluated with iam-simulate.
const stack = new ScanGuardSpokeStack(testApp(), 'SpokePolicy');
const template = Template.fromStack(stack).toJSON();
const repoArn = `arn:aws:ecr:us-east-1:${SIM_ACCOUNT}:repository/team/app`;

const API = 'vpce-0123456789abcdef0';
const DKR = 'vpce-0fedcba9876543210';
const EMPTY = {
  RepositoryName: 'team/app', EMail: 'team@example.com', HubTopicArn: `arn:aws:sns:us-east-1:${SIM_ACCOUNT}:hub`,
  EcrApiVpcEndpointId: '', EcrDkrVpcEndpointId: '', MyIP: '', AdditionalSourceCidrs: '', AllowedVpcIds: '', AllowedPrincipalArns: '', CloudFormationPrincipalArns: '', MinimumSeverity: '',
};
const FULL = {
  ...EMPTY, EcrApiVpcEndpointId: API, EcrDkrVpcEndpointId: DKR, MyIP: '203.0.113.0/24', AdditionalSourceCidrs: '198.51.100.0/24,2001:db8::/32',
  AllowedVpcIds: 'vpc-0abc1234def567890', AllowedPrincipalArns: `arn:aws:iam::${SIM_ACCOUNT}:role/ci-*,arn:aws:iam::${SIM_ACCOUNT}:role/ecs-execution`,
};

function policyWith(parameters: Record<string, string>): any {
  return resolveWithParameters(template, parameters).Resources.Repository.Properties.RepositoryPolicyText;
}
const deny = (policy: any) => policy.Statement.find((s: any) => s.Sid === 'DenyOutsideApprovedNetworks');

const CFN = 'cloudformation.amazonaws.com';
const role = (name: string, account = SIM_ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
const ADMIN = role('Admin');
const INSPECTOR = role('aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2');

type Case = [string, string, string, Record<string, string | string[]>, string];
async function expectDecisions(policy: any, cases: Case[]): Promise<void> {
  for (const [name, principal, action, context, expected] of cases) {
    const outcome = await simulate(policy, repoArn, { principal, action, context });
    expect({ name, ignored: outcome.ignoredContextKeys }).toEqual({ name, ignored: [] });
    expect({ name, decision: outcome.decision }).toEqual({ name, decision: expected });
  }
}

describe('empty optional parameters remove their conditions', () => {
  test('with every optional parameter empty, only the built-in exemptions remain, and no empty value is written', () => {
    const policy = policyWith(EMPTY);
    const condition = deny(policy).Condition;
    expect(Object.keys(condition).sort()).toEqual(['ArnNotLike']);
    expect(condition.ArnNotLike['aws:PrincipalArn']).toEqual([INSPECTOR, role(`cdk-hnb659fds-cfn-exec-role-${SIM_ACCOUNT}-us-east-1`)]);
    expect(JSON.stringify(policy)).not.toContain('""');
  });

  test('only the parameters given appear: the ecr.api endpoint alone', () => {
    const condition = deny(policyWith({ ...EMPTY, EcrApiVpcEndpointId: API })).Condition;
    expect(condition.StringNotEquals).toEqual({ 'aws:SourceVpce': [API] });
    expect(condition.NotIpAddress).toBeUndefined();
  });

  test('only the ecr.dkr endpoint and a VPC', () => {
    const condition = deny(policyWith({ ...EMPTY, EcrDkrVpcEndpointId: DKR, AllowedVpcIds: 'vpc-0abc1234def567890' })).Condition;
    expect(condition.StringNotEquals).toEqual({ 'aws:SourceVpce': [DKR], 'aws:SourceVpc': ['vpc-0abc1234def567890'] });
  });

  test('only additional CIDRs, without MyIP', () => {
    const condition = deny(policyWith({ ...EMPTY, AdditionalSourceCidrs: '198.51.100.0/24,192.0.2.0/24' })).Condition;
    expect(condition.NotIpAddress).toEqual({ 'aws:SourceIp': ['198.51.100.0/24', '192.0.2.0/24'] });
    expect(condition.StringNotEquals).toBeUndefined();
  });

  test('MyIP and additional CIDRs are one list', () => {
    const condition = deny(policyWith({ ...EMPTY, MyIP: '203.0.113.7', AdditionalSourceCidrs: '198.51.100.0/24' })).Condition;
    expect(condition.NotIpAddress).toEqual({ 'aws:SourceIp': ['203.0.113.7', '198.51.100.0/24'] });
  });

  test('every parameter set: every key present', () => {
    const condition = deny(policyWith(FULL)).Condition;
    expect(condition.StringNotEquals).toEqual({ 'aws:SourceVpce': [API, DKR], 'aws:SourceVpc': ['vpc-0abc1234def567890'] });
    expect(condition.NotIpAddress).toEqual({ 'aws:SourceIp': ['203.0.113.0/24', '198.51.100.0/24', '2001:db8::/32'] });
    expect(condition.ArnNotLike['aws:PrincipalArn']).toEqual(expect.arrayContaining([INSPECTOR, role('ci-*'), role('ecs-execution')]));
  });
});

describe('spoke policy with every optional parameter empty, evaluated with iam-simulate', () => {
  const policy = policyWith(EMPTY);
  test('only Amazon Inspector gets through; no empty condition lets anything else in', async () => {
    await expectDecisions(policy, [
      ['Inspector scans', INSPECTOR, 'ecr:BatchGetImage', {}, 'Allowed'],
      ['a policy rewrite through CloudFormation is denied', ADMIN, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': [CFN] }, 'ExplicitlyDenied'],
      ['a deletion through CloudFormation is denied', ADMIN, 'ecr:DeleteRepository', { 'aws:CalledVia': [CFN] }, 'ExplicitlyDenied'],
      ['pull through an endpoint is denied', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpce': API }, 'ExplicitlyDenied'],
      ['pull from an address is denied', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceIp': '203.0.113.10' }, 'ExplicitlyDenied'],
      ['pull from a VPC is denied', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpc': 'vpc-0abc1234def567890', 'aws:SourceVpce': API }, 'ExplicitlyDenied'],
      ['pull with no network context is denied', ADMIN, 'ecr:DescribeImages', {}, 'ExplicitlyDenied'],
    ]);
  });
});

describe('spoke policy with only the ecr.api endpoint, evaluated with iam-simulate', () => {
  const policy = policyWith({ ...EMPTY, EcrApiVpcEndpointId: API });
  test('the endpoint given is exempt, nothing else is', async () => {
    await expectDecisions(policy, [
      ['through the ecr.api endpoint', ADMIN, 'ecr:DescribeImages', { 'aws:SourceVpce': API }, 'Allowed'],
      ['through the (unset) ecr.dkr endpoint', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpce': DKR }, 'ExplicitlyDenied'],
      ['from any address (MyIP empty)', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceIp': '203.0.113.10' }, 'ExplicitlyDenied'],
    ]);
  });
});

describe('spoke policy with only MyIP, evaluated with iam-simulate', () => {
  const policy = policyWith({ ...EMPTY, MyIP: '203.0.113.10' });
  test('a bare address works as MyIP', async () => {
    await expectDecisions(policy, [
      ['from MyIP', ADMIN, 'ecr:PutImage', { 'aws:SourceIp': '203.0.113.10' }, 'Allowed'],
      ['from the next address', ADMIN, 'ecr:PutImage', { 'aws:SourceIp': '203.0.113.11' }, 'ExplicitlyDenied'],
      ['through an endpoint (none set)', ADMIN, 'ecr:PutImage', { 'aws:SourceVpce': API }, 'ExplicitlyDenied'],
    ]);
  });
});

describe('spoke policy with every parameter set, evaluated with iam-simulate', () => {
  const policy = policyWith(FULL);
  test('each exemption lets its request through and its near miss is denied', async () => {
    await expectDecisions(policy, [
      ['pull through the ecr.api endpoint', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpce': API }, 'Allowed'],
      ['push through the ecr.dkr endpoint', ADMIN, 'ecr:PutImage', { 'aws:SourceVpce': DKR }, 'Allowed'],
      ['pull from MyIP', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceIp': '203.0.113.99' }, 'Allowed'],
      ['pull from an additional IPv4 range', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceIp': '198.51.100.1' }, 'Allowed'],
      ['pull from an additional IPv6 range', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceIp': '2001:db8::1' }, 'Allowed'],
      ['pull from an allowed VPC through another endpoint', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpc': 'vpc-0abc1234def567890', 'aws:SourceVpce': 'vpce-0aaaaaaaaaaaaaaaa' }, 'Allowed'],
      ['push by a wildcard-matched principal', role('ci-builder'), 'ecr:PutImage', { 'aws:SourceIp': '192.0.2.1' }, 'Allowed'],
      ['push by a listed principal', role('ecs-execution'), 'ecr:PutImage', { 'aws:SourceIp': '192.0.2.1' }, 'Allowed'],
      ['Inspector still scans', INSPECTOR, 'ecr:BatchGetImage', {}, 'Allowed'],
      ['pull through another endpoint', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpce': 'vpce-0aaaaaaaaaaaaaaaa' }, 'ExplicitlyDenied'],
      ['pull from another address', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceIp': '192.0.2.1' }, 'ExplicitlyDenied'],
      ['pull from another VPC', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpc': 'vpc-0bbbbbbbbbbbbbbbb', 'aws:SourceVpce': 'vpce-0aaaaaaaaaaaaaaaa' }, 'ExplicitlyDenied'],
      ['push by a look-alike principal', role('ecs-execution-2'), 'ecr:PutImage', { 'aws:SourceIp': '192.0.2.1' }, 'ExplicitlyDenied'],
      ['plain HTTP through the endpoint', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpce': API, 'aws:SecureTransport': 'false' }, 'ExplicitlyDenied'],
      ['call through another service', ADMIN, 'ecr:BatchGetImage', { 'aws:CalledVia': ['athena.amazonaws.com'] }, 'ExplicitlyDenied'],
    ]);
  });
});

describe('a Service Catalog launch role exempt by exemptPrincipalArns', () => {
  const launchRole = role('ScanGuardSpokeLaunchRole');
  const t = Template.fromStack(new ScanGuardSpokeStack(testApp(), 'Product', { exemptPrincipalArns: [launchRole] })).toJSON();
  const policy = resolveWithParameters(t, EMPTY).Resources.Repository.Properties.RepositoryPolicyText;
  test('can update and delete the repository, which CloudFormation does as the launch role without aws:CalledVia', async () => {
    await expectDecisions(policy, [
      ['launch role sets the policy', launchRole, 'ecr:SetRepositoryPolicy', {}, 'Allowed'],
      ['launch role deletes the repository', launchRole, 'ecr:DeleteRepository', {}, 'Allowed'],
      ['another role is denied', role('ScanGuardSpokeLaunchRole2'), 'ecr:DeleteRepository', {}, 'ExplicitlyDenied'],
    ]);
  });
});

describe('spoke policy with CloudFormationPrincipalArns, evaluated with iam-simulate', () => {
  const deployer = role('spoke-deployer');
  const policy = policyWith({ ...EMPTY, CloudFormationPrincipalArns: `${deployer},${role('platform-*')}` });
  test('only the named principals get through CloudFormation, and only through CloudFormation alone', async () => {
    await expectDecisions(policy, [
      ['the deployer updates the policy through CloudFormation', deployer, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': [CFN] }, 'Allowed'],
      ['the deployer deletes the repository through CloudFormation', deployer, 'ecr:DeleteRepository', { 'aws:CalledVia': [CFN] }, 'Allowed'],
      ['a pattern-matched principal through CloudFormation', role('platform-ops'), 'ecr:DeleteRepository', { 'aws:CalledVia': [CFN] }, 'Allowed'],
      ['another principal through CloudFormation', ADMIN, 'ecr:DeleteRepository', { 'aws:CalledVia': [CFN] }, 'ExplicitlyDenied'],
      ['the deployer directly', deployer, 'ecr:DeleteRepository', {}, 'ExplicitlyDenied'],
      ['the deployer through another service and CloudFormation', deployer, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': ['athena.amazonaws.com', CFN] }, 'ExplicitlyDenied'],
      ['Inspector still scans', INSPECTOR, 'ecr:BatchGetImage', {}, 'Allowed'],
    ]);
  });
});

describe('spoke policy with CloudFormationPrincipalArns "*" (allowAnyCloudFormationCaller), evaluated with iam-simulate', () => {
  const t = Template.fromStack(new ScanGuardSpokeStack(testApp(), 'AnyCaller', { allowAnyCloudFormationCaller: true })).toJSON();
  const policy = resolveWithParameters(t, { ...EMPTY, CloudFormationPrincipalArns: '*' }).Resources.Repository.Properties.RepositoryPolicyText;
  test('any principal through CloudFormation alone, as chosen; chains through other services stay denied', async () => {
    await expectDecisions(policy, [
      ['any principal through CloudFormation', ADMIN, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': [CFN] }, 'Allowed'],
      ['through another service and CloudFormation', ADMIN, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': ['athena.amazonaws.com', CFN] }, 'ExplicitlyDenied'],
      ['directly', ADMIN, 'ecr:DeleteRepository', {}, 'ExplicitlyDenied'],
    ]);
  });
});
