import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { isEmailAddress } from '../../lib/notify/private/email';
import {
  EMAIL_PATTERN, isIpOrCidr, matchesPattern, OPTIONAL_IP_PATTERN, OPTIONAL_PRINCIPAL_ARN_OR_ANY_PATTERN, OPTIONAL_PRINCIPAL_ARN_PATTERN,
  OPTIONAL_VPC_ENDPOINT_PATTERN, OPTIONAL_VPC_ID_PATTERN, REPOSITORY_NAME_PATTERN,
} from '../../lib/deploy/private/deployment-values';
import { isBroadCidr, isPrincipalArn, isWholeAccountWildcard } from '../../lib/private/validation';
import { ScanGuardSpoke, ScanGuardSpokeStack, ScanGuardSpokeStackProps } from '../../lib/deploy/scan-guard-spoke';
import { Severity } from '../../lib/notify/severity';
import { testApp, testStack } from '../support/app';
import { complianceFindings } from '../support/compliance';
import { resolveWithParameters } from '../support/parameters';

function synth(props: ScanGuardSpokeStackProps = {}) {
  const app = testApp();
  const stack = new ScanGuardSpokeStack(app, 'Spoke', props);
  const assembly = app.synth();
  return { stack, artifact: assembly.getStackByName(stack.stackName), template: Template.fromStack(stack) };
}

// Synthesized once and shared; the variants below only where a prop changes the template.
const { stack, artifact, template } = synth();
const json = template.toJSON();
const REQUIRED = { RepositoryName: 'team/app', EMail: 'team@example.com' };

