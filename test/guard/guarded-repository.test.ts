import { CfnParameter, CliCredentialsStackSynthesizer, DefaultStackSynthesizer, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { GuardedRepository, GuardedRepositoryProps, RepositoryGuard } from '../../lib';
import { testStack } from '../support/app';

const ENDPOINTS = { allowedVpcEndpointIds: ['vpce-0123456789abcdef0'] };

function statementsOf(template: Template): any[] {
  const repos = template.findResources('AWS::ECR::Repository');
  return Object.values(repos)[0].Properties.RepositoryPolicyText.Statement;
}

describe('GuardedRepository defaults', () => {
  const stack = testStack();
  new GuardedRepository(stack, 'Repo', ENDPOINTS);
  const template = Template.fromStack(stack);

  test('tags are immutable, scan on push is on, untagged images expire', () => {
    template.hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      LifecyclePolicy: { LifecyclePolicyText: Match.serializedJson(Match.objectLike({
        rules: [Match.objectLike({ selection: Match.objectLike({ tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14 }) })],
      })) },
    });
  });

  test('images are encrypted with AES256', () => {
    template.hasResourceProperties('AWS::ECR::Repository', { EncryptionConfiguration: { EncryptionType: 'AES256' } });
  });

  test('denies plain HTTP and everything outside the exemptions', () => {
    const statements = statementsOf(template);
    expect(statements.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyOutsideApprovedNetworks']);
    expect(statements[0]).toMatchObject({ Effect: 'Deny', Action: 'ecr:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    // No aws:CalledVia exemption by default: cdk deploy acts as the exempt execution role.
    expect(JSON.stringify(statements)).not.toContain('aws:CalledVia');
    expect(statements[1].Condition.StringNotEquals).toEqual({ 'aws:SourceVpce': ['vpce-0123456789abcdef0'] });
    expect(statements[1].Condition.NotIpAddress).toBeUndefined();
  });

  test('exempts the CDK CloudFormation execution role through Fn::Sub, so its placeholders resolve', () => {
    const principals = statementsOf(template)[1].Condition.ArnNotLike['aws:PrincipalArn'];
    expect(principals).toContainEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1' });
  });

  test('warns about no exemption only when there is none', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('no exemption'));
  });
});

describe('GuardedRepository overrides', () => {
  test('every default can be overridden', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    new GuardedRepository(stack, 'Repo', {
      ...ENDPOINTS,
      imageTagMutability: ecr.TagMutability.MUTABLE,
      imageScanOnPush: false,
      encryptionKey: key,
      lifecycleRules: [{ maxImageCount: 5 }],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: 'MUTABLE',
      ImageScanningConfiguration: { ScanOnPush: false },
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: Match.anyValue() },
      LifecyclePolicy: { LifecyclePolicyText: Match.serializedJson(Match.objectLike({ rules: [Match.objectLike({ selection: Match.objectLike({ countType: 'imageCountMoreThan', countNumber: 5 }) })] })) },
    });
  });

  test('grants keep working on the drop-in repository', () => {
    const stack = testStack();
    const repo = new GuardedRepository(stack, 'Repo', ENDPOINTS);
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.AccountRootPrincipal() });
    repo.grantPull(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ecr:BatchGetImage']) })]) },
    });
  });

  test('every exemption lands in its condition key', () => {
    const stack = testStack();
    new GuardedRepository(stack, 'Repo', {
      allowedVpcEndpointIds: ['vpce-0123456789abcdef0'],
      allowedSourceCidrs: ['203.0.113.0/24'],
      allowedVpcIds: ['vpc-0abc1234'],
      allowedPrincipalArns: ['arn:aws:iam::111111111111:role/ci'],
      allowLambdaPulls: true,
    });
    const statements = statementsOf(Template.fromStack(stack));
    expect(statements.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyOutsideApprovedNetworks', 'AllowLambdaPulls', 'DenyLambdaBeyondPull']);
    expect(statements[1].Condition.StringNotEquals).toEqual({
      'aws:SourceVpce': ['vpce-0123456789abcdef0'],
      'aws:SourceVpc': ['vpc-0abc1234'],
      'aws:PrincipalServiceName': ['lambda.amazonaws.com'],
    });
    expect(statements[1].Condition.NotIpAddress).toEqual({ 'aws:SourceIp': ['203.0.113.0/24'] });
    expect(statements[1].Condition.ArnNotLike['aws:PrincipalArn']).toContain('arn:aws:iam::111111111111:role/ci');
    expect(statements[2]).toMatchObject({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] });
    expect(statements[3]).toMatchObject({ Effect: 'Deny', NotAction: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] });
  });
});

