import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { ImagePolicy } from '../../lib/policy/image-policy';
import { ScanGuardHubStack, ScanGuardHubStackProps } from '../../lib/deploy/scan-guard-hub';
import { ScanGuardSpokeStack } from '../../lib/deploy/scan-guard-spoke';
import { TEST_ENV, testApp } from '../support/app';
import { complianceFindings } from '../support/compliance';
import { simulateResourcePolicy } from '../support/iam';
import { resolveTemplate } from '../support/simulate';

const ORG = 'o-a1b2c3d4e5';
const MEMBER = '222222222222';

function hub(props: ScanGuardHubStackProps = {}) {
  const stack = new ScanGuardHubStack(testApp(), 'Hub', { env: TEST_ENV, ...props });
  return { stack, template: Template.fromStack(stack) };
}

// The two hubs every test shares: a plain one and one that admits an organisation and an account.
const plain = hub();
const shared = hub({ organizationId: ORG, memberAccountIds: [MEMBER] });

describe('ScanGuardHubStack', () => {
  test('has the notifier (function, rule, topic, dead-letter queue, alarms) and enhanced scanning', () => {
    const t = plain.template;
    const fnId = plain.stack.getLogicalId(plain.stack.notifier.handler.node.defaultChild as any);
    expect(t.toJSON().Resources[fnId].Type).toBe('AWS::Lambda::Function');
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: { 'source': ['aws.inspector2'], 'detail-type': ['Inspector2 Scan'], 'detail': { 'repository-name': [{ prefix: 'arn:' }] } } });
    t.resourceCountIs('AWS::SNS::Topic', 1);
    t.resourceCountIs('AWS::SQS::Queue', 2); // the notifier's and the tamper alerts' dead-letter queues
    t.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    t.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', { ScanType: 'ENHANCED' });
  });

  test('publishes the topic ARN in the documented SSM parameter', () => {
    plain.template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/cdk-ecr-scan-guard/default/topic-arn',
      Type: 'String',
      Value: { Ref: plain.stack.getLogicalId(plain.stack.notifier.topic.node.defaultChild as sns.CfnTopic) },
    });
    plain.template.hasOutput('TopicArnParameterName', { Value: '/cdk-ecr-scan-guard/default/topic-arn' });
  });

  test('the spoke reads by default the parameter a default hub writes', () => {
    const spoke = Template.fromStack(new ScanGuardSpokeStack(testApp(), 'Spoke'));
    spoke.hasParameter('HubTopicArn', { Default: ScanGuardHubStack.topicArnParameterName() });
    expect(ScanGuardHubStack.topicArnParameterName()).toBe('/cdk-ecr-scan-guard/default/topic-arn');
  });

  test('hubName names the parameter', () => {
    const { template } = hub({ hubName: 'prod' });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdk-ecr-scan-guard/prod/topic-arn' });
    expect(ScanGuardHubStack.topicArnParameterName('prod')).toBe('/cdk-ecr-scan-guard/prod/topic-arn');
  });

  test('enhancedScanning: false leaves the registry scanning configuration out', () => {
    const { template } = hub({ enhancedScanning: false });
    template.resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 0);
  });

  test('notifier props reach the notifier', () => {
    const { template } = hub({ notifier: { emailAddresses: ['security@example.com'] } });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'security@example.com' });
  });

  test('admits no other account by default', () => {
    plain.template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    const policy = Object.values<any>(plain.template.toJSON().Resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy');
    expect(JSON.stringify(policy ?? {})).not.toContain('sns:Subscribe');
  });
});

