import { Template } from 'aws-cdk-lib/assertions';
import { GuardedRepository, GuardedRepositoryProps } from '../../lib';
import { testStack } from '../support/app';
import { resolveTemplate, SIM_ACCOUNT, simulate } from '../support/simulate';

const EXEMPTIONS: GuardedRepositoryProps = {
  repositoryName: 'team/app',
  allowedVpcEndpointIds: ['vpce-0123456789abcdef0', 'vpce-0fedcba9876543210'],
  allowedSourceCidrs: ['203.0.113.0/24', '2001:db8::/32'],
  allowedVpcIds: ['vpc-0abc1234def567890'],
  allowedPrincipalArns: [`arn:aws:iam::${SIM_ACCOUNT}:role/ci-*`, `arn:aws:iam::${SIM_ACCOUNT}:role/ecs-execution`],
  allowLambdaPulls: true,
};

/** The repository policy of a guarded repository, resolved as CloudFormation would. */
function policyOf(props: GuardedRepositoryProps): any {
  const stack = testStack('PolicySim');
  const repository = new GuardedRepository(stack, 'Repo', props);
  const resolved = resolveTemplate(Template.fromStack(stack).toJSON());
  return resolved.Resources[stack.getLogicalId(repository.node.defaultChild as any)].Properties.RepositoryPolicyText;
}

// The policy is synthesized once and evaluated against real request contexts.
const policy = policyOf(EXEMPTIONS);
const repoArn = `arn:aws:ecr:us-east-1:${SIM_ACCOUNT}:repository/team/app`;