describe('deployment role exemption follows the synthesizer', () => {
  const principalsFor = (stack: Stack) => {
    new GuardedRepository(stack, 'Repo', ENDPOINTS);
    return statementsOf(Template.fromStack(stack))[1].Condition.ArnNotLike['aws:PrincipalArn'];
  };

  test('a custom bootstrap qualifier is used', () => {
    const principals = principalsFor(testStack('Q', { synthesizer: new DefaultStackSynthesizer({ qualifier: 'team42' }) }));
    expect(JSON.stringify(principals)).toContain('cdk-team42-cfn-exec-role');
  });

  test('a synthesizer without an execution role adds no role, and warns that no deployment principal is exempt', () => {
    const stack = testStack('C', { synthesizer: new CliCredentialsStackSynthesizer() });
    const principals = principalsFor(stack);
    expect(principals).toHaveLength(1);
    expect(JSON.stringify(principals)).toContain('AWSServiceRoleForAmazonInspector2');
    Annotations.fromStack(stack).hasWarning('/C/Repo/Guard', Match.stringLikeRegexp('no deployment principal is exempt'));
  });

  test('with cloudFormationPrincipalArns, that synthesizer gives no warning', () => {
    const stack = testStack('C', { synthesizer: new CliCredentialsStackSynthesizer() });
    new GuardedRepository(stack, 'Repo', { ...ENDPOINTS, cloudFormationPrincipalArns: ['arn:aws:iam::111111111111:role/deployer'] });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('no deployment principal'));
  });
});