describe('ScanGuardSpokeStack template stands alone', () => {
  test('no assets, no bootstrap version check, no CDKMetadata', () => {
    expect(artifact.assets).toEqual([]);
    expect(artifact.dependencies.map((d) => d.id)).toEqual([]);
    expect(json.Parameters.BootstrapVersion).toBeUndefined();
    expect(json.Rules).toBeUndefined();
    expect(Object.values<any>(json.Resources).map((r) => r.Type)).not.toContain('AWS::CDK::Metadata');
  });

  test('no Metadata needs the CDK toolkit: only the parameter interface at the top, nothing but paths on resources', () => {
    expect(Object.keys(json.Metadata)).toEqual(['AWS::CloudFormation::Interface']);
    for (const resource of Object.values<any>(json.Resources)) {
      expect(Object.keys(resource.Metadata ?? {}).filter((k) => k !== 'aws:cdk:path')).toEqual([]);
    }
  });

  test('holds no Lambda function and no custom resource', () => {
    const types = Object.values<any>(json.Resources).map((r) => r.Type).sort();
    expect(types).toEqual(['AWS::ECR::Repository', 'AWS::SNS::Subscription']);
  });

  test('deploys with only RepositoryName and EMail: every other parameter has a default', () => {
    const withoutDefault = Object.entries<any>(json.Parameters).filter(([, p]) => p.Default === undefined).map(([name]) => name);
    expect(withoutDefault.sort()).toEqual(['EMail', 'RepositoryName']);
    // and the template resolves with those two values alone
    expect(() => resolveWithParameters(json, REQUIRED)).not.toThrow();
  });

  test('has the parameter names of the widely copied template, plus the optional ones', () => {
    expect(Object.keys(json.Parameters).sort()).toEqual([
      'AdditionalSourceCidrs', 'AllowedPrincipalArns', 'AllowedVpcIds', 'CloudFormationPrincipalArns', 'EMail', 'EcrApiVpcEndpointId', 'EcrDkrVpcEndpointId',
      'HubTopicArn', 'MinimumSeverity', 'MyIP', 'RepositoryName',
    ]);
    template.hasParameter('AdditionalSourceCidrs', { Type: 'CommaDelimitedList', Default: '' });
    template.hasParameter('MinimumSeverity', { Type: 'String', Default: '', AllowedValues: ['', 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] });
  });

  test('the hub topic ARN defaults to the documented SSM parameter', () => {
    template.hasParameter('HubTopicArn', { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-ecr-scan-guard/default/topic-arn' });
  });
});

describe('parameter patterns', () => {
  const email = json.Parameters.EMail.AllowedPattern;
  test.each(['team@example.com', 'first.last+ecr@sub.example.co.jp'])('EMail accepts %s', (address) => {
    expect(matchesPattern(email, address)).toBe(true);
    expect(isEmailAddress(address)).toBe(true);
  });
  test.each(['team', 'team@localhost', 'a b@example.com', '@example.com', 'team@example.com '])('EMail rejects %j, as the construct check does', (address) => {
    expect(matchesPattern(email, address)).toBe(false);
    expect(isEmailAddress(address)).toBe(false);
  });
  test('EMail pattern is the construct pattern', () => {
    expect(email).toBe(EMAIL_PATTERN);
  });
  test.each([['team/app', true], ['app', true], ['a.b_c-d/e', true], ['Team/App', false], ['team//app', false], ['-app', false]])('RepositoryName %s: %s', (name, ok) => {
    expect(matchesPattern(REPOSITORY_NAME_PATTERN, name as string)).toBe(ok);
  });
  test.each([['', true], ['vpce-0123456789abcdef0', true], ['vpce-01234567', true], ['vpc-0123456789abcdef0', false], ['vpce-XYZ', false]])('VPC endpoint %j: %s', (id, ok) => {
    expect(matchesPattern(OPTIONAL_VPC_ENDPOINT_PATTERN, id as string)).toBe(ok);
  });
  test.each([['', true], ['203.0.113.10', true], ['203.0.113.0/24', true], ['2001:db8::/32', true], ['any', false], ['203.0.113.0/24,198.51.100.0/24', false],
    ['0.0.0.0/0', false], ['::/0', false], ['10.0.0.0/1', false], ['198.51.0.0/15', false], ['2000::/3', false], ['300.1.1.1', false], ['::', true]])('MyIP %j: %s', (ip, ok) => {
    expect(matchesPattern(OPTIONAL_IP_PATTERN, ip as string)).toBe(ok);
  });

  test('every address parameter has the IP pattern; every list parameter has a pattern, matched per value', () => {
    expect(json.Parameters.MyIP.AllowedPattern).toBe(OPTIONAL_IP_PATTERN);
    expect(json.Parameters.AdditionalSourceCidrs.AllowedPattern).toBe(OPTIONAL_IP_PATTERN);
    expect(json.Parameters.AllowedVpcIds.AllowedPattern).toBe(OPTIONAL_VPC_ID_PATTERN);
    expect(json.Parameters.AllowedPrincipalArns.AllowedPattern).toBe(OPTIONAL_PRINCIPAL_ARN_PATTERN);
    expect(json.Parameters.CloudFormationPrincipalArns.AllowedPattern).toBe(OPTIONAL_PRINCIPAL_ARN_PATTERN);
    const unconstrained = Object.entries<any>(json.Parameters)
      .filter(([, p]) => p.Type !== 'AWS::SSM::Parameter::Value<String>' && !p.AllowedPattern && !p.AllowedValues).map(([name]) => name);
    expect(unconstrained).toEqual([]);
  });

  // The pattern and the library's range logic agree on every prefix length of both families.
  test.each([...Array.from({ length: 33 }, (_, n) => `198.51.100.0/${n}`), ...Array.from({ length: 129 }, (_, n) => `2001:db8::/${n}`)])('%s: pattern accepts it exactly when the library finds it narrow', (cidr) => {
    expect(matchesPattern(OPTIONAL_IP_PATTERN, cidr)).toBe(isIpOrCidr(cidr) && !isBroadCidr(cidr));
  });

  test.each([['', true], ['vpc-0abc1234def567890', true], ['vpc-01234567', true], ['vpce-0123456789abcdef0', false], ['*', false], ['vpc-*', false]])('AllowedVpcIds value %j: %s', (id, ok) => {
    expect(matchesPattern(OPTIONAL_VPC_ID_PATTERN, id as string)).toBe(ok);
  });

  test.each([
    ['', true], ['arn:aws:iam::111111111111:role/ci-*', true], ['arn:aws:iam::111111111111:root', true], ['arn:aws:iam::111111111111:user/path/ci', true],
    ['arn:aws:iam::111111111111:role/service-role/*', true],
    ['*', false], ['arn:aws:iam::111111111111:role/*', false], ['arn:aws:iam::111111111111:user/?*', false], ['arn:aws:iam::111111111111:role/*/*', false],
    ['arn:aws:iam::*:role/ci', false], ['arn:aws:s3:::bucket', false],
  ])('AllowedPrincipalArns value %j: %s, as the library decides', (arn, ok) => {
    expect(matchesPattern(OPTIONAL_PRINCIPAL_ARN_PATTERN, arn as string)).toBe(ok);
    if (arn !== '') expect(isPrincipalArn(arn as string) && !isWholeAccountWildcard(arn as string)).toBe(ok);
  });

  test('"*" in CloudFormationPrincipalArns only with allowAnyCloudFormationCaller', () => {
    expect(matchesPattern(OPTIONAL_PRINCIPAL_ARN_PATTERN, '*')).toBe(false);
    expect(matchesPattern(OPTIONAL_PRINCIPAL_ARN_OR_ANY_PATTERN, '*')).toBe(true);
    expect(matchesPattern(OPTIONAL_PRINCIPAL_ARN_OR_ANY_PATTERN, 'arn:aws:iam::111111111111:role/*')).toBe(false);
    const { template: t } = synth({ allowAnyCloudFormationCaller: true, parameterDefaults: { cloudFormationPrincipalArns: ['*'] } });
    t.hasParameter('CloudFormationPrincipalArns', { AllowedPattern: OPTIONAL_PRINCIPAL_ARN_OR_ANY_PATTERN, Default: '*' });
  });
});

describe('parameters are wired into the repository and the subscription', () => {
  test('the repository takes its name from RepositoryName and keeps the guarded defaults', () => {
    template.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: { Ref: 'RepositoryName' },
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      EncryptionConfiguration: Match.absent(),
      LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('untagged') },
    });
  });

  test('the e-mail subscription goes to the hub topic, in the topic\'s region, filtered on repository and account', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: { Ref: 'HubTopicArn' },
      Protocol: 'email',
      Endpoint: { Ref: 'EMail' },
      FilterPolicyScope: 'MessageAttributes',
      Region: { 'Fn::Select': [3, { 'Fn::Split': [':', { Ref: 'HubTopicArn' }] }] },
      FilterPolicy: Match.objectLike({ repository: [{ Ref: 'RepositoryName' }], account: [{ Ref: 'AWS::AccountId' }] }),
    });
  });

  const filterPolicy = (params: Record<string, string>) => {
    const resolved = resolveWithParameters(json, { ...REQUIRED, HubTopicArn: 'arn:aws:sns:eu-west-1:999999999999:hub', ...params });
    return Object.values<any>(resolved.Resources).find((r) => r.Type === 'AWS::SNS::Subscription').Properties;
  };

  test('with MinimumSeverity empty, the filter has no severity key at all', () => {
    const props = filterPolicy({ MinimumSeverity: '' });
    expect(props.FilterPolicy).toEqual({ repository: ['team/app'], account: ['111111111111'] });
    expect(props.Region).toBe('eu-west-1');
  });

  test.each([
    ['CRITICAL', ['CRITICAL']],
    ['HIGH', ['CRITICAL', 'HIGH']],
    ['MEDIUM', ['CRITICAL', 'HIGH', 'MEDIUM']],
    ['LOW', ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']],
    ['INFORMATIONAL', ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL']],
    ['UNTRIAGED', ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED']],
  ])('with MinimumSeverity %s, the filter admits %j (never NONE)', (minimum, severities) => {
    expect(filterPolicy({ MinimumSeverity: minimum }).FilterPolicy.severity).toEqual(severities);
  });

  test('repository, URI and subscription are outputs', () => {
    expect(Object.keys(json.Outputs).sort()).toEqual(['RepositoryArn', 'RepositoryUri', 'SubscriptionArn']);
  });
});

describe('ScanGuardSpoke props', () => {
  test('parameterDefaults become the parameters\' defaults', () => {
    const { template: t } = synth({
      parameterDefaults: {
        repositoryName: 'team/app', email: 'team@example.com', ecrApiVpcEndpointId: 'vpce-0123456789abcdef0',
        ecrDkrVpcEndpointId: 'vpce-0fedcba9876543210', myIp: '203.0.113.0/24', additionalSourceCidrs: ['198.51.100.0/24', '192.0.2.0/24'],
        allowedVpcIds: ['vpc-0abc1234def567890'], allowedPrincipalArns: ['arn:aws:iam::111111111111:role/ci-*'], minimumSeverity: Severity.HIGH,
      },
    });
    t.hasParameter('RepositoryName', { Default: 'team/app' });
    t.hasParameter('EMail', { Default: 'team@example.com' });
    t.hasParameter('EcrApiVpcEndpointId', { Default: 'vpce-0123456789abcdef0' });
    t.hasParameter('EcrDkrVpcEndpointId', { Default: 'vpce-0fedcba9876543210' });
    t.hasParameter('MyIP', { Default: '203.0.113.0/24' });
    t.hasParameter('AdditionalSourceCidrs', { Default: '198.51.100.0/24,192.0.2.0/24' });
    t.hasParameter('AllowedVpcIds', { Default: 'vpc-0abc1234def567890' });
    t.hasParameter('AllowedPrincipalArns', { Default: 'arn:aws:iam::111111111111:role/ci-*' });
    t.hasParameter('MinimumSeverity', { Default: 'HIGH' });
  });

  test('hubTopicArn makes HubTopicArn a plain String parameter with that default', () => {
    const { template: t } = synth({ hubTopicArn: 'arn:aws:sns:us-east-1:222222222222:hub-topic' });
    t.hasParameter('HubTopicArn', { Type: 'String', Default: 'arn:aws:sns:us-east-1:222222222222:hub-topic', AllowedPattern: Match.anyValue() });
  });

  test('hubTopicArnParameterName changes the SSM parameter read', () => {
    const { template: t } = synth({ hubTopicArnParameterName: '/cdk-ecr-scan-guard/prod/topic-arn' });
    t.hasParameter('HubTopicArn', { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-ecr-scan-guard/prod/topic-arn' });
  });

  test('exemptPrincipalArns are in the policy whatever the parameters say', () => {
    const role = 'arn:aws:iam::111111111111:role/ScanGuardSpokeLaunchRole';
    const { template: t } = synth({ exemptPrincipalArns: [role] });
    const resolved = resolveWithParameters(t.toJSON(), REQUIRED);
    const policy = resolved.Resources.Repository.Properties.RepositoryPolicyText;
    expect(policy.Statement[1].Condition.ArnNotLike['aws:PrincipalArn']).toContain(role);
  });

  test('allowLambdaPulls adds the Lambda statements', () => {
    const { template: t } = synth({ allowLambdaPulls: true });
    const resolved = resolveWithParameters(t.toJSON(), REQUIRED);
    const sids = resolved.Resources.Repository.Properties.RepositoryPolicyText.Statement.map((s: any) => s.Sid);
    expect(sids).toEqual(['DenyInsecureTransport', 'DenyOutsideApprovedNetworks', 'DenyCalledViaOtherServices', 'DenyCloudFormationByOtherPrincipals',
      'AllowLambdaPulls', 'DenyLambdaBeyondPull']);
  });

  test('the stack synthesizes without the bootstrap asset bucket (BootstraplessSynthesizer)', () => {
    expect(stack.synthesizer.constructor.name).toBe('BootstraplessSynthesizer');
  });
});

describe('ScanGuardSpoke validation', () => {
  test.each<[string, ScanGuardSpokeStackProps, RegExp]>([
    ['repositoryName', { parameterDefaults: { repositoryName: 'Team/App' } }, /parameterDefaults.repositoryName is "Team\/App": expected an ECR repository name/],
    ['email', { parameterDefaults: { email: 'team' } }, /parameterDefaults.email is "team": expected an e-mail address/],
    ['ecrApiVpcEndpointId', { parameterDefaults: { ecrApiVpcEndpointId: 'vpc-1' } }, /parameterDefaults.ecrApiVpcEndpointId is "vpc-1": expected a VPC endpoint id/],
    ['ecrDkrVpcEndpointId', { parameterDefaults: { ecrDkrVpcEndpointId: 'x' } }, /parameterDefaults.ecrDkrVpcEndpointId is "x"/],
    ['myIp', { parameterDefaults: { myIp: '300.1.1.1' } }, /parameterDefaults.myIp is "300.1.1.1": expected a public IP address or CIDR block/],
    ['additionalSourceCidrs', { parameterDefaults: { additionalSourceCidrs: ['203.0.113.0/24', 'nope'] } }, /parameterDefaults.additionalSourceCidrs\[1\] is "nope": expected a public IP address or CIDR block/],
    ['allowedVpcIds', { parameterDefaults: { allowedVpcIds: ['vpce-0123456789abcdef0'] } }, /parameterDefaults.allowedVpcIds\[0\] is "vpce-0123456789abcdef0": expected a VPC id/],
    ['allowedPrincipalArns', { parameterDefaults: { allowedPrincipalArns: ['ci-role'] } }, /parameterDefaults.allowedPrincipalArns\[0\] is "ci-role"/],
    ['allowedPrincipalArns', { parameterDefaults: { allowedPrincipalArns: ['arn:aws:iam::111111111111:role/*'] } }, /parameterDefaults.allowedPrincipalArns\[0\].*every role or user of the account/],
    ['myIp', { parameterDefaults: { myIp: '0.0.0.0/0' } }, /parameterDefaults.myIp is "0.0.0.0\/0": expected a public IP address or CIDR block no broader than a \/16/],
    ['myIp', { parameterDefaults: { myIp: '::/0' } }, /parameterDefaults.myIp is "::\/0"/],
    ['additionalSourceCidrs', { parameterDefaults: { additionalSourceCidrs: ['10.0.0.0/1'] } }, /parameterDefaults.additionalSourceCidrs\[0\] is "10.0.0.0\/1": expected .* no broader than/],
    ['cloudFormationPrincipalArns', { parameterDefaults: { cloudFormationPrincipalArns: ['*'] } }, /parameterDefaults.cloudFormationPrincipalArns is \["\*"\]: "\*" exempts calls through CloudFormation by any principal/],
    ['cloudFormationPrincipalArns', { parameterDefaults: { cloudFormationPrincipalArns: ['arn:aws:iam::111111111111:user/*'] } }, /parameterDefaults.cloudFormationPrincipalArns\[0\].*every role or user/],
    ['exemptPrincipalArns', { exemptPrincipalArns: ['arn:aws:iam::111111111111:role/*'] }, /exemptPrincipalArns\[0\].*every role or user/],
    ['exemptPrincipalArns', { exemptPrincipalArns: ['arn:aws:s3:::bucket'] }, /exemptPrincipalArns\[0\] is "arn:aws:s3:::bucket"/],
    ['hubTopicArn', { hubTopicArn: 'arn:aws:sqs:us-east-1:111111111111:q' }, /hubTopicArn is "arn:aws:sqs:us-east-1:111111111111:q": expected an SNS topic ARN/],
    ['hubTopicArnParameterName', { hubTopicArnParameterName: 'topic arn' }, /hubTopicArnParameterName is "topic arn": expected an SSM parameter name/],
  ])('a bad %s throws, naming it and the value', (_name, props, message) => {
    expect(() => new ScanGuardSpokeStack(testApp(), 'Bad', props)).toThrow(message);
  });

  test('a deploy-time hubTopicArn throws: the template cannot reference another stack', () => {
    const app = testApp();
    const other = testStack('Other', {}, app);
    const topic = new sns.Topic(other, 'T');
    expect(() => new ScanGuardSpokeStack(app, 'Bad', { hubTopicArn: topic.topicArn })).toThrow(/hubTopicArn is a deploy-time value/);
  });

  test('a second spoke in the same stack throws', () => {
    const s = new ScanGuardSpokeStack(testApp(), 'Two');
    expect(() => new ScanGuardSpoke(s, 'Second')).toThrow(/already has a ScanGuardSpoke \(Two\/Spoke\).*one stack per repository/);
  });

  test('a private default source address warns', () => {
    const { stack: s } = synth({ parameterDefaults: { myIp: '10.1.0.0/16' } });
    Annotations.fromStack(s).hasWarning('/Spoke/Spoke', Match.stringLikeRegexp('10.1.0.0/16, a private or non-public range'));
  });

  test('public defaults do not warn', () => {
    const { stack: s } = synth({ parameterDefaults: { myIp: '203.0.113.0/24' } });
    Annotations.fromStack(s).hasNoWarning('*', Match.anyValue());
  });
});

describe('Compliance', () => {
  test('the spoke template has no unacknowledged cdk-nag or Control Tower finding', () => {
    const findings = complianceFindings((app) => {
      new ScanGuardSpokeStack(app, 'Spoke', { parameterDefaults: { repositoryName: 'team/app', email: 'team@example.com' } });
    });
    expect(findings).toEqual([]);
  });
});
