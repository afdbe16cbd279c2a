import { Duration, Stack } from 'aws-cdk-lib';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ScanNotifier } from '../../lib/notify/scan-notifier';
import { Severity } from '../../lib/notify/severity';
import { TEST_ENV } from '../support/app';
import { complianceFindings, DOCUMENTED_EXCEPTIONS } from '../support/compliance';

/**
 * The alarms are exposed without actions: where an alarm should page (an ops topic, a chat
 * channel, an incident tool) is the application's choice. With an action, the rule passes:
 * the last test shows it.
 */
const ALARM_ACTION_EXCEPTION = {
  'cdk-validator-cfnguard::cloudwatch_alarm_action_check':
    'ScanNotifier exposes errorsAlarm and deadLetterAlarm for the application to route (addAlarmAction); it does not know the on-call channel.',
};

const OPS_TOPIC_ARN = 'arn:aws:sns:us-east-1:111111111111:ops-alarms';
const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';

/** Every shape of the notifier beyond the defaults (tested below): every option, no Inspector call, your own encrypted topic. */
function everyShape(stack: Stack): ScanNotifier[] {
  const full = new ScanNotifier(stack, 'Full', {
    topicEncryptionKey: kms.Key.fromKeyArn(stack, 'TopicKey', KEY_ARN),
    emailAddresses: ['ops@example.com'],
    repositories: [new ecr.Repository(stack, 'Repo', {
      imageTagMutability: ecr.TagMutability.IMMUTABLE, imageScanOnPush: true, lifecycleRules: [{ maxImageCount: 10 }],
    })],
    minimumSeverity: Severity.HIGH,
    topFindings: 10,
    templates: { subject: '{{repositoryName}}', body: '{{counts.total}} findings' },
    timeout: Duration.minutes(1),
    dedupTtl: Duration.hours(6),
  });
  full.addRepository(ecr.Repository.fromRepositoryName(stack, 'Imported', 'team/app'));
  return [
    full,
    new ScanNotifier(stack, 'NoInspector', { topFindings: 0 }),
    new ScanNotifier(stack, 'OwnTopic', { topic: sns.Topic.fromTopicAttributes(stack, 'Topic', { topicArn: OPS_TOPIC_ARN, keyArn: KEY_ARN }) }),
  ];
}

describe('Compliance', () => {
  test('every shape of ScanNotifier passes cdk-nag AwsSolutions and the Control Tower cfn-guard rules', () => {
    const findings = complianceFindings((app) => {
      const stack = new Stack(app, 'Notifiers', { env: TEST_ENV });
      everyShape(stack);
    }, { ...DOCUMENTED_EXCEPTIONS, ...ALARM_ACTION_EXCEPTION });
    expect(findings).toEqual([]);
  });

  test('with alarm actions, the alarm rule passes with no acknowledgment', () => {
    const findings = complianceFindings((app) => {
      const stack = new Stack(app, 'Routed', { env: TEST_ENV });
      const notifier = new ScanNotifier(stack, 'Notifier');
      const ops = new cwActions.SnsAction(sns.Topic.fromTopicArn(stack, 'Ops', OPS_TOPIC_ARN));
      notifier.addAlarmAction(ops);
    });
    expect(findings).toEqual([]);
  });
});

describe('Noncompliance', () => {
  test('without the acknowledgment, the alarms without actions are reported', () => {
    const findings = complianceFindings((app) => {
      new ScanNotifier(new Stack(app, 'Unrouted', { env: TEST_ENV }), 'Notifier');
    });
    expect(findings).toEqual([
      { plugin: 'cdk-validator-cfnguard', rule: 'cloudwatch_alarm_action_check', path: 'Unrouted/Notifier/ErrorsAlarm/Resource' },
      { plugin: 'cdk-validator-cfnguard', rule: 'cloudwatch_alarm_action_check', path: 'Unrouted/Notifier/DeadLetterAlarm/Resource' },
      { plugin: 'cdk-validator-cfnguard', rule: 'cloudwatch_alarm_action_check', path: 'Unrouted/Notifier/NewFindings/Tracker/ErrorsAlarm/Resource' },
      { plugin: 'cdk-validator-cfnguard', rule: 'cloudwatch_alarm_action_check', path: 'Unrouted/Notifier/NewFindings/Tracker/DeadLetterAlarm/Resource' },
      { plugin: 'cdk-validator-cfnguard', rule: 'cloudwatch_alarm_action_check', path: 'Unrouted/Notifier/NewFindings/Digest/ErrorsAlarm/Resource' },
      { plugin: 'cdk-validator-cfnguard', rule: 'cloudwatch_alarm_action_check', path: 'Unrouted/Notifier/NewFindings/Digest/DeadLetterAlarm/Resource' },
    ]);
  });

  test('the checks run: what ScanNotifier avoids is reported on plain SNS, SQS, Lambda and DynamoDB resources', () => {
    const findings = complianceFindings((app) => {
      const stack = new Stack(app, 'Plain', { env: TEST_ENV });
      new sns.Topic(stack, 'Topic');
      new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
      new lambda.Function(stack, 'Function', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => {};'),
      });
      new dynamodb.CfnTable(stack, 'Table', {
        keySchema: [{ attributeName: 'pk', keyType: 'HASH' }],
        attributeDefinitions: [{ attributeName: 'pk', attributeType: 'S' }],
        billingMode: 'PAY_PER_REQUEST',
      });
    });
    const rules = findings.map((f) => f.rule.replace(/\[.*$/, ''));
    expect(rules).toEqual(expect.arrayContaining([
      'AwsSolutions-SNS3', // publishing without TLS allowed
      'AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4', // no encryption, no DLQ, no TLS-only policy
      'sqs_queue_encrypted_check', 'sqs_dlq_check',
      'AwsSolutions-IAM4', 'AwsSolutions-L1', // AWSLambdaBasicExecutionRole, not the latest runtime
      'AwsSolutions-DDB3', // no point-in-time recovery (the dedup table has it)
    ]));
  });
});
