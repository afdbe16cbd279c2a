import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { INotificationPipeline, NotificationPipelineOptions } from '../../lib/notify/notification-pipeline-options';
import { ScanNotifier } from '../../lib/notify/scan-notifier';
import { DeployedImageMonitor } from '../../lib/policy/deployed-image-monitor';
import { GuardTamperAlerts } from '../../lib/policy/guard-tamper-alerts';
import { ImagePolicy } from '../../lib/policy/image-policy';
import { RuntimeThreatAlerts } from '../../lib/policy/runtime-threat-alerts';
import { testStack } from '../support/app';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:111111111111:alerts';
const policy = new ImagePolicy({ allowedPrefixes: ['111111111111.dkr.ecr.us-east-1.amazonaws.com/'] });

/** Every construct built on a notification pipeline, made with the shared options. */
const builders: Array<[string, (stack: Stack, options: NotificationPipelineOptions) => INotificationPipeline]> = [
  ['ScanNotifier', (stack, options) => new ScanNotifier(stack, 'Pipeline', options)],
  ['DeployedImageMonitor', (stack, options) => new DeployedImageMonitor(stack, 'Pipeline', {
    policy, topic: sns.Topic.fromTopicArn(stack, 'Topic', TOPIC_ARN), ...options,
  })],
  ['GuardTamperAlerts', (stack, options) => new GuardTamperAlerts(stack, 'Pipeline', {
    topic: sns.Topic.fromTopicArn(stack, 'Topic', TOPIC_ARN), ...options,
  })],
  ['RuntimeThreatAlerts', (stack, options) => new RuntimeThreatAlerts(stack, 'Pipeline', {
    topic: sns.Topic.fromTopicArn(stack, 'Topic', TOPIC_ARN), ...options,
  })],
];

describe.each(builders)('%s shares the pipeline options', (_name, build) => {
  test('alarm thresholds apply to the two alarms; by default both fire on the first occurrence', () => {
    const custom = testStack();
    build(custom, { errorsAlarmThreshold: 3, deadLetterAlarmThreshold: 5 });
    const thresholds = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))
      .map((alarm: any) => [alarm.Properties.MetricName, alarm.Properties.Threshold]).sort();
    expect(thresholds(custom)).toEqual([['ApproximateNumberOfMessagesVisible', 5], ['Errors', 3]]);
    const defaults = testStack();
    build(defaults, {});
    expect(thresholds(defaults)).toEqual([['ApproximateNumberOfMessagesVisible', 1], ['Errors', 1]]);
  });

  test('metricErrors and metricDeadLetters measure the function and the dead-letter queue, with overrides', () => {
    const stack = testStack();
    const pipeline = build(stack, {});
    const errors = pipeline.metricErrors();
    expect(errors.metricName).toBe('Errors');
    expect(errors.namespace).toBe('AWS/Lambda');
    expect(errors.statistic).toBe('Sum');
    expect(errors.period.toMinutes()).toBe(5);
    expect(stack.resolve(errors.dimensions)).toEqual({ FunctionName: stack.resolve(pipeline.handler.functionName) });
    const letters = pipeline.metricDeadLetters({ period: Duration.minutes(1) });
    expect(letters.metricName).toBe('ApproximateNumberOfMessagesVisible');
    expect(letters.statistic).toBe('Maximum');
    expect(letters.period.toMinutes()).toBe(1);
    expect(stack.resolve(letters.dimensions)).toEqual({ QueueName: stack.resolve(pipeline.deadLetterQueue.queueName) });
  });

  test('a log group you pass replaces the one-year group the construct would create', () => {
    const stack = testStack();
    const own = new logs.LogGroup(stack, 'Own', { retention: logs.RetentionDays.ONE_WEEK });
    const pipeline = build(stack, { logGroup: own });
    expect(pipeline.logGroup).toBe(own);
    Template.fromStack(stack).resourceCountIs('AWS::Logs::LogGroup', 1);
    const defaults = testStack();
    build(defaults, {});
    Template.fromStack(defaults).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test.each([
    [{ errorsAlarmThreshold: 0 }, /errorsAlarmThreshold is 0: expected an integer of at least 1/],
    [{ errorsAlarmThreshold: 1.5 }, /errorsAlarmThreshold is 1.5: expected an integer of at least 1/],
    [{ deadLetterAlarmThreshold: -2 }, /deadLetterAlarmThreshold is -2: expected an integer of at least 1 .*dead-letter queue/],
  ])('%j throws', (options, message) => {
    expect(() => build(testStack(), options)).toThrow(message);
  });
});
