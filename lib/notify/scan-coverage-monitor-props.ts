import { Duration } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { NotificationPipelineOptions } from './notification-pipeline-options';
import { Severity } from './severity';

/** Properties of a `ScanCoverageMonitor`. */
export interface ScanCoverageMonitorProps extends NotificationPipelineOptions {
  /**
   * The topic alerts are published to, in practice the `ScanNotifier`'s topic: alerts carry the
   * same message attributes as scan notifications (`kind` is `coverage`), so subscription filter
   * policies keep working. The function is granted `sns:Publish` on it, and the use of its KMS
   * key when the topic exposes one (`topic.masterKey`).
   *
   * @default - a new topic, encrypted with `topicEncryptionKey` or the AWS managed key `alias/aws/sns`
   */
  readonly topic?: sns.ITopic;

  /**
   * The KMS key of the topic the monitor creates, with no `topic`.
   *
   * @default - the AWS managed key `alias/aws/sns`
   */
  readonly topicEncryptionKey?: kms.IKey;

  /**
   * Watch only these repositories. The function may then describe only these repositories.
   *
   * @default - every repository of the account and region
   */
  readonly repositories?: ecr.IRepository[];

  /**
   * When the sweep runs: it lists every image and Inspector's coverage, since Coverage events
   * are delivered best effort.
   *
   * @default events.Schedule.rate(Duration.days(1))
   */
  readonly sweepSchedule?: events.Schedule;

  /**
   * Images pushed more recently than this are left alone by the sweep: Inspector needs a few
   * minutes to list a new image. From 5 minutes to 7 days.
   *
   * @default Duration.hours(1)
   */
  readonly gracePeriod?: Duration;

  /**
   * A first scan pending (`PENDING_INITIAL_SCAN`) longer than this after the push is alerted.
   * From 15 minutes to 7 days.
   *
   * @default Duration.hours(6)
   */
  readonly pendingScanThreshold?: Duration;

  /**
   * Alert on repositories that Inspector scans on push only (`SCAN_FREQUENCY_SCAN_ON_PUSH`):
   * their images are never scanned again, so a vulnerability published after the push is
   * never reported. Set false where scan-on-push is intended.
   *
   * @default true
   */
  readonly expectContinuousScanning?: boolean;

  /**
   * The `severity` message attribute of the alerts ("scanning again" messages carry `INFORMATIONAL`).
   *
   * @default Severity.HIGH
   */
  readonly severity?: Severity;

  /**
   * The most images one sweep looks at; a larger registry is swept in part, with a warning in the log.
   *
   * @default 50000
   */
  readonly maxImages?: number;

  /**
   * The function timeout. The sweep stops listing a minute before it and publishes what it found.
   * From 2 to 15 minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}
