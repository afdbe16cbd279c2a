import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createNotificationPipeline, deadLettersMetric, pipelineErrorsMetric, validateDedupTtl, validatePipelineOptions } from '../notify/notification-pipeline';
import { INotificationPipeline, NotificationPipelineOptions } from '../notify/notification-pipeline-options';
import { deploymentRoleArn } from '../private/guard-statements';
import { isPrincipalArn, validateEach } from '../private/validation';
import { Severity } from '../notify/severity';

/** Properties of a `GuardTamperAlerts`. */
export interface GuardTamperAlertsProps extends NotificationPipelineOptions {
  /**
   * The topic alerts are published to, in practice the `ScanNotifier`'s topic: alerts carry the
   * same message attributes as scan notifications (`kind` is `tamper`), so subscription filter
   * policies keep working. The function is granted `sns:Publish` on it, and the use of its KMS
   * key when the topic exposes one (`topic.masterKey`).
   */
  readonly topic: sns.ITopic;

  /**
   * Principals whose calls are expected and raise no alert: IAM role or user ARNs (or
   * `arn:<partition>:iam::<account>:root`), with `*` and `?` wildcards in the name part. A call
   * through an assumed role is matched by the role's ARN.
   *
   * @default - none beyond the deployment role (see `ignoreDeploymentRole`)
   */
  readonly ignoredPrincipalArns?: string[];

  /**
   * Raise no alert for calls by the stack's CloudFormation execution role (the CDK bootstrap
   * `cfn-exec` role), which makes the expected changes when the guard is deployed. Known only
   * when the stack uses the `DefaultStackSynthesizer`; otherwise list the role in
   * `ignoredPrincipalArns`.
   *
   * @default true
   */
  readonly ignoreDeploymentRole?: boolean;

  /**
   * The `severity` message attribute of the alerts.
   *
   * @default Severity.HIGH
   */
  readonly severity?: Severity;

  /**
   * How long a CloudTrail event id is remembered, so a duplicate delivery raises no second alert.
   *
   * @default Duration.days(2)
   */
  readonly dedupTtl?: Duration;

}

/**
 * Alerts on API calls that weaken the registry guard: ECR `SetRepositoryPolicy`,
 * `DeleteRepositoryPolicy`, `DeleteRepository`, `PutImageTagMutability`,
 * `PutImageScanningConfiguration`, `PutRegistryScanningConfiguration`, `PutLifecyclePolicy`,
 * and Amazon Inspector `Disable` and `DisableDelegatedAdminAccount`. Each call becomes one
 * readable alert: who, which call, from which address, on which repository, and whether it
 * failed (attempts denied by the guard are alerted too).
 *
 * An EventBridge rule on `AWS API Call via CloudTrail` events feeds a function. EventBridge
 * receives these events only where CloudTrail records management events with a trail
 * (an organization trail counts), in each region separately. Calls by the deployment role
 * are expected changes and are left out; see `ignoreDeploymentRole` and `ignoredPrincipalArns`.
 * Each CloudTrail event id is alerted once, however often it is delivered.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html
 */
export class GuardTamperAlerts extends Construct implements INotificationPipeline {
  /** The ECR calls that can weaken a guarded registry, as CloudTrail names them. */
  public static readonly ECR_CALLS: string[] = [
    'SetRepositoryPolicy',
    'DeleteRepositoryPolicy',
    'DeleteRepository',
    'PutImageTagMutability',
    'PutImageScanningConfiguration',
    'PutRegistryScanningConfiguration',
    'PutLifecyclePolicy',
  ];

  /** The Amazon Inspector calls that stop the scanning of images, as CloudTrail names them. */
  public static readonly INSPECTOR_CALLS: string[] = ['Disable', 'DisableDelegatedAdminAccount'];

  /** The function that formats the alerts. */
  public readonly handler: lambda.IFunction;

  /** The rule that sends the CloudTrail events of the watched calls to the function. */
  public readonly rule: events.Rule;

  /** The table that remembers which CloudTrail events were alerted. */
  public readonly dedupTable: dynamodb.ITable;

  /** Where an event lands when it could not be handled; each message body is the original event. */
  public readonly deadLetterQueue: sqs.IQueue;

  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;

  /** Fires when the function fails (Errors >= 1 in 5 minutes). Add your own actions. */
  public readonly errorsAlarm: cloudwatch.Alarm;

  /** Fires when the dead-letter queue holds a message. Add your own actions. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: GuardTamperAlertsProps) {
    super(scope, id);
    if (!props.topic) {
      throw new Error('topic is missing: expected the sns.ITopic alerts go to, such as the topic of your ScanNotifier.');
    }
    validateEach('ignoredPrincipalArns', props.ignoredPrincipalArns, isPrincipalArn,
      'an IAM role or user ARN such as "arn:aws:iam::111111111111:role/platform-admin" ("*" and "?" allowed in the name), or "arn:aws:iam::111111111111:root"');
    validateDedupTtl('dedupTtl', props.dedupTtl);
    validatePipelineOptions(props);

    const ignored = [...(props.ignoredPrincipalArns ?? [])];
    if (props.ignoreDeploymentRole ?? true) {
      const deployRole = deploymentRoleArn(Stack.of(this));
      if (deployRole) {
        ignored.unshift(deployRole);
      } else {
        Annotations.of(this).addWarningV2('cdk-ecr-scan-guard:tamperAlertsDeploymentRoleUnknown',
          'The stack\'s synthesizer names no CloudFormation execution role, so deployments of the guard raise tamper alerts. '
          + 'List the role that deploys the stack in ignoredPrincipalArns, or set ignoreDeploymentRole: false to silence this warning.');
      }
    }

    const pipeline = createNotificationPipeline(this, {
      handlerName: 'tamper-alert',
      description: 'Alerts on API calls that weaken the registry guard',
      eventPattern: {
        source: ['aws.ecr', 'aws.inspector2'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['ecr.amazonaws.com', 'inspector2.amazonaws.com'],
          eventName: [...GuardTamperAlerts.ECR_CALLS, ...GuardTamperAlerts.INSPECTOR_CALLS],
        },
      },
      topic: props.topic,
      environment: {
        IGNORED_PRINCIPALS: Stack.of(this).toJsonString(ignored),
        SEVERITY: props.severity ?? Severity.HIGH,
      },
      dedupTtl: props.dedupTtl ?? Duration.days(2),
      logGroup: props.logGroup,
      errorsAlarmThreshold: props.errorsAlarmThreshold,
      deadLetterAlarmThreshold: props.deadLetterAlarmThreshold,
      errorsAlarmDescription: 'The guard tamper alert function failed. Lambda retries the event twice, then keeps it in the dead-letter queue.',
      deadLetterAlarmDescription: 'A tamper alert could not be sent: its CloudTrail event is in the dead-letter queue, ready to replay.',
    });
    this.handler = pipeline.function;
    this.rule = pipeline.rule;
    this.dedupTable = pipeline.table!;
    this.deadLetterQueue = pipeline.deadLetterQueue;
    this.logGroup = pipeline.logGroup;
    this.errorsAlarm = pipeline.errorsAlarm;
    this.deadLetterAlarm = pipeline.deadLetterAlarm;
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
