import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ScanCoverageMonitor } from '../../lib/notify/scan-coverage-monitor';
import { Severity } from '../../lib/notify/severity';
import { TEST_ENV, testStack } from '../support/app';
import { environmentOf, only } from '../support/template';
import { complianceFindings, DOCUMENTED_EXCEPTIONS } from '../support/compliance';
import { resolveTemplate } from '../support/simulate';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:111111111111:ops';
const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';

/** Whether the function's identity policies allow `action` on `resource`, evaluated by an IAM simulator. */
async function allows(stack: Stack, action: string, resource: string): Promise<boolean> {
  const resolved = resolveTemplate(Template.fromStack(stack).toJSON());
  const policies = Object.values(resolved.Resources as Record<string, any>)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .map((r, i) => ({ name: `p${i}`, policy: r.Properties.PolicyDocument }));
  const result = await runSimulation({
    request: {
      principal: 'arn:aws:iam::111111111111:role/monitor',
      action,
      resource: { resource, accountId: '111111111111' },
      contextVariables: {},
    },
    identityPolicies: policies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  }, {});
  if (result.resultType !== 'single') throw new Error(JSON.stringify(result));
  return result.overallResult === 'Allowed';
}

describe('ScanCoverageMonitor defaults', () => {
  const stack = testStack();
  const monitor = new ScanCoverageMonitor(stack, 'Monitor');
  const template = Template.fromStack(stack);

  test('one rule takes every Inspector2 Coverage event, a second starts the sweep daily; both keep failures in the dead-letter queue', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as any[];
    expect(rules).toHaveLength(2);
    const eventRule = rules.find((r) => r.Properties.EventPattern)!;
    const scheduleRule = rules.find((r) => r.Properties.ScheduleExpression)!;
    expect(eventRule.Properties.EventPattern).toEqual({ 'source': ['aws.inspector2'], 'detail-type': ['Inspector2 Coverage'] });
    expect(scheduleRule.Properties.ScheduleExpression).toBe('rate(1 day)');
    const [queueId] = only(template, 'AWS::SQS::Queue');
    for (const rule of [eventRule, scheduleRule]) {
      expect(rule.Properties.Targets[0].DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    }
    expect(monitor.scheduleRule.node.id).toBe('ScheduleRule');
    expect(monitor.rule.node.id).toBe('Rule');
  });

  test('the function gets the defaults: 1 hour grace, 6 hours pending, continuous scanning expected, 5 minutes', () => {
    expect(environmentOf(template)).toMatchObject({
      GRACE_PERIOD_SECONDS: '3600',
      PENDING_SCAN_THRESHOLD_SECONDS: '21600',
      EXPECT_CONTINUOUS_SCANNING: 'true',
      MAX_IMAGES: '50000',
      SEVERITY: 'HIGH',
      DEDUP_TTL_SECONDS: String(30 * 24 * 3600),
    });
    expect(environmentOf(template).REPOSITORY_NAMES).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 300 });
  });

  test('a new encrypted topic, a state table with TTL, and both alarms', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: 'alias/aws/sns' });
    template.hasResourceProperties('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    expect(monitor.topic).toBeDefined();
    expect(monitor.stateTable).toBeDefined();
  });

  test('the function may list coverage and read every repository of its account and region, and nothing else of ECR', async () => {
    const repo = 'arn:aws:ecr:us-east-1:111111111111:repository/team/app';
    await expect(allows(stack, 'inspector2:ListCoverage', '*')).resolves.toBe(true);
    await expect(allows(stack, 'ecr:DescribeImages', repo)).resolves.toBe(true);
    await expect(allows(stack, 'ecr:GetRepositoryPolicy', repo)).resolves.toBe(true);
    await expect(allows(stack, 'ecr:DescribeImages', 'arn:aws:ecr:eu-west-1:111111111111:repository/team/app')).resolves.toBe(false);
    await expect(allows(stack, 'ecr:DescribeImages', 'arn:aws:ecr:us-east-1:222222222222:repository/team/app')).resolves.toBe(false);
    await expect(allows(stack, 'ecr:BatchGetImage', repo)).resolves.toBe(false);
    await expect(allows(stack, 'ecr:SetRepositoryPolicy', repo)).resolves.toBe(false);
    await expect(allows(stack, 'inspector2:ListFindings', '*')).resolves.toBe(false);
  });
});