describe('ScanGuardHubStack for an organisation', () => {
  const resolved = resolveTemplate(shared.template.toJSON());
  const busPolicies = Object.values<any>(resolved.Resources).filter((r) => r.Type === 'AWS::Events::EventBusPolicy');
  const topicPolicy = Object.values<any>(resolved.Resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy').Properties.PolicyDocument;
  const busArn = 'arn:aws:events:us-east-1:111111111111:event-bus/default';
  const topicArn = 'arn:aws:sns:us-east-1:111111111111:hub';
  const busPolicy = { Version: '2012-10-17', Statement: busPolicies.map((p) => p.Properties.Statement) };
  const memberRole = (account: string) => `arn:aws:iam::${account}:role/forwarder`;

  test('the default bus policy has one statement per admitted kind, each with its statement id', () => {
    expect(busPolicies.map((p) => [p.Properties.EventBusName, p.Properties.StatementId])).toEqual([
      ['default', 'ScanGuard-default-Organization'], ['default', 'ScanGuard-default-Accounts'],
    ]);
  });

  test.each([
    ['a role of an organisation account', 'Allowed', memberRole('333333333333'), { 'aws:PrincipalOrgID': ORG }],
    ['a role of a listed account', 'Allowed', memberRole(MEMBER), { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' }],
    ['a role of another organisation', 'ImplicitlyDenied', memberRole('444444444444'), { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' }],
    ['a role outside any organisation', 'ImplicitlyDenied', memberRole('444444444444'), {}],
  ])('events:PutEvents on the hub bus by %s: %s', async (_name, expected, principal, context) => {
    const decision = await simulateResourcePolicy(busPolicy, { principal, action: 'events:PutEvents', resource: busArn, resourceAccount: '111111111111', context });
    expect(decision).toBe(expected);
  });

  test.each([
    ['sns:Subscribe by a spoke deployment in an organisation account', 'Allowed', memberRole('333333333333'), 'sns:Subscribe', { 'aws:PrincipalOrgID': ORG }],
    ['sns:Subscribe by a spoke deployment in a listed account', 'Allowed', memberRole(MEMBER), 'sns:Subscribe', {}],
    ['sns:Subscribe from another organisation', 'ImplicitlyDenied', memberRole('444444444444'), 'sns:Subscribe', { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz' }],
    ['sns:Publish by an organisation account', 'ImplicitlyDenied', memberRole('333333333333'), 'sns:Publish', { 'aws:PrincipalOrgID': ORG }],
  ])('hub topic policy: %s: %s', async (_name, expected, principal, action, context) => {
    const decision = await simulateResourcePolicy(JSON.parse(JSON.stringify(topicPolicy).replace(/"NotifierTopic[A-Z0-9]+"/g, `"${topicArn}"`)),
      { principal, action, resource: topicArn, resourceAccount: '111111111111', context });
    expect(decision).toBe(expected);
  });
});

describe('ScanGuardHubStack validation', () => {
  test.each<[string, ScanGuardHubStackProps, RegExp]>([
    ['hubName', { hubName: 'my hub' }, /hubName is "my hub": expected a name of 1 to 128 letters/],
    ['organizationId', { organizationId: 'org-1' }, /organizationId is "org-1": expected an AWS Organizations id such as "o-a1b2c3d4e5"/],
    ['memberAccountIds', { memberAccountIds: ['222222222222', '12345'] }, /memberAccountIds\[1\] is "12345": expected a 12-digit AWS account id/],
  ])('a bad %s throws, naming it and the value', (_name, props, message) => {
    expect(() => hub(props)).toThrow(message);
  });

  test('limiting a hub to some repositories warns: other spokes would get no mail', () => {
    const app = testApp();
    const repoStack = new Stack(app, 'Repos', { env: TEST_ENV });
    new sns.Topic(repoStack, 'Placeholder'); // a template needs a resource
    const repository = ecr.Repository.fromRepositoryName(repoStack, 'R', 'team/app');
    const stack = new ScanGuardHubStack(app, 'Hub', { env: TEST_ENV, notifier: { repositories: [repository] } });
    Annotations.fromStack(stack).hasWarning('/Hub', Match.stringLikeRegexp('notifier.repositories limits the hub'));
  });

  test('the hub\'s own account among memberAccountIds warns', () => {
    const { stack } = hub({ memberAccountIds: [TEST_ENV.account] });
    Annotations.fromStack(stack).hasWarning('/Hub', Match.stringLikeRegexp('memberAccountIds contains the hub\'s own account 111111111111'));
  });

  test('an imported topic cannot admit member subscriptions, and says so', () => {
    const app = testApp();
    const other = new Stack(app, 'Other', { env: TEST_ENV });
    new sns.Topic(other, 'Placeholder'); // a template needs a resource
    const topic = sns.Topic.fromTopicArn(other, 'T', 'arn:aws:sns:us-east-1:111111111111:existing');
    const stack = new ScanGuardHubStack(app, 'Hub', { env: TEST_ENV, organizationId: ORG, notifier: { topic } });
    Annotations.fromStack(stack).hasWarning('/Hub', Match.stringLikeRegexp('notifier.topic is imported'));
  });

  test('a plain hub has no warning', () => {
    Annotations.fromStack(plain.stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('Compliance', () => {
  const alarmTopic = (stack: Stack) => sns.Topic.fromTopicArn(stack, 'Ops', 'arn:aws:sns:us-east-1:111111111111:ops-alarms');

  test('a hub with an alarm topic, admitting an organisation, has no unacknowledged cdk-nag or Control Tower finding', () => {
    const findings = complianceFindings((app) => {
      const stack = new Stack(app, 'Ops', { env: TEST_ENV });
      new sns.Topic(stack, 'Placeholder'); // a template needs a resource; its findings are not the hub's
      new ScanGuardHubStack(app, 'Hub', { env: TEST_ENV, organizationId: ORG, memberAccountIds: [MEMBER], alarmTopic: alarmTopic(stack) });
    });
    expect(findings.filter((f) => f.path.startsWith('Hub/'))).toEqual([]);
  });

  test('without an alarm topic, only the alarm-action rule reports the unrouted alarms', () => {
    const findings = complianceFindings((app) => {
      new ScanGuardHubStack(app, 'Hub', { env: TEST_ENV, organizationId: ORG });
    });
    expect(findings).toEqual([
      { plugin: 'cdk-validator-cfnguard', rule: 'cloudwatch_alarm_action_check', path: 'Hub/Notifier/ErrorsAlarm/Resource' },
      { plugin: 'cdk-validator-cfnguard', rule: 'cloudwatch_alarm_action_check', path: 'Hub/Notifier/DeadLetterAlarm/Resource' },
      { plugin: 'cdk-validator-cfnguard', rule: 'cloudwatch_alarm_action_check', path: 'Hub/TamperAlerts/ErrorsAlarm/Resource' },
      { plugin: 'cdk-validator-cfnguard', rule: 'cloudwatch_alarm_action_check', path: 'Hub/TamperAlerts/DeadLetterAlarm/Resource' },
    ]);
  });

  test('alarmTopic becomes the action of both alarms', () => {
    const app = testApp();
    const stack = new ScanGuardHubStack(app, 'Hub', { env: TEST_ENV });
    const t = Template.fromStack(new ScanGuardHubStack(app, 'Hub2', { env: TEST_ENV, hubName: 'two', alarmTopic: alarmTopic(stack) }));
    t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:us-east-1:111111111111:ops-alarms'] }, 4);
  });

  test('tamper alerts watch the guard on the hub topic by default, and can be turned off', () => {
    const topicRef = { Ref: plain.stack.getLogicalId(plain.stack.notifier.topic.node.defaultChild as sns.CfnTopic) };
    plain.template.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'detail-type': ['AWS API Call via CloudTrail'] }) });
    expect(plain.stack.tamperAlerts).toBeDefined();
    const fn = plain.template.toJSON().Resources[plain.stack.getLogicalId(plain.stack.tamperAlerts!.handler.node.defaultChild as any)];
    expect(fn.Properties.Environment.Variables.TOPIC_ARN).toEqual(topicRef);
    const off = hub({ tamperAlerts: false });
    expect(off.stack.tamperAlerts).toBeUndefined();
    off.template.resourcePropertiesCountIs('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'detail-type': ['AWS API Call via CloudTrail'] }) }, 0);
  });

  test('tamperAlertIgnoredPrincipalArns reaches the handler, and is an error without tamper alerts', () => {
    const { stack, template } = hub({ tamperAlertIgnoredPrincipalArns: ['arn:aws:iam::111111111111:role/spoke-deployer'] });
    const fn = template.toJSON().Resources[stack.getLogicalId(stack.tamperAlerts!.handler.node.defaultChild as any)];
    expect(JSON.stringify(fn.Properties.Environment.Variables.IGNORED_PRINCIPALS)).toContain('role/spoke-deployer');
    expect(() => hub({ tamperAlerts: false, tamperAlertIgnoredPrincipalArns: ['arn:aws:iam::111111111111:role/x'] }))
      .toThrow(/tamperAlertIgnoredPrincipalArns is set while tamperAlerts is false/);
  });

  test('an imagePolicy adds a deployed-image monitor on the hub topic, with its alarms routed', () => {
    const app = testApp();
    const ops = new ScanGuardHubStack(app, 'Ops', { env: TEST_ENV, hubName: 'ops', tamperAlerts: false });
    const stack = new ScanGuardHubStack(app, 'WithPolicy', {
      env: TEST_ENV,
      imagePolicy: new ImagePolicy({ allowedPrefixes: ['111111111111.dkr.ecr.us-east-1.amazonaws.com/'] }),
      alarmTopic: alarmTopic(ops),
    });
    const t = Template.fromStack(stack);
    expect(stack.imageMonitor).toBeDefined();
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'source': ['aws.ecs'], 'detail-type': ['ECS Task State Change'] }) });
    t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:us-east-1:111111111111:ops-alarms'] }, 6);
    expect(plain.stack.imageMonitor).toBeUndefined();
  });

  test('runtimeThreats adds runtime threat alerts on the hub topic, with the hub image policy and its alarms routed', () => {
    const app = testApp();
    const ops = new ScanGuardHubStack(app, 'Ops', { env: TEST_ENV, hubName: 'ops', tamperAlerts: false });
    const stack = new ScanGuardHubStack(app, 'WithRuntime', {
      env: TEST_ENV,
      tamperAlerts: false,
      imagePolicy: new ImagePolicy({ allowedPrefixes: ['111111111111.dkr.ecr.us-east-1.amazonaws.com/'] }),
      runtimeThreats: { topFindings: 3 },
      alarmTopic: alarmTopic(ops),
    });
    const t = Template.fromStack(stack);
    expect(stack.runtimeThreatAlerts).toBeDefined();
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'source': ['aws.guardduty'] }) });
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({
      TOP_FINDINGS: '3', IMAGE_POLICY: '{"allowedPrefixes":["111111111111.dkr.ecr.us-east-1.amazonaws.com/"]}', TOPIC_ARN: { Ref: Match.anyValue() },
    }) } });
    // notifier, image monitor and runtime alerts: two alarms each
    t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:us-east-1:111111111111:ops-alarms'] }, 6);
    expect(plain.stack.runtimeThreatAlerts).toBeUndefined();
  });
});
