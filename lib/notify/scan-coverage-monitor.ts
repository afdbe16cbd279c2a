import { Annotations, Duration, Lazy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { addPipelineRule, createNotificationPipeline, deadLettersMetric, pipelineErrorsMetric, validatePipelineOptions } from './notification-pipeline';
import { INotificationPipeline } from './notification-pipeline-options';
import { createNotificationTopic } from './private/notification-topic';
import { ScanCoverageMonitorProps } from './scan-coverage-monitor-props';
import { Severity } from './severity';

/** How long a "scanning again" mark is kept in the state table. */
const RECOVERED_TTL = Duration.days(30);
/** At most this many repositories: their names go into the function's 4 KB environment. */
const MAX_REPOSITORIES = 100;

function validateDuration(prop: string, value: Duration | undefined, least: Duration, most: Duration): void {
  if (!value || value.isUnresolved()) return;
  const seconds = value.toSeconds({ integral: false });
  if (seconds < least.toSeconds() || seconds > most.toSeconds()) {
    throw new Error(`${prop} is ${value.toHumanString()}: expected ${least.toHumanString()} to ${most.toHumanString()}.`);
  }
}

function validateProps(props: ScanCoverageMonitorProps): void {
  if (props.topic && props.topicEncryptionKey) {
    throw new Error('topicEncryptionKey is set together with topic: the key applies only to the topic ScanCoverageMonitor creates. '
      + 'Encrypt your own topic with its masterKey instead, or drop topic.');
  }
  if (props.repositories && props.repositories.length === 0) {
    throw new Error('repositories is []: expected at least one repository. Omit repositories to watch every repository of the account and region.');
  }
  if (props.repositories && props.repositories.length > MAX_REPOSITORIES) {
    throw new Error(`repositories lists ${props.repositories.length} repositories: expected at most ${MAX_REPOSITORIES}, since their names `
      + 'go into the function\'s environment. Omit repositories to watch every repository, and route alerts with subscription '
      + 'filter policies on the "repository" message attribute.');
  }
  validateDuration('gracePeriod', props.gracePeriod, Duration.minutes(5), Duration.days(7));
  validateDuration('pendingScanThreshold', props.pendingScanThreshold, Duration.minutes(15), Duration.days(7));
  validateDuration('timeout', props.timeout, Duration.minutes(2), Duration.minutes(15));
  const max = props.maxImages;
  if (max !== undefined && !Token.isUnresolved(max) && (!Number.isInteger(max) || max < 1 || max > 1_000_000)) {
    throw new Error(`maxImages is ${max}: expected a whole number from 1 to 1000000.`);
  }
}

/**
 * Tells people when Amazon Inspector cannot scan an image: a restricted repository policy makes
 * the scan status ACCESS_DENIED, and no mail ever comes. One alert per image and reason until it
 * changes (`kind` = `coverage`), naming the reason in plain words with the fix (for ACCESS_DENIED,
 * which policy denies the Inspector service-linked role), and one "scanning again" message when
 * Inspector scans the image again.
 *
 * One function has two entry paths: a rule on `Inspector2 Coverage` events, and a schedule rule
 * (daily by default) that sweeps every repository and image with ECR `DescribeRepositories` and
 * `DescribeImages` and Inspector `ListCoverage`, since the events are delivered best effort. What
 * was alerted is remembered in `stateTable`. Events that cannot be handled end in
 * `deadLetterQueue`, and `errorsAlarm` and `deadLetterAlarm` fire.
 */
export class ScanCoverageMonitor extends Construct implements INotificationPipeline {
  /** The topic alerts are published to. */
  public readonly topic: sns.ITopic;

  /** The function that checks coverage and publishes the alerts. */
  public readonly handler: lambda.IFunction;

  /** The rule that sends `Inspector2 Coverage` events of the default bus to the function. */
  public readonly rule: events.Rule;

  /** The rule that starts the sweep. */
  public readonly scheduleRule: events.Rule;

  /** What was alerted for each image and repository. */
  public readonly stateTable: dynamodb.ITable;

  /** Where an event or sweep lands when it could not be handled; each message body is the original event. */
  public readonly deadLetterQueue: sqs.IQueue;

  /** Fires when the function fails (`errorsAlarmThreshold` errors in 5 minutes). Add your own actions. */
  public readonly errorsAlarm: cloudwatch.Alarm;

  /** Fires when the dead-letter queue holds `deadLetterAlarmThreshold` messages. Add your own actions. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: ScanCoverageMonitorProps = {}) {
    super(scope, id);
    validateProps(props);
    validatePipelineOptions(props);
    if (props.gracePeriod && !props.gracePeriod.isUnresolved() && props.gracePeriod.toSeconds() < Duration.minutes(15).toSeconds()) {
      Annotations.of(this).addWarningV2('cdk-ecr-scan-guard:coverageGracePeriodShort',
        `gracePeriod is ${props.gracePeriod.toHumanString()}: Inspector can take several minutes to list a new image, `
        + 'so the sweep may alert images that are about to be scanned (NOT_COVERED). Prefer 15 minutes or more.');
    }
    this.topic = props.topic ?? createNotificationTopic(this, props.topicEncryptionKey);
    const stack = Stack.of(this);
    const names = props.repositories?.map((r) => r.repositoryName);

    const environment: Record<string, string> = {
      GRACE_PERIOD_SECONDS: String((props.gracePeriod ?? Duration.hours(1)).toSeconds()),
      PENDING_SCAN_THRESHOLD_SECONDS: String((props.pendingScanThreshold ?? Duration.hours(6)).toSeconds()),
      EXPECT_CONTINUOUS_SCANNING: String(props.expectContinuousScanning ?? true),
      MAX_IMAGES: String(props.maxImages ?? 50_000),
      SEVERITY: props.severity ?? Severity.HIGH,
    };
    if (names) environment.REPOSITORY_NAMES = Lazy.string({ produce: () => stack.toJsonString(names) });

    const pipeline = createNotificationPipeline(this, {
      handlerName: 'coverage-monitor',
      description: 'Alerts when Amazon Inspector cannot scan ECR images',
      roleDescription: 'Reads ECR images and Inspector coverage, and publishes scan coverage alerts to the notification topic.',
      ruleDescription: 'Amazon Inspector coverage changes to the scan coverage monitor',
      eventPattern: { source: ['aws.inspector2'], detailType: ['Inspector2 Coverage'] },
      topic: this.topic,
      topicKey: props.topic ? props.topic.masterKey : props.topicEncryptionKey,
      environment,
      dedupTtl: RECOVERED_TTL,
      logGroup: props.logGroup,
      errorsAlarmThreshold: props.errorsAlarmThreshold,
      deadLetterAlarmThreshold: props.deadLetterAlarmThreshold,
      timeout: props.timeout ?? Duration.minutes(5),
      errorsAlarmDescription: 'The scan coverage monitor failed. Lambda retries twice, then keeps the event in the dead-letter queue.',
      deadLetterAlarmDescription: 'A scan coverage alert could not be sent: its event is in the dead-letter queue, ready to replay.',
    });
    this.handler = pipeline.function;
    this.rule = pipeline.rule;
    this.scheduleRule = addPipelineRule(this, 'ScheduleRule', pipeline, {
      description: 'Starts the sweep of the scan coverage monitor',
      schedule: props.sweepSchedule ?? events.Schedule.rate(Duration.days(1)),
    });
    this.stateTable = pipeline.table!;
    this.deadLetterQueue = pipeline.deadLetterQueue;
    this.logGroup = pipeline.logGroup;
    this.errorsAlarm = pipeline.errorsAlarm;
    this.deadLetterAlarm = pipeline.deadLetterAlarm;

    const repositoryArns = props.repositories?.map((r) => r.repositoryArn)
      ?? [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })];
    const policy = new iam.Policy(this, 'CoveragePolicy', {
      roles: [pipeline.role],
      statements: [
        new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [pipeline.table!.tableArn] }),
        new iam.PolicyStatement({ actions: ['ecr:DescribeRepositories', 'ecr:DescribeImages', 'ecr:GetRepositoryPolicy'], resources: repositoryArns }),
        new iam.PolicyStatement({ actions: ['inspector2:ListCoverage', 'ecr:GetRegistryPolicy'], resources: ['*'] }),
      ],
    });
    pipeline.function.node.addDependency(policy);
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'inspector2:ListCoverage and ecr:GetRegistryPolicy support no resource-level permissions; both only read.',
    });
    if (!props.repositories) {
      // cdk-nag names the resource as it resolves: pseudo parameters it cannot resolve as <AWS::Name>.
      const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
      Validations.of(policy).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:${shown(stack.partition, 'Partition')}:ecr:${shown(stack.region, 'Region')}:`
          + `${shown(stack.account, 'AccountId')}:repository/*]`,
        reason: 'Without a repositories filter the monitor watches every repository of its account and region; it only describes them.',
      });
    }
  }

  /**
   * The function's errors (sum over 5 minutes unless `props` says otherwise).
   *
   * @param props period, statistic and other options of the metric
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return pipelineErrorsMetric(this.handler, props);
  }

  /**
   * Messages waiting in the dead-letter queue (maximum over 5 minutes unless `props` says otherwise).
   *
   * @param props period, statistic and other options of the metric
   */
  public metricDeadLetters(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return deadLettersMetric(this.deadLetterQueue, props);
  }
}