const role = (name: string, account = SIM_ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;
const ADMIN = role('Admin');
const INSPECTOR = role('aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2');
const CFN_EXEC = role(`cdk-hnb659fds-cfn-exec-role-${SIM_ACCOUNT}-us-east-1`);
const CFN = 'cloudformation.amazonaws.com';
const DEPLOYER = role('deployer');
const LAMBDA_CONTEXT = {
  'aws:PrincipalServiceName': 'lambda.amazonaws.com',
  'aws:SourceArn': `arn:aws:lambda:us-east-1:${SIM_ACCOUNT}:function:my-fn`,
  'aws:SourceAccount': SIM_ACCOUNT,
};

type Case = [string, string, string, Record<string, string | string[]>, string];
const cases: Case[] = [
  // Every exemption lets the request through.
  ['pull through the first approved VPC endpoint', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpce': 'vpce-0123456789abcdef0' }, 'Allowed'],
  ['push through the second approved VPC endpoint', ADMIN, 'ecr:PutImage', { 'aws:SourceVpce': 'vpce-0fedcba9876543210' }, 'Allowed'],
  ['pull from an approved IPv4 range', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceIp': '203.0.113.10' }, 'Allowed'],
  ['pull from an approved IPv6 range', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceIp': '2001:db8::1' }, 'Allowed'],
  ['pull from an approved VPC through another endpoint', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpc': 'vpc-0abc1234def567890', 'aws:SourceVpce': 'vpce-0aaaaaaaaaaaaaaaa' }, 'Allowed'],
  ['push by an approved principal from anywhere', role('ecs-execution'), 'ecr:PutImage', { 'aws:SourceIp': '198.51.100.7' }, 'Allowed'],
  ['push by a principal matching an approved wildcard', role('ci-builder'), 'ecr:PutImage', { 'aws:SourceIp': '198.51.100.7' }, 'Allowed'],
  ['scan by the account\'s Inspector service-linked role', INSPECTOR, 'ecr:BatchGetImage', {}, 'Allowed'],
  ['update by the CDK CloudFormation execution role', CFN_EXEC, 'ecr:PutLifecyclePolicy', {}, 'Allowed'],
  ['image pull by Lambda (BatchGetImage)', 'lambda.amazonaws.com', 'ecr:BatchGetImage', LAMBDA_CONTEXT, 'Allowed'],
  ['layer download by Lambda', 'lambda.amazonaws.com', 'ecr:GetDownloadUrlForLayer', LAMBDA_CONTEXT, 'Allowed'],
  // Each exemption's near miss is denied.
  ['pull through another VPC endpoint', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpce': 'vpce-0aaaaaaaaaaaaaaaa' }, 'ExplicitlyDenied'],
  ['pull from just outside the approved range', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceIp': '203.0.114.1' }, 'ExplicitlyDenied'],
  ['pull from another VPC', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpc': 'vpc-0bbbbbbbbbbbbbbbb', 'aws:SourceVpce': 'vpce-0aaaaaaaaaaaaaaaa' }, 'ExplicitlyDenied'],
  ['push by a role whose name only looks like the approved one', role('ecs-execution-2'), 'ecr:PutImage', { 'aws:SourceIp': '198.51.100.7' }, 'ExplicitlyDenied'],
  ['pull by a look-alike Inspector role outside the service-role path', role('AWSServiceRoleForAmazonInspector2'), 'ecr:BatchGetImage', {}, 'ExplicitlyDenied'],
  ['pull by a look-alike Inspector role with a suffix', `${INSPECTOR}Copy`, 'ecr:BatchGetImage', {}, 'ExplicitlyDenied'],
  ['pull by the Inspector role of another account', role('aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2', '222222222222'), 'ecr:BatchGetImage', {}, 'ExplicitlyDenied'],
  ['pull by the CDK execution role of another account', role('cdk-hnb659fds-cfn-exec-role-222222222222-us-east-1', '222222222222'), 'ecr:BatchGetImage', {}, 'ExplicitlyDenied'],
  ['call through another AWS service', ADMIN, 'ecr:BatchGetImage', { 'aws:CalledVia': ['athena.amazonaws.com'] }, 'ExplicitlyDenied'],
  // By default, a call through CloudFormation with the caller's own credentials gets no exemption.
  ['policy rewrite through CloudFormation (no principal named)', ADMIN, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': [CFN] }, 'ExplicitlyDenied'],
  ['repository deletion through CloudFormation (no principal named)', ADMIN, 'ecr:DeleteRepository', { 'aws:CalledVia': [CFN] }, 'ExplicitlyDenied'],
  ['direct call from outside', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceIp': '198.51.100.7' }, 'ExplicitlyDenied'],
  ['direct call with no network context', ADMIN, 'ecr:DescribeImages', {}, 'ExplicitlyDenied'],
  ['push by Lambda, beyond the pull actions', 'lambda.amazonaws.com', 'ecr:PutImage', LAMBDA_CONTEXT, 'ExplicitlyDenied'],
  ['pull by another service principal', 'codebuild.amazonaws.com', 'ecr:BatchGetImage', { 'aws:PrincipalServiceName': 'codebuild.amazonaws.com' }, 'ExplicitlyDenied'],
  // Plain HTTP is denied even for exempt callers.
  ['plain HTTP through an approved endpoint', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceVpce': 'vpce-0123456789abcdef0', 'aws:SecureTransport': 'false' }, 'ExplicitlyDenied'],
  ['plain HTTP by the Inspector role', INSPECTOR, 'ecr:BatchGetImage', { 'aws:SecureTransport': 'false' }, 'ExplicitlyDenied'],
  // Write actions from outside are denied.
  ['PutImage from outside', ADMIN, 'ecr:PutImage', { 'aws:SourceIp': '198.51.100.7' }, 'ExplicitlyDenied'],
  ['SetRepositoryPolicy from outside', ADMIN, 'ecr:SetRepositoryPolicy', { 'aws:SourceIp': '198.51.100.7' }, 'ExplicitlyDenied'],
  ['DeleteRepository from outside', ADMIN, 'ecr:DeleteRepository', { 'aws:SourceIp': '198.51.100.7' }, 'ExplicitlyDenied'],
];

describe('GuardedRepository policy, evaluated with iam-simulate', () => {
  test.each(cases)('%s', async (_name, principal, action, context, expected) => {
    const outcome = await simulate(policy, repoArn, { principal, action, context });
    expect(outcome.ignoredContextKeys).toEqual([]);
    expect(outcome.decision).toBe(expected);
  });

  test('a Lambda function of another account cannot pull', async () => {
    const outcome = await simulate(policy, repoArn, {
      principal: 'lambda.amazonaws.com',
      action: 'ecr:BatchGetImage',
      context: { ...LAMBDA_CONTEXT, 'aws:SourceArn': 'arn:aws:lambda:us-east-1:222222222222:function:x', 'aws:SourceAccount': '222222222222' },
    });
    expect(outcome.decision).not.toBe('Allowed');
  });
});

describe('the CloudFormation exemption limited to named principals, evaluated with iam-simulate', () => {
  const named = policyOf({ ...EXEMPTIONS, cloudFormationPrincipalArns: [DEPLOYER, role('stack-admin-*')] });
  test.each<Case>([
    ['the named deployer rewrites the policy through CloudFormation', DEPLOYER, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': [CFN] }, 'Allowed'],
    ['the named deployer deletes the repository through CloudFormation', DEPLOYER, 'ecr:DeleteRepository', { 'aws:CalledVia': [CFN] }, 'Allowed'],
    ['a principal matching a named pattern, through CloudFormation', role('stack-admin-blue'), 'ecr:PutLifecyclePolicy', { 'aws:CalledVia': [CFN] }, 'Allowed'],
    ['an approved principal through CloudFormation (exempt anyway)', role('ecs-execution'), 'ecr:PutImage', { 'aws:CalledVia': [CFN] }, 'Allowed'],
    ['the deployment role (no aws:CalledVia)', CFN_EXEC, 'ecr:DeleteRepository', {}, 'Allowed'],
    ['another principal rewrites the policy through CloudFormation', ADMIN, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': [CFN] }, 'ExplicitlyDenied'],
    ['another principal deletes the repository through CloudFormation', ADMIN, 'ecr:DeleteRepository', { 'aws:CalledVia': [CFN] }, 'ExplicitlyDenied'],
    ['a look-alike of the named deployer', role('deployer2'), 'ecr:DeleteRepository', { 'aws:CalledVia': [CFN] }, 'ExplicitlyDenied'],
    ['the named deployer directly, from outside', DEPLOYER, 'ecr:DeleteRepository', { 'aws:SourceIp': '198.51.100.7' }, 'ExplicitlyDenied'],
    ['the named deployer through another service, then CloudFormation', DEPLOYER, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': ['athena.amazonaws.com', CFN] }, 'ExplicitlyDenied'],
    ['the named deployer through CloudFormation, then another service', DEPLOYER, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': [CFN, 'athena.amazonaws.com'] }, 'ExplicitlyDenied'],
    ['through another service alone', DEPLOYER, 'ecr:BatchGetImage', { 'aws:CalledVia': ['athena.amazonaws.com'] }, 'ExplicitlyDenied'],
    ['network exemptions still apply to chains: through an approved endpoint', ADMIN, 'ecr:BatchGetImage', { 'aws:CalledVia': ['athena.amazonaws.com', CFN], 'aws:SourceVpce': 'vpce-0123456789abcdef0' }, 'Allowed'],
  ])('%s', async (_name, principal, action, context, expected) => {
    const outcome = await simulate(named, repoArn, { principal, action, context });
    expect(outcome.ignoredContextKeys).toEqual([]);
    expect(outcome.decision).toBe(expected);
  });
});

describe('allowAnyCloudFormationCaller (the earlier behaviour, chosen explicitly), evaluated with iam-simulate', () => {
  const any = policyOf({ ...EXEMPTIONS, allowAnyCloudFormationCaller: true });
  test.each<Case>([
    ['any principal through CloudFormation alone', ADMIN, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': [CFN] }, 'Allowed'],
    ['a chain through another service and CloudFormation is denied', ADMIN, 'ecr:SetRepositoryPolicy', { 'aws:CalledVia': ['athena.amazonaws.com', CFN] }, 'ExplicitlyDenied'],
    ['a chain through CloudFormation and another service is denied', ADMIN, 'ecr:DeleteRepository', { 'aws:CalledVia': [CFN, 'athena.amazonaws.com'] }, 'ExplicitlyDenied'],
    ['another service alone is denied', ADMIN, 'ecr:BatchGetImage', { 'aws:CalledVia': ['athena.amazonaws.com'] }, 'ExplicitlyDenied'],
    ['a direct call from outside is denied', ADMIN, 'ecr:BatchGetImage', { 'aws:SourceIp': '198.51.100.7' }, 'ExplicitlyDenied'],
  ])('%s', async (_name, principal, action, context, expected) => {
    const outcome = await simulate(any, repoArn, { principal, action, context });
    expect(outcome.ignoredContextKeys).toEqual([]);
    expect(outcome.decision).toBe(expected);
  });
});
