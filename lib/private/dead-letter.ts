import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * A dead-letter queue: SQS-managed encryption, TLS only, messages kept 14 days for replay. It is
 * the end of the line, so the rules asking for a dead-letter queue of its own are acknowledged,
 * with `what` saying whose queue it is. Its construct id is `id`.
 */
export function createDeadLetterQueue(scope: Construct, what: string, id = 'DeadLetterQueue'): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  // This queue is the end of the line: a dead-letter queue of its own would only move the problem.
  const reason = `This queue is itself the dead-letter queue of ${what}; its messages are kept 14 days for replay, and an alarm fires on the first one.`;
  Validations.of(queue).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason });
  Validations.of(queue).acknowledge({ id: 'cdk-validator-cfnguard::sqs_dlq_check', reason });
  return queue;
}

/** Messages waiting in a dead-letter queue: maximum over 5 minutes unless `props` says otherwise. */
export function deadLettersMetric(queue: sqs.IQueue, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM, ...props });
}

/**
 * An alarm when `metric` reaches `threshold` in one period; by default on the first occurrence
 * (one failed invocation, one event in a queue).
 */
export function thresholdAlarm(scope: Construct, id: string, alarmDescription: string, metric: cloudwatch.IMetric, threshold = 1): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription,
    metric,
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