describe('the CloudFormation exemption', () => {
  const build = (props: GuardedRepositoryProps) => {
    const stack = testStack();
    new GuardedRepository(stack, 'Repo', { ...ENDPOINTS, ...props });
    return { stack, statements: statementsOf(Template.fromStack(stack)) };
  };

  test('named principals: CalledVia exemption, a deny for other services in the chain, a deny for other principals', () => {
    const { statements } = build({ cloudFormationPrincipalArns: ['arn:aws:iam::111111111111:role/deployer'] });
    expect(statements.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyOutsideApprovedNetworks', 'DenyCalledViaOtherServices', 'DenyCloudFormationByOtherPrincipals']);
    expect(statements[1].Condition['ForAllValues:StringNotEquals']).toEqual({ 'aws:CalledVia': ['cloudformation.amazonaws.com'] });
    expect(statements[2].Condition['ForAnyValue:StringNotEquals']).toEqual({ 'aws:CalledVia': ['cloudformation.amazonaws.com'] });
    expect(statements[3].Condition['ForAnyValue:StringEquals']).toEqual({ 'aws:CalledVia': ['cloudformation.amazonaws.com'] });
    expect(statements[3].Condition.ArnNotLike['aws:PrincipalArn']).toContain('arn:aws:iam::111111111111:role/deployer');
    expect(statements[1].Condition.ArnNotLike['aws:PrincipalArn']).not.toContain('arn:aws:iam::111111111111:role/deployer');
  });

  test('allowAnyCloudFormationCaller keeps the exemption for anyone, and warns', () => {
    const { stack, statements } = build({ allowAnyCloudFormationCaller: true });
    expect(statements.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyOutsideApprovedNetworks', 'DenyCalledViaOtherServices']);
    Annotations.fromStack(stack).hasWarning('/Test/Repo/Guard', Match.stringLikeRegexp('allowAnyCloudFormationCaller lets anyone with CloudFormation'));
  });

  test('both at once throws', () => {
    expect(() => build({ allowAnyCloudFormationCaller: true, cloudFormationPrincipalArns: ['arn:aws:iam::111111111111:role/deployer'] }))
      .toThrow(/cloudFormationPrincipalArns is \["arn:aws:iam::111111111111:role\/deployer"\] while allowAnyCloudFormationCaller is true/);
  });
});

describe('validation', () => {
  const build = (props: GuardedRepositoryProps) => new GuardedRepository(testStack(), 'Repo', props);

  test.each([
    ['allowedVpcEndpointIds', { allowedVpcEndpointIds: ['vpce-123'] }, /allowedVpcEndpointIds\[0\] is "vpce-123": expected a VPC endpoint id/],
    ['allowedVpcEndpointIds', { allowedVpcEndpointIds: ['vpc-0123456789abcdef0'] }, /allowedVpcEndpointIds\[0\] is "vpc-0123456789abcdef0"/],
    ['allowedVpcIds', { allowedVpcIds: ['vpce-0123456789abcdef0'] }, /allowedVpcIds\[0\] is "vpce-0123456789abcdef0": expected a VPC id/],
    ['allowedSourceCidrs', { allowedSourceCidrs: ['203.0.113.0'] }, /allowedSourceCidrs\[0\] is "203.0.113.0": expected an IPv4 or IPv6 CIDR/],
    ['allowedSourceCidrs', { allowedSourceCidrs: ['203.0.113.0/33'] }, /allowedSourceCidrs\[0\] is "203.0.113.0\/33"/],
    ['allowedSourceCidrs', { allowedSourceCidrs: ['2001:db8::/129'] }, /allowedSourceCidrs\[0\] is "2001:db8::\/129"/],
    ['allowedSourceCidrs', { allowedSourceCidrs: ['example.com/24'] }, /allowedSourceCidrs\[0\] is "example.com\/24"/],
    ['allowedPrincipalArns', { allowedPrincipalArns: ['ci-role'] }, /allowedPrincipalArns\[0\] is "ci-role": expected an IAM role, user or root ARN/],
    ['allowedPrincipalArns', { allowedPrincipalArns: ['arn:aws:iam::1111:role/x'] }, /allowedPrincipalArns\[0\]/],
    ['allowedPrincipalArns', { allowedPrincipalArns: ['arn:aws:s3:::bucket'] }, /allowedPrincipalArns\[0\]/],
    ['allowedPrincipalArns', { allowedPrincipalArns: ['*'] }, /allowedPrincipalArns\[0\] is "\*": expected an IAM role, user or root ARN/],
    ['allowedPrincipalArns', { allowedPrincipalArns: ['arn:aws:iam::111111111111:role/*'] }, /allowedPrincipalArns\[0\] is "arn:aws:iam::111111111111:role\/\*": expected a role or user name.*every role or user of the account/],
    ['allowedPrincipalArns', { allowedPrincipalArns: ['arn:aws:iam::111111111111:user/?*'] }, /allowedPrincipalArns\[0\] is "arn:aws:iam::111111111111:user\/\?\*"/],
    ['allowedPrincipalArns', { allowedPrincipalArns: ['arn:aws:iam::111111111111:role/*/*'] }, /every role or user of the account/],
    ['cloudFormationPrincipalArns', { cloudFormationPrincipalArns: ['arn:aws:iam::111111111111:role/*'] }, /cloudFormationPrincipalArns\[0\].*every role or user/],
    ['allowedSourceCidrs', { allowedSourceCidrs: ['0.0.0.0/0'] }, /allowedSourceCidrs\[0\] is "0.0.0.0\/0": expected a narrower block: a \/0 covers every address/],
    ['allowedSourceCidrs', { allowedSourceCidrs: ['203.0.113.0/24', '::/0'] }, /allowedSourceCidrs\[1\] is "::\/0": expected a narrower block/],
    ['allowedSourceCidrs', { allowedSourceCidrs: ['10.1.2.3/0'] }, /allowedSourceCidrs\[0\] is "10.1.2.3\/0"/],
  ])('a malformed %s throws an error naming the prop and value', (_prop, props, message) => {
    expect(() => build(props as GuardedRepositoryProps)).toThrow(message);
  });

  test('valid values of every form are accepted', () => {
    expect(() => build({
      allowedVpcEndpointIds: ['vpce-01234567', 'vpce-0123456789abcdef0'],
      allowedVpcIds: ['vpc-01234567'],
      allowedSourceCidrs: ['198.51.100.0/24', '2001:db8::/32', '192.0.2.1/32'],
      allowedPrincipalArns: ['arn:aws:iam::111111111111:root', 'arn:aws-us-gov:iam::111111111111:user/path/ci', 'arn:aws:iam::111111111111:role/ci-*',
        'arn:aws:iam::111111111111:role/service-role/*'],
    })).not.toThrow();
  });

  test('tokens are skipped', () => {
    const stack = testStack();
    const endpoint = new CfnParameter(stack, 'Endpoint').valueAsString;
    expect(() => new GuardedRepository(stack, 'Repo', { allowedVpcEndpointIds: [endpoint], allowedSourceCidrs: [endpoint] })).not.toThrow();
  });

  test('a private CIDR warns that aws:SourceIp never carries it', () => {
    const stack = testStack();
    new GuardedRepository(stack, 'Repo', { allowedSourceCidrs: ['10.0.0.0/16', '203.0.113.0/24', 'fd00::/8'] });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('private or non-public range'));
    expect(warnings.map((w) => w.entry.data)).toEqual([
      expect.stringContaining('10.0.0.0/16'),
      expect.stringContaining('fd00::/8'),
    ]);
  });

  test('a broad range warns, judged by the range it covers, not its first address', () => {
    const stack = testStack();
    new GuardedRepository(stack, 'Repo', { allowedSourceCidrs: ['10.0.0.0/1', '128.0.0.0/2', '2000::/3', '198.51.0.0/16', '2001:db8::/32'] });
    const annotations = Annotations.fromStack(stack);
    const broad = annotations.findWarning('*', Match.stringLikeRegexp('a very broad range'));
    expect(broad.map((w) => w.entry.data)).toEqual([
      expect.stringContaining('10.0.0.0/1'),
      expect.stringContaining('128.0.0.0/2'),
      expect.stringContaining('2000::/3'),
    ]);
    // 10.0.0.0/1 covers 8.8.8.8: it is not a private range that never matches.
    annotations.hasNoWarning('*', Match.stringLikeRegexp('private or non-public'));
  });

  test('a guard with no exemption warns who can still reach the repository', () => {
    const stack = testStack();
    new GuardedRepository(stack, 'Repo');
    Annotations.fromStack(stack).hasWarning('/Test/Repo/Guard', Match.stringLikeRegexp('only deployments and Amazon Inspector can reach the repository'));
  });

  test('Lambda pulls alone count as an exemption', () => {
    const stack = testStack();
    new GuardedRepository(stack, 'Repo', { allowLambdaPulls: true });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('no exemption'));
  });
});

