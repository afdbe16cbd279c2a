import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';

/**
 * Settings every construct built on a notification pipeline (an EventBridge rule, a function,
 * a dead-letter queue and two alarms) shares.
 */
export interface NotificationPipelineOptions {
  /**
   * The log group of the function. Pass your own to choose retention, encryption or a
   * subscription filter.
   *
   * @default - a new log group that keeps logs for one year (`logs.RetentionDays.ONE_YEAR`)
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * Failed invocations in five minutes that make `errorsAlarm` fire.
   *
   * @default 1
   */
  readonly errorsAlarmThreshold?: number;

  /**
   * Messages in the dead-letter queue that make `deadLetterAlarm` fire.
   *
   * @default 1
   */
  readonly deadLetterAlarmThreshold?: number;
}

/**
 * What a construct built on a notification pipeline exposes: the function, the rule that feeds
 * it, the dead-letter queue that keeps every event it could not handle, the two alarms and
 * their metrics.
 */
export interface INotificationPipeline extends IConstruct {
  /** The function that formats and publishes the notifications. */
  readonly handler: lambda.IFunction;

  /** The rule that sends events to the function. */
  readonly rule: events.Rule;

  /**
   * Where an event lands when it could not be handled: after EventBridge could not invoke the
   * function, or after the function failed on it three times. Each message body is the original
   * event, ready to replay.
   */
  readonly deadLetterQueue: sqs.IQueue;

  /** The function's log group. */
  readonly logGroup: logs.ILogGroup;

  /** Fires when the function fails (`errorsAlarmThreshold` errors in 5 minutes). Add your own actions. */
  readonly errorsAlarm: cloudwatch.Alarm;

  /** Fires when the dead-letter queue holds `deadLetterAlarmThreshold` messages. Add your own actions. */
  readonly deadLetterAlarm: cloudwatch.Alarm;

  /**
   * The function's errors (sum over 5 minutes unless `props` says otherwise).
   *
   * @param props period, statistic and other options of the metric
   */
  metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * Messages waiting in the dead-letter queue (maximum over 5 minutes unless `props` says otherwise).
   *
   * @param props period, statistic and other options of the metric
   */
  metricDeadLetters(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}