describe('ScanCoverageMonitor with props', () => {
  test('repositories limit what the function may read and what it watches', async () => {
    const stack = testStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'team/app');
    new ScanCoverageMonitor(stack, 'Monitor', {
      repositories: [repo],
      sweepSchedule: events.Schedule.rate(Duration.hours(6)),
      gracePeriod: Duration.minutes(30),
      pendingScanThreshold: Duration.hours(2),
      expectContinuousScanning: false,
      severity: Severity.MEDIUM,
      maxImages: 1000,
      timeout: Duration.minutes(10),
      topic: sns.Topic.fromTopicArn(stack, 'Ops', TOPIC_ARN),
      logGroup: new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    const template = Template.fromStack(stack);
    const env = environmentOf(template);
    expect(env).toMatchObject({
      GRACE_PERIOD_SECONDS: '1800', PENDING_SCAN_THRESHOLD_SECONDS: '7200', EXPECT_CONTINUOUS_SCANNING: 'false',
      MAX_IMAGES: '1000', SEVERITY: 'MEDIUM', TOPIC_ARN: TOPIC_ARN,
    });
    expect(env.REPOSITORY_NAMES).toBe('["team/app"]');
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(6 hours)' });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 600 });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    await expect(allows(stack, 'ecr:DescribeImages', 'arn:aws:ecr:us-east-1:111111111111:repository/team/app')).resolves.toBe(true);
    await expect(allows(stack, 'ecr:DescribeImages', 'arn:aws:ecr:us-east-1:111111111111:repository/team/other')).resolves.toBe(false);
  });

  test('alarm thresholds and the metrics of INotificationPipeline', () => {
    const stack = testStack();
    const monitor = new ScanCoverageMonitor(stack, 'Monitor', { errorsAlarmThreshold: 3, deadLetterAlarmThreshold: 2 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Threshold: 3 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 2 });
    expect(monitor.metricErrors().metricName).toBe('Errors');
    expect(monitor.metricDeadLetters({ period: Duration.minutes(1) }).period.toMinutes()).toBe(1);
    expect(() => new ScanCoverageMonitor(testStack(), 'Bad', { errorsAlarmThreshold: 0 })).toThrow(/errorsAlarmThreshold is 0: expected an integer of at least 1/);
  });

  test('a topic key it creates the topic with is granted to the function', () => {
    const stack = testStack();
    new ScanCoverageMonitor(stack, 'Monitor', { topicEncryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: KEY_ARN });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: KEY_ARN })]) },
    });
  });

  test.each([
    [{ repositories: [] }, /repositories is \[\]: expected at least one repository/],
    [{ gracePeriod: Duration.minutes(1) }, /gracePeriod is 1 minute: expected 5 minutes to 7 days/],
    [{ gracePeriod: Duration.days(8) }, /gracePeriod is 8 days: expected 5 minutes to 7 days/],
    [{ pendingScanThreshold: Duration.minutes(5) }, /pendingScanThreshold is 5 minutes: expected 15 minutes to 7 days/],
    [{ timeout: Duration.seconds(30) }, /timeout is 30 seconds: expected 2 minutes to 15 minutes/],
    [{ maxImages: 0 }, /maxImages is 0: expected a whole number from 1 to 1000000/],
    [{ maxImages: 1.5 }, /maxImages is 1.5/],
  ])('%o throws a clear error', (props, message) => {
    expect(() => new ScanCoverageMonitor(testStack(), 'Monitor', props as any)).toThrow(message);
  });

  test('topic and topicEncryptionKey together throw', () => {
    const stack = testStack();
    expect(() => new ScanCoverageMonitor(stack, 'Monitor', {
      topic: sns.Topic.fromTopicArn(stack, 'Ops', TOPIC_ARN),
      topicEncryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN),
    })).toThrow(/topicEncryptionKey is set together with topic/);
  });

  test('more than 100 repositories throw, naming the fix', () => {
    const stack = testStack();
    const repositories = Array.from({ length: 101 }, (_, i) => ecr.Repository.fromRepositoryName(stack, `R${i}`, `team/app-${i}`));
    expect(() => new ScanCoverageMonitor(stack, 'Monitor', { repositories })).toThrow(/repositories lists 101 repositories: expected at most 100/);
  });

  test('a grace period under 15 minutes warns', () => {
    const stack = testStack();
    new ScanCoverageMonitor(stack, 'Monitor', { gracePeriod: Duration.minutes(10) });
    // Synthesis prints warnings: keep the test run quiet.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      Annotations.fromStack(stack).hasWarning('/Test/Monitor', Match.stringLikeRegexp('gracePeriod is 10 minutes: Inspector can take several minutes'));
    } finally {
      quiet.mockRestore();
    }
  });
});

describe('Compliance', () => {
  test('every shape passes cdk-nag AwsSolutions and the Control Tower cfn-guard rules when the alarms are routed', () => {
    const findings = complianceFindings((app) => {
      const stack = new Stack(app, 'Monitors', { env: TEST_ENV });
      const ops = new cwActions.SnsAction(sns.Topic.fromTopicArn(stack, 'Ops', TOPIC_ARN));
      const repo = new ecr.Repository(stack, 'Repo', { imageTagMutability: ecr.TagMutability.IMMUTABLE, imageScanOnPush: true, lifecycleRules: [{ maxImageCount: 10 }] });
      // An environment-agnostic stack: cdk-nag names the repository wildcard with <AWS::...> placeholders.
      const agnostic = new Stack(app, 'Agnostic');
      for (const monitor of [
        new ScanCoverageMonitor(stack, 'Default'),
        new ScanCoverageMonitor(agnostic, 'Default'),
        new ScanCoverageMonitor(stack, 'Filtered', { repositories: [repo], topicEncryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN) }),
      ]) {
        monitor.errorsAlarm.addAlarmAction(ops);
        monitor.deadLetterAlarm.addAlarmAction(ops);
      }
    }, DOCUMENTED_EXCEPTIONS);
    expect(findings).toEqual([]);
  });
});

describe('Noncompliance', () => {
  test('the account-wide repository wildcard is acknowledged only where no repositories are given', () => {
    // Synthesis prints the findings it fails on: keep the test run quiet.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const findings = complianceFindings((app) => {
      const stack = new Stack(app, 'Monitors', { env: TEST_ENV });
      const monitor = new ScanCoverageMonitor(stack, 'Default');
      const ops = new cwActions.SnsAction(sns.Topic.fromTopicArn(stack, 'Ops', TOPIC_ARN));
      monitor.errorsAlarm.addAlarmAction(ops);
      monitor.deadLetterAlarm.addAlarmAction(ops);
    }, {});
    quiet.mockRestore();
    expect(findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['lambda_inside_vpc_check']));
    expect(findings.filter((f) => f.rule.startsWith('AwsSolutions-IAM5'))).toEqual([]);
  });
});