describe('RepositoryGuard on repositories created elsewhere', () => {
  test('adds the same statements to an existing ecr.Repository', () => {
    const stack = testStack();
    const repo = new ecr.Repository(stack, 'Legacy', { lifecycleRules: [{ maxImageAge: Duration.days(30) }] });
    new RepositoryGuard(stack, 'Guard', { repository: repo, allowedVpcIds: ['vpc-0abc1234'] });
    const statements = statementsOf(Template.fromStack(stack));
    expect(statements.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyOutsideApprovedNetworks']);
    expect(statements[1].Condition.StringNotEquals).toEqual({ 'aws:SourceVpc': ['vpc-0abc1234'] });
  });

  test('an imported repository throws, since its policy cannot be changed', () => {
    const stack = testStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'Imported', 'elsewhere');
    expect(() => new RepositoryGuard(stack, 'Guard', { repository: repo, allowedVpcIds: ['vpc-0abc1234'] }))
      .toThrow(/repository Test\/Imported is imported, so its resource policy cannot be changed here/);
  });

  test('validates like GuardedRepository', () => {
    const stack = testStack();
    const repo = new ecr.Repository(stack, 'Legacy');
    expect(() => new RepositoryGuard(stack, 'Guard', { repository: repo, allowedVpcIds: ['vpc-x'] })).toThrow(/allowedVpcIds\[0\] is "vpc-x"/);
  });
});
