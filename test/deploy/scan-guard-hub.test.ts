import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { ImagePolicy } from '../../lib/policy/image-policy';
import { ScanGuardHubStack } from '../../lib/deploy/scan-guard-hub';
import { ScanGuardHubStackProps } from '../../lib/deploy/scan-guard-hub-props';
import { ScanGuardSpokeStack } from '../../lib/deploy/scan-guard-spoke';
import { TEST_ENV, testApp } from '../support/app';
import { complianceFindings } from '../support/compliance';
import { simulateResourcePolicy } from '../support/iam';
import { resolveTemplate } from '../support/simulate';

const ORG = 'o-a1b2c3d4e5';
const MEMBER = '222222222222';
const OTHER_MEMBER = '333333333333';

function hub(props: ScanGuardHubStackProps = {}) {
  const stack = new ScanGuardHubStack(testApp(), 'Hub', { env: TEST_ENV, ...props });
  return { stack, template: Template.fromStack(stack) };
}

// The two hubs every test shares: a plain one and one that admits an organisation and an account.
const plain = hub();
const shared = hub({ organizationId: ORG, memberAccountIds: [MEMBER, OTHER_MEMBER] });

describe('ScanGuardHubStack', () => {
  test('has the notifier (function, rule, topic, dead-letter queue, alarms) and enhanced scanning', () => {
    const t = plain.template;
    const fnId = plain.stack.getLogicalId(plain.stack.notifier.handler.node.defaultChild as any);
    expect(t.toJSON().Resources[fnId].Type).toBe('AWS::Lambda::Function');
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: { 'source': ['aws.inspector2'], 'detail-type': ['Inspector2 Scan'], 'detail': { 'repository-name': [{ prefix: 'arn:' }] } } });
    t.resourceCountIs('AWS::SNS::Topic', 2); // the hub topic and the operations topic
    // The dead-letter queues of the scan notifier, the tamper alerts and the coverage monitor; the new-findings digest queue and its two dead-letter queues.
    t.resourceCountIs('AWS::SQS::Queue', 6);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    // The hub carries the new-findings mails too: Finding events of ECR images feed the tracker.
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: {
      'source': ['aws.inspector2'], 'detail-type': ['Inspector2 Finding'], 'detail': { resources: { type: ['AWS_ECR_CONTAINER_IMAGE'] } },
    } });
    expect(plain.stack.notifier.newFindings).toBeDefined();
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
  const resources = Object.entries<any>(resolved.Resources);
  const busPolicies = resources.map(([, r]) => r).filter((r) => r.Type === 'AWS::Events::EventBusPolicy');
  const busArn = 'arn:aws:events:us-east-1:111111111111:event-bus/default';
  const busPolicy = { Version: '2012-10-17', Statement: busPolicies.map((p) => p.Properties.Statement) };
  const memberRole = (account: string) => `arn:aws:iam::${account}:role/forwarder`;
  // events:source and events:detail-type are multivalued: one value per entry of the PutEvents call.
  const SCAN = { 'events:source': ['aws.inspector2'], 'events:detail-type': ['Inspector2 Scan'] };

  /** Each topic's ARN and resolved policy, by the topic's logical id. */
  const topicArnOf = (logicalId: string) => {
    const name = resolved.Resources[logicalId].Properties.TopicName ?? `hub-${logicalId}`;
    return `arn:aws:sns:us-east-1:111111111111:${name}`;
  };
  const policyOf = (logicalId: string) => {
    const policy = resources.find(([, r]) => r.Type === 'AWS::SNS::TopicPolicy' && r.Properties.Topics.includes(logicalId))![1].Properties.PolicyDocument;
    return JSON.parse(JSON.stringify(policy).split(`"${logicalId}"`).join(`"${topicArnOf(logicalId)}"`));
  };
  const hubTopicId = shared.stack.getLogicalId(shared.stack.notifier.topic.node.defaultChild as sns.CfnTopic);
  const accountTopicId = (account: string) => shared.stack.getLogicalId(shared.stack.accountTopic(account)!.node.defaultChild as sns.CfnTopic);

  test('the default bus policy has one statement per admitted kind, each with its statement id', () => {
    expect(busPolicies.map((p) => [p.Properties.EventBusName, p.Properties.StatementId])).toEqual([
      ['default', 'ScanGuard-default-Organization'], ['default', 'ScanGuard-default-Accounts'],
    ]);
  });

  test.each([
    ['a role of an organisation account', 'Allowed', memberRole('444444444444'), { 'aws:PrincipalOrgID': ORG, ...SCAN }],
    ['a role of a listed account', 'Allowed', memberRole(MEMBER), { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz', ...SCAN }],
    ['an organisation account, with another event source', 'ImplicitlyDenied', memberRole('444444444444'), { 'aws:PrincipalOrgID': ORG, 'events:source': ['aws.ecr'], 'events:detail-type': ['Inspector2 Scan'] }],
    ['an organisation account, a finding (forwarded for the new-findings mails)', 'Allowed', memberRole('444444444444'), { 'aws:PrincipalOrgID': ORG, 'events:source': ['aws.inspector2'], 'events:detail-type': ['Inspector2 Finding'] }],
    ['an organisation account, another Inspector detail type', 'ImplicitlyDenied', memberRole('444444444444'), { 'aws:PrincipalOrgID': ORG, 'events:source': ['aws.inspector2'], 'events:detail-type': ['Inspector2 Coverage'] }],
    ['a listed account, a scan and a custom event in one call', 'ImplicitlyDenied', memberRole(MEMBER), { 'events:source': ['aws.inspector2', 'my.app'], 'events:detail-type': ['Inspector2 Scan'] }],
    ['a listed account, without the event keys', 'ImplicitlyDenied', memberRole(MEMBER), {}],
    ['a role of another organisation', 'ImplicitlyDenied', memberRole('555555555555'), { 'aws:PrincipalOrgID': 'o-zzzzzzzzzz', ...SCAN }],
    ['a role outside any organisation', 'ImplicitlyDenied', memberRole('555555555555'), SCAN],
  ])('events:PutEvents on the hub bus by %s: %s', async (_name, expected, principal, context) => {
    const decision = await simulateResourcePolicy(busPolicy, { principal, action: 'events:PutEvents', resource: busArn, resourceAccount: '111111111111', context });
    expect(decision).toBe(expected);
  });

  test('each listed member account has a topic of its own, named for it; the organisation gets none', () => {
    expect(resolved.Resources[accountTopicId(MEMBER)].Properties.TopicName).toBe(`cdk-ecr-scan-guard-default-${MEMBER}`);
    expect(resolved.Resources[accountTopicId(OTHER_MEMBER)].Properties.TopicName).toBe(`cdk-ecr-scan-guard-default-${OTHER_MEMBER}`);
    expect(shared.stack.accountTopic('444444444444')).toBeUndefined();
    expect(ScanGuardHubStack.accountTopicArn('111111111111', 'us-east-1', MEMBER)).toBe(topicArnOf(accountTopicId(MEMBER)));
  });

  // Isolation: a member account can subscribe to (and so receive from) its own topic only.
  test.each([
    ['a member subscribes to its own topic', 'Allowed', MEMBER, MEMBER, 'sns:Subscribe', {}],
    ['another member subscribes to a member\'s topic', 'ImplicitlyDenied', OTHER_MEMBER, MEMBER, 'sns:Subscribe', { 'aws:PrincipalOrgID': ORG }],
    ['the first member subscribes to the other\'s topic', 'ImplicitlyDenied', MEMBER, OTHER_MEMBER, 'sns:Subscribe', { 'aws:PrincipalOrgID': ORG }],
    ['an organisation account without a topic subscribes to a member\'s topic', 'ImplicitlyDenied', '444444444444', MEMBER, 'sns:Subscribe', { 'aws:PrincipalOrgID': ORG }],
    ['another member lists a member\'s subscriptions', 'ImplicitlyDenied', OTHER_MEMBER, MEMBER, 'sns:ListSubscriptionsByTopic', { 'aws:PrincipalOrgID': ORG }],
    ['another member changes a member\'s topic policy', 'ImplicitlyDenied', OTHER_MEMBER, MEMBER, 'sns:SetTopicAttributes', { 'aws:PrincipalOrgID': ORG }],
    ['a member publishes to its own topic', 'ImplicitlyDenied', MEMBER, MEMBER, 'sns:Publish', {}],
  ])('member topic: %s: %s', async (_name, expected, caller, owner, action, context) => {
    const id = accountTopicId(owner);
    const decision = await simulateResourcePolicy(policyOf(id), { principal: memberRole(caller), action, resource: topicArnOf(id), resourceAccount: '111111111111', context });
    expect(decision).toBe(expected);
  });

  test.each([
    ['sns:Subscribe by an organisation account', memberRole('444444444444'), 'sns:Subscribe', { 'aws:PrincipalOrgID': ORG }],
    ['sns:Subscribe by a listed member account', memberRole(MEMBER), 'sns:Subscribe', { 'aws:PrincipalOrgID': ORG }],
    ['sns:Publish by an organisation account', memberRole('444444444444'), 'sns:Publish', { 'aws:PrincipalOrgID': ORG }],
  ])('hub topic (every account\'s scans but the members\'): %s is denied', async (_name, principal, action, context) => {
    const decision = await simulateResourcePolicy(policyOf(hubTopicId), { principal, action, resource: topicArnOf(hubTopicId), resourceAccount: '111111111111', context });
    expect(decision).toBe('ImplicitlyDenied');
  });

  test('no topic policy grants another account anything but sns:Subscribe on its own topic (no legacy sns:Receive); services only publish to the operations topic', () => {
    const grants = resources.filter(([, r]) => r.Type === 'AWS::SNS::TopicPolicy')
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement.filter((st: any) => st.Effect === 'Allow' && st.Principal.AWS !== undefined)
        .map((st: any) => ({ topics: r.Properties.Topics, principal: st.Principal, action: st.Action })));
    expect(JSON.stringify(grants)).not.toMatch(/sns:Receive/i);
    for (const grant of grants) {
      expect(grant.action).toBe('sns:Subscribe');
      const account = /arn:aws:iam::(\d{12}):root/.exec(JSON.stringify(grant.principal))![1];
      expect(grant.topics).toEqual([accountTopicId(account)]);
    }
    expect(grants).toHaveLength(2);
    const servicePublishers = resources.filter(([, r]) => r.Type === 'AWS::SNS::TopicPolicy')
      .flatMap(([, r]) => r.Properties.PolicyDocument.Statement.filter((st: any) => st.Effect === 'Allow' && st.Principal.Service !== undefined)
        .map((st: any) => ({ topics: r.Properties.Topics, action: st.Action })));
    const opsId = shared.stack.getLogicalId(shared.stack.operationsTopic.node.defaultChild as sns.CfnTopic);
    expect(servicePublishers).toEqual([{ topics: [opsId], action: 'sns:Publish' }]);
  });

  test('the notifier publishes each member account\'s scans to its topic: prefix, accounts and permission', () => {
    const fn = resolved.Resources[shared.stack.getLogicalId(shared.stack.notifier.handler.node.defaultChild as any)];
    expect(fn.Properties.Environment.Variables).toMatchObject({
      ACCOUNT_TOPIC_ARN_PREFIX: 'arn:aws:sns:us-east-1:111111111111:cdk-ecr-scan-guard-default-',
      ACCOUNT_TOPIC_ACCOUNTS: `${MEMBER},${OTHER_MEMBER}`,
    });
    const statements = resources.filter(([, r]) => r.Type === 'AWS::IAM::Policy').flatMap(([, r]) => r.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Sid: 'PublishToAccountTopics', Action: 'sns:Publish', Resource: 'arn:aws:sns:us-east-1:111111111111:cdk-ecr-scan-guard-default-*' }));
  });

  test('a plain hub gives no account a topic and sets no routing', () => {
    const fn = plain.template.toJSON().Resources[plain.stack.getLogicalId(plain.stack.notifier.handler.node.defaultChild as any)];
    expect(fn.Properties.Environment.Variables.ACCOUNT_TOPIC_ACCOUNTS).toBeUndefined();
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

  test('more member accounts than one hub can give topics throws, saying how to split them', () => {
    const many = Array.from({ length: 151 }, (_, i) => String(200000000000 + i));
    expect(() => hub({ memberAccountIds: many })).toThrow(/memberAccountIds has 151 accounts: one hub gives at most 150 accounts a topic of their own.*several hubs/);
  });

  test('a deploy-time member account throws: its topic is named for it', () => {
    expect(() => hub({ memberAccountIds: [Lazy.string({ produce: () => MEMBER })] })).toThrow(/memberAccountIds holds a deploy-time value/);
  });

  test('accountTopicArn validates its values', () => {
    expect(() => ScanGuardHubStack.accountTopicArn('1', 'us-east-1', MEMBER)).toThrow(/hubAccountId is "1"/);
    expect(() => ScanGuardHubStack.accountTopicArn('111111111111', 'us-east-1', 'x')).toThrow(/accountId is "x"/);
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

  test('the default hub (no alarm topic) has no unacknowledged finding: its alarms go to the operations topic (CT.CLOUDWATCH.PR.1)', () => {
    const findings = complianceFindings((app) => {
      new ScanGuardHubStack(app, 'Hub', { env: TEST_ENV, organizationId: ORG, memberAccountIds: [MEMBER], notifier: { emailAddresses: ['ops@example.com'] } });
    });
    expect(findings).toEqual([]);
  });

  test('alarmTopic becomes the action of every alarm (scan, new findings, tamper alerts, coverage)', () => {
    const app = testApp();
    const stack = new ScanGuardHubStack(app, 'Hub', { env: TEST_ENV });
    const t = Template.fromStack(new ScanGuardHubStack(app, 'Hub2', { env: TEST_ENV, hubName: 'two', alarmTopic: alarmTopic(stack) }));
    t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:us-east-1:111111111111:ops-alarms'] }, 10);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    t.resourceCountIs('AWS::KMS::Key', 0);
  });

  test('by default, an operations topic under a key CloudWatch and EventBridge may use, subscribed by the notifier\'s addresses', () => {
    const { stack, template: t } = hub({ notifier: { emailAddresses: ['ops@example.com', 'sec@example.com'] } });
    const opsRef = { Ref: stack.getLogicalId(stack.operationsTopic.node.defaultChild as sns.CfnTopic) };
    t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: [opsRef] }, 10);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    t.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email', TopicArn: opsRef }, 2);
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
        Sid: 'AlarmAndRulePublishers',
        Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      })]) },
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [opsRef],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AlarmAndRulePublishers', Action: 'sns:Publish' })]) },
    });
  });

  test('alarms that constructs add to the hub later, L2 or L1, are routed too, and none twice', () => {
    const app = testApp();
    const stack = new ScanGuardHubStack(app, 'Hub', { env: TEST_ENV });
    const later = new cloudwatch.Alarm(stack, 'LaterAlarm', { metric: stack.notifier.deadLetterQueue.metricApproximateNumberOfMessagesVisible(), threshold: 1, evaluationPeriods: 1 });
    new cloudwatch.CfnAlarm(stack, 'RawAlarm', { comparisonOperator: 'GreaterThanThreshold', evaluationPeriods: 1, threshold: 0, metricName: 'Errors', namespace: 'AWS/Lambda', period: 60, statistic: 'Sum' });
    const t = Template.fromStack(stack).toJSON();
    const opsArn = { Ref: stack.getLogicalId(stack.operationsTopic.node.defaultChild as sns.CfnTopic) };
    const alarms = Object.values<any>(t.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(12);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([opsArn]);
    expect(later.alarmArn).toBeDefined();
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
    // The scan mail's 2, the new findings' 4, the tamper alerts' 2, the coverage monitor's 2 and the image monitor's 2.
    t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:us-east-1:111111111111:ops-alarms'] }, 12);
    t.resourceCountIs('AWS::CloudWatch::Alarm', 12);
    expect(plain.stack.imageMonitor).toBeUndefined();
  });

  test('the coverage monitor alerts on the hub topic by default, takes its settings, and can be turned off', () => {
    const topicRef = { Ref: plain.stack.getLogicalId(plain.stack.notifier.topic.node.defaultChild as sns.CfnTopic) };
    const monitor = plain.stack.coverageMonitor!;
    const fn = plain.template.toJSON().Resources[plain.stack.getLogicalId(monitor.handler.node.defaultChild as any)];
    expect(fn.Properties.Environment.Variables.TOPIC_ARN).toEqual(topicRef);
    plain.template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { 'source': ['aws.inspector2'], 'detail-type': ['Inspector2 Coverage'] } });
    const tuned = hub({ coverage: { gracePeriod: Duration.hours(2), expectContinuousScanning: false } });
    const tunedFn = tuned.template.toJSON().Resources[tuned.stack.getLogicalId(tuned.stack.coverageMonitor!.handler.node.defaultChild as any)];
    expect(tunedFn.Properties.Environment.Variables).toMatchObject({ GRACE_PERIOD_SECONDS: '7200', EXPECT_CONTINUOUS_SCANNING: 'false' });
    // The tamper alerts protect the monitor as the hub's other functions, rules and tables.
    const resources = plain.template.toJSON().Resources;
    const patterns = JSON.stringify(Object.values(resources).filter((r: any) => r.Type === 'AWS::Events::Rule').map((r: any) => r.Properties.EventPattern));
    for (const child of [monitor.handler, monitor.rule, monitor.scheduleRule, monitor.stateTable]) {
      expect(patterns).toContain(plain.stack.getLogicalId(child.node.defaultChild as any));
    }
    const off = hub({ coverageMonitoring: false });
    expect(off.stack.coverageMonitor).toBeUndefined();
    off.template.resourcePropertiesCountIs('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'detail-type': ['Inspector2 Coverage'] }) }, 0);
    expect(() => hub({ coverageMonitoring: false, coverage: { gracePeriod: Duration.hours(2) } }))
      .toThrow(/coverage is set while coverageMonitoring is false/);
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
    // the notifier (scan mails, new-findings tracker and digest), image monitor, coverage monitor and runtime alerts: two alarms each
    t.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:us-east-1:111111111111:ops-alarms'] }, 12);
    expect(plain.stack.runtimeThreatAlerts).toBeUndefined();
  });
});

describe('ScanGuardHubStack member topics carry the new-findings mails too', () => {
  test('the digest function, like the scan formatter, publishes a member account\'s mails to its own topic only', () => {
    const app = testApp();
    const stack = new ScanGuardHubStack(app, 'Hub', { env: TEST_ENV, memberAccountIds: ['222222222222'] });
    const t = Template.fromStack(stack).toJSON();
    for (const fn of [stack.notifier.handler, stack.notifier.newFindings!.digestHandler]) {
      const resource = t.Resources[stack.getLogicalId(fn.node.defaultChild as any)];
      expect(resource.Properties.Environment.Variables.ACCOUNT_TOPIC_ACCOUNTS).toBe('222222222222');
      expect(JSON.stringify(resource.Properties.Environment.Variables.ACCOUNT_TOPIC_ARN_PREFIX)).toContain(':cdk-ecr-scan-guard-default-');
    }
  });
});
