import { Duration } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { NotificationPipelineOptions } from './notification-pipeline-options';
import { NotificationLocale, Severity } from './severity';

/**
 * Your own mustache templates for the notification, in place of the built-in English or
 * Japanese ones. Rendered without HTML escaping (the mail is plain text), so `{{x}}` and
 * `{{{x}}}` give the same result. The variables are those of the built-in templates in
 * `templates/` of this package (for example `{{repositoryName}}`, `{{counts.critical}}`,
 * `{{links.inspector}}`).
 *
 * Both templates travel to the function in its environment, which Lambda caps at 4 KB
 * together with the other settings: keep them short.
 */
export interface NotificationTemplates {
  /**
   * Template of the subject line. The result is made printable ASCII on one line and
   * shortened to under 100 characters, as SNS requires.
   *
   * @default - the built-in subject of the chosen locale
   */
  readonly subject?: string;

  /**
   * Template of the plain-text body of the e-mail.
   *
   * @default - the built-in body of the chosen locale
   */
  readonly body?: string;
}

/** Properties of a `ScanNotifier`. */
export interface ScanNotifierProps extends NotificationPipelineOptions {
  /**
   * The standard (not FIFO) topic notifications are published to. The function is granted
   * `sns:Publish` on it, and the use of its KMS key when the topic exposes one (`topic.masterKey`).
   *
   * @default - a new topic that denies publishing without TLS (`aws:SecureTransport` false),
   *   encrypted with `topicEncryptionKey`
   */
  readonly topic?: sns.ITopic;

  /**
   * The KMS key of the topic this construct creates; the function is granted
   * `kms:GenerateDataKey` and `kms:Decrypt` on it. Only for the created topic: a topic you pass
   * in `topic` keeps its own encryption.
   *
   * @default - the AWS managed key `alias/aws/sns`. Only principals of this account can publish to
   *   a topic encrypted with it: AWS services such as CloudWatch alarms or EventBridge cannot, so
   *   route alarms to another topic, or pass a customer managed key whose policy allows them.
   */
  readonly topicEncryptionKey?: kms.IKey;

  /**
   * E-mail addresses to subscribe to the topic. Each recipient receives a confirmation mail
   * from SNS and gets notifications only after confirming.
   *
   * @default - no e-mail subscription
   */
  readonly emailAddresses?: string[];

  /**
   * The repositories whose scans are notified. Add more later with `addRepository()`. The
   * function filters by repository name, so any number of repositories costs no CloudFormation
   * resource; the names travel in the function's environment, which Lambda caps at 4 KB (a
   * few hundred names). For more, use one notifier for every repository and route with SNS
   * subscription filter policies on the `repository` message attribute.
   *
   * @default - every repository in the account and region
   */
  readonly repositories?: ecr.IRepository[];

  /**
   * Notify only when the scan found at least one finding of this severity or worse.
   * Scan events count only CRITICAL, HIGH and MEDIUM findings by name; LOW, INFORMATIONAL and
   * UNTRIAGED are counted together, so any of those three means "any finding".
   *
   * @default - every completed scan is notified, including scans that found nothing
   */
  readonly minimumSeverity?: Severity;

  /**
   * How many of the worst findings the notification lists, fetched with Inspector2
   * `ListFindings`. `0` lists none: the function then makes no Inspector call and has no
   * Inspector permission.
   *
   * @default 5
   */
  readonly topFindings?: number;

  /**
   * Language of the built-in templates. Subjects stay ASCII whatever the locale.
   *
   * @default NotificationLocale.EN
   */
  readonly locale?: NotificationLocale;

  /**
   * Your own mustache templates.
   *
   * @default - the built-in templates of `locale`
   */
  readonly templates?: NotificationTemplates;

  /**
   * Concurrent executions reserved for (and capping) the function. The cap bounds the rate of
   * Inspector2 `ListFindings` calls, which throttle at an unpublished rate: a burst of scans
   * (a base image update rescans every image built on it) waits in Lambda's asynchronous queue
   * instead of throttling. Reserving takes this many executions from the account's unreserved
   * pool, which must keep at least 10: an account whose concurrency limit is 10 needs a quota
   * increase first.
   *
   * @default 10
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * How long the id of a notified scan event is remembered, so a second delivery of the same
   * event (EventBridge delivers at least once) sends no second notification. The ids are kept
   * in a DynamoDB table (pay per request, with TTL, point-in-time recovery and encryption).
   * When DynamoDB itself fails, the function publishes anyway: a duplicate mail is better than
   * a lost one.
   *
   * @default Duration.days(1)
   */
  readonly dedupTtl?: Duration;

  /**
   * How long one invocation may run: 30 seconds to 15 minutes. The handler bounds every AWS
   * call (timeouts, attempts, the findings budget) so that an invocation ends within 29 seconds.
   *
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;

  /**
   * Also mail new vulnerabilities of images already scanned: Amazon Inspector reports a CVE found
   * after the initial scan only as `Inspector2 Finding` events. One mail per image per
   * `newFindingsWindow` (`kind` = `new-findings`), through a `NewFindingsNotifier` with the same
   * topic, repositories, `minimumSeverity` and `locale`.
   *
   * @default true
   */
  readonly newFindings?: boolean;

  /**
   * How long the changes of one image are gathered into one new-findings mail: 1 second to 15 minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly newFindingsWindow?: Duration;

  /**
   * Report findings that closed in the next new-findings mail of their image: as fixed, or as no
   * longer scanned when the image aged out of Inspector's re-scan duration.
   *
   * @default false
   */
  readonly notifyClosed?: boolean;
}

