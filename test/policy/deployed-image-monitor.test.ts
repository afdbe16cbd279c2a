import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DeployedImageMonitor, DeployedImageMonitorProps } from '../../lib/policy/deployed-image-monitor';
import { ImagePolicy } from '../../lib/policy/image-policy';
import { Severity } from '../../lib/notify/severity';
import { TEST_ENV, testStack } from '../support/app';
import { complianceFindings, DOCUMENTED_EXCEPTIONS } from '../support/compliance';

const policy = new ImagePolicy({ allowedPrefixes: ['111111111111.dkr.ecr.us-east-1.amazonaws.com'], requireDigest: true });

describe('DeployedImageMonitor defaults', () => {
  const stack = testStack();
  const topic = new sns.Topic(stack, 'Topic');
  const monitor = new DeployedImageMonitor(stack, 'Monitor', { policy, topic });
  const template = Template.fromStack(stack);
  const fnId = stack.resolve((monitor.handler.node.defaultChild as any).logicalId);

  test('the rule sends every ECS task state change to the function, with a DLQ and retries', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.ecs'], 'detail-type': ['ECS Task State Change'], 'detail': Match.absent() },
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        DeadLetterConfig: { Arn: Match.anyValue() },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
      })],
    });
  });

  test('the function gets the policy, the topic and the table through its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: { Variables: {
        IMAGE_POLICY: '{"allowedPrefixes":["111111111111.dkr.ecr.us-east-1.amazonaws.com/"],"requireDigest":true}',
        SEVERITY: 'HIGH',
        TOPIC_ARN: { Ref: Match.stringLikeRegexp('Topic') },
        DEDUP_TABLE: { Ref: Match.stringLikeRegexp('MonitorDedupTable') },
        DEDUP_TTL_SECONDS: '2592000',
      } },
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 });
  });

  test('the dedup table: on demand, TTL, point-in-time recovery, encrypted', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  test('the role may write its logs, publish to the topic, put and delete dedup items, and nothing else', () => {
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s: any) => [s.Action].flat()).sort();
    expect(actions).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sns:Publish', 'sqs:SendMessage']);
    expect(statements.every((s: any) => s.Resource !== '*')).toBe(true);
    const topicId = stack.resolve((topic.node.defaultChild as any).logicalId);
    const tableId = stack.resolve((monitor.dedupTable.node.defaultChild as any).logicalId);
    expect(statements.find((s: any) => s.Action === 'sns:Publish').Resource).toEqual({ Ref: topicId });
    expect(statements.find((s: any) => s.Action?.[0] === 'dynamodb:DeleteItem' || s.Action?.[0] === 'dynamodb:PutItem').Resource)
      .toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  test('alarms on function errors and on the dead-letter queue', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible' });
    expect(monitor.errorsAlarm).toBeDefined();
    expect(monitor.deadLetterQueue).toBeDefined();
  });
});

describe('DeployedImageMonitor options', () => {
  test('clusters, severity, TTL and retention; an encrypted topic grants its key', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    const topic = new sns.Topic(stack, 'Topic', { masterKey: key });
    const cluster = ecs.Cluster.fromClusterArn(stack, 'Cluster', 'arn:aws:ecs:us-east-1:111111111111:cluster/prod');
    new DeployedImageMonitor(stack, 'Monitor', {
      policy, topic, clusters: [cluster], severity: Severity.CRITICAL, dedupTtl: Duration.days(7),
      logGroup: new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { clusterArn: ['arn:aws:ecs:us-east-1:111111111111:cluster/prod'] } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SEVERITY: 'CRITICAL', DEDUP_TTL_SECONDS: '604800' }) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]) },
    });
  });
});

describe('DeployedImageMonitor validation', () => {
  const topicOf = (stack: Stack) => sns.Topic.fromTopicArn(stack, 'T', 'arn:aws:sns:us-east-1:111111111111:alerts');
  test.each<[string, (stack: Stack) => Partial<DeployedImageMonitorProps>, RegExp]>([
    ['no policy', () => ({ policy: undefined }), /policy is missing: expected an ImagePolicy/],
    ['no topic', () => ({ topic: undefined }), /topic is missing/],
    ['no cluster', () => ({ clusters: [] }), /clusters is \[\]: expected at least one cluster/],
    ['a TTL of a minute', () => ({ dedupTtl: Duration.minutes(1) }), /dedupTtl is 1 minute: expected 1 hour to 365 days/],
    ['a huge policy', () => ({ policy: new ImagePolicy({ allowedPrefixes: Array.from({ length: 60 }, (_, i) => `111111111111.dkr.ecr.us-east-1.amazonaws.com/team/repository-${i}`) }) }),
      /policy takes \d+ bytes as JSON, over the 3072 bytes/],
  ])('%s throws', (_name, change, message) => {
    const stack = testStack();
    expect(() => new DeployedImageMonitor(stack, 'Monitor', { policy, topic: topicOf(stack), ...change(stack) } as DeployedImageMonitorProps)).toThrow(message);
  });
});

/**
 * The alarms are exposed without actions: where they page is the application's choice (as for
 * ScanNotifier). The topic is imported, so the findings are the monitor's own.
 */
const ALARM_ACTION_EXCEPTION = {
  'cdk-validator-cfnguard::cloudwatch_alarm_action_check':
    'DeployedImageMonitor exposes errorsAlarm and deadLetterAlarm for the application to route (addAlarmAction).',
};

describe('DeployedImageMonitor compliance', () => {
  const build = (stack: Stack) => new DeployedImageMonitor(stack, 'Monitor', {
    policy,
    topic: sns.Topic.fromTopicAttributes(stack, 'Topic', {
      topicArn: 'arn:aws:sns:us-east-1:111111111111:alerts',
      keyArn: 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555',
    }),
    clusters: [ecs.Cluster.fromClusterArn(stack, 'Cluster', 'arn:aws:ecs:us-east-1:111111111111:cluster/prod')],
  });

  test('no unacknowledged cdk-nag or cfn-guard finding', () => {
    const findings = complianceFindings((app) => {
      build(new Stack(app, 'Monitor', { env: TEST_ENV }));
    }, { ...DOCUMENTED_EXCEPTIONS, ...ALARM_ACTION_EXCEPTION });
    expect(findings).toEqual([]);
  });

  test('the checks run: without the acknowledgment the alarms without actions are reported', () => {
    const findings = complianceFindings((app) => {
      build(new Stack(app, 'Monitor', { env: TEST_ENV }));
    });
    expect(findings.map((f) => f.rule)).toEqual(['cloudwatch_alarm_action_check', 'cloudwatch_alarm_action_check']);
  });
});
