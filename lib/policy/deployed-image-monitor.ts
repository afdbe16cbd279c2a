import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ImagePolicy } from './image-policy';
import { createNotificationPipeline, deadLettersMetric, pipelineErrorsMetric, validateDedupTtl, validatePipelineOptions } from '../notify/notification-pipeline';
import { INotificationPipeline, NotificationPipelineOptions } from '../notify/notification-pipeline-options';
import { Severity } from '../notify/severity';

/** The share of Lambda's 4 KB environment the policy may take; the rest holds ARNs and settings. */
const MAX_POLICY_BYTES = 3072;

/** Properties of a `DeployedImageMonitor`. */
export interface DeployedImageMonitorProps extends NotificationPipelineOptions {
  /** The policy the images of running tasks must follow. */
  readonly policy: ImagePolicy;

  /**
   * The topic alerts are published to, in practice the `ScanNotifier`'s topic: alerts carry the
   * same message attributes as scan notifications (`kind` is `image-policy`), so subscription
   * filter policies keep working. The function is granted `sns:Publish` on it, and the use of
   * its KMS key when the topic exposes one (`topic.masterKey`).
   */
  readonly topic: sns.ITopic;

  /**
   * Watch only the tasks of these clusters.
   *
   * @default - every cluster of the account and region
   */
  readonly clusters?: ecs.ICluster[];

  /**
   * The `severity` message attribute of the alerts.
   *
   * @default Severity.HIGH
   */
  readonly severity?: Severity;

  /**
   * How long a task that was alerted is remembered, so its later state changes raise no new
   * alert. A task still running after this time raises one more alert on its next state change
   * (usually when it stops).
   *
   * @default Duration.days(30)
   */
  readonly dedupTtl?: Duration;

}

/**
 * Checks the images that ECS tasks actually run against an `ImagePolicy`, and publishes
 * one alert per task that runs an image the policy rejects: which image, which container,
 * task and cluster, and which rule.
 *
 * An EventBridge rule on `aws.ecs` `ECS Task State Change` events feeds a function that checks
 * `detail.containers[].image`. A task sends several state changes and EventBridge delivers at
 * least once, so the function records each alerted task ARN in a DynamoDB table with a
 * conditional write: one bad task gives one alert. Events that cannot be handled after
 * EventBridge's and Lambda's retries are kept in `deadLetterQueue`.
 *
 * @example
 * import { App, Stack } from 'aws-cdk-lib';
 * import { DeployedImageMonitor, ImagePolicy, ScanNotifier } from 'cdk-ecr-scan-guard';
 *
 * const stack = new Stack(new App(), 'Monitoring', { env: { account: '111111111111', region: 'us-east-1' } });
 * const notifier = new ScanNotifier(stack, 'ScanMail', { emailAddresses: ['security@example.com'] });
 * const policy = new ImagePolicy({ allowedPrefixes: [ImagePolicy.ecrRegistryOf(stack)] });
 * new DeployedImageMonitor(stack, 'Monitor', { policy, topic: notifier.topic });
 */
export class DeployedImageMonitor extends Construct implements INotificationPipeline {
  /** The function that checks the images. */
  public readonly handler: lambda.IFunction;

  /** The rule that sends task state changes to the function. */
  public readonly rule: events.Rule;

  /** The table that remembers which tasks were alerted. */
  public readonly dedupTable: dynamodb.ITable;

  /** Where an event lands when it could not be handled; each message body is the original event. */
  public readonly deadLetterQueue: sqs.IQueue;

  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;

  /** Fires when the function fails (Errors >= 1 in 5 minutes). Add your own actions. */
  public readonly errorsAlarm: cloudwatch.Alarm;

  /** Fires when the dead-letter queue holds a message. Add your own actions. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeployedImageMonitorProps) {
    super(scope, id);
    if (!props.policy || typeof props.policy.toJson !== 'function') {
      throw new Error('policy is missing: expected an ImagePolicy, such as new ImagePolicy({ allowedPrefixes: [...] }).');
    }
    if (!props.topic) {
      throw new Error('topic is missing: expected the sns.ITopic alerts go to, such as the topic of your ScanNotifier.');
    }
    if (props.clusters && props.clusters.length === 0) {
      throw new Error('clusters is []: expected at least one cluster. Omit clusters to watch every cluster of the account and region.');
    }
    validateDedupTtl('dedupTtl', props.dedupTtl);
    validatePipelineOptions(props);
    const policyJson = props.policy.toJson();
    if (Buffer.byteLength(policyJson) > MAX_POLICY_BYTES) {
      throw new Error(`policy takes ${Buffer.byteLength(policyJson)} bytes as JSON, over the ${MAX_POLICY_BYTES} bytes it may take of `
        + 'the function\'s environment (Lambda allows 4 KB in all): allow whole registries or namespaces ("host/team/") instead of many repositories.');
    }

    const detail: Record<string, unknown> = {};
    if (props.clusters) detail.clusterArn = props.clusters.map((c) => c.clusterArn);
    const pipeline = createNotificationPipeline(this, {
      handlerName: 'deployed-image-monitor',
      description: 'Checks the images of running ECS tasks against the image policy',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        ...(props.clusters ? { detail } : {}),
      },
      topic: props.topic,
      environment: {
        IMAGE_POLICY: policyJson,
        SEVERITY: props.severity ?? Severity.HIGH,
      },
      dedupTtl: props.dedupTtl ?? Duration.days(30),
      logGroup: props.logGroup,
      errorsAlarmThreshold: props.errorsAlarmThreshold,
      deadLetterAlarmThreshold: props.deadLetterAlarmThreshold,
      errorsAlarmDescription: 'The deployed image monitor function failed. Lambda retries the event twice, then keeps it in the dead-letter queue.',
      deadLetterAlarmDescription: 'A deployed-image alert could not be sent: its task state change event is in the dead-letter queue, ready to replay.',
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
