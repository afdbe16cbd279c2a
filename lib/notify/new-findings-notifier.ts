import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createNotificationPipeline, createPipelineFunction, deadLettersMetric, pipelineErrorsMetric, validatePipelineOptions } from './notification-pipeline';
import { INotificationPipeline, NotificationPipelineOptions } from './notification-pipeline-options';
import { NotificationLocale, Severity } from './severity';

/** The window when none is given. */
export const DEFAULT_NEW_FINDINGS_WINDOW = Duration.minutes(5);
/** SQS delays a message 15 minutes at most. */
const MAX_WINDOW = Duration.minutes(15);
/** SQS delivers a digest this often before it goes to the dead-letter queue. */
const DIGEST_MAX_RECEIVES = 5;
const DIGEST_TIMEOUT = Duration.seconds(60);

/**
 * Properties of a `NewFindingsNotifier`. The shared pipeline options apply to both functions: a
 * `logGroup` you pass serves the tracker and the digest, and the alarm thresholds apply to the
 * alarms of both.
 */
export interface NewFindingsNotifierProps extends NotificationPipelineOptions {
  /** The standard topic the new-findings mails are published to. */
  readonly topic: sns.ITopic;

  /**
   * The KMS key of the topic; the digest function may use it to publish.
   *
   * @default - `topic.masterKey`, when the topic exposes one
   */
  readonly topicKey?: kms.IKey;

  /**
   * How long the changes of one image are gathered into one mail: the first notifiable change of
   * an image schedules its digest this much later, and every change until then joins it.
   * Whole seconds, 1 second to 15 minutes (the longest SQS message delay).
   *
   * @default Duration.minutes(5)
   */
  readonly window?: Duration;

  /**
   * Also report findings that closed, in the next mail of their image: as fixed, or as no longer
   * scanned when the image aged out of Inspector's re-scan duration (never as fixed).
   *
   * @default false
   */
  readonly notifyClosed?: boolean;

  /**
   * Mail only findings of this severity or worse; milder ones are tracked (a later rise of their
   * severity is mailed) but never mailed.
   *
   * @default - every severity
   */
  readonly minimumSeverity?: Severity;

  /**
   * The repositories whose images are tracked. Add more with `addRepository()`.
   *
   * @default - every repository in the account and region
   */
  readonly repositories?: ecr.IRepository[];

  /**
   * Language of the mails. Subjects stay ASCII whatever the locale.
   *
   * @default NotificationLocale.EN
   */
  readonly locale?: NotificationLocale;
}

/**
 * Mails new vulnerabilities of images already in the registry, which Amazon Inspector reports
 * only as `Inspector2 Finding` events (one per finding and change): ONE mail per image per
 * `window`, listing the findings that became ACTIVE (or more urgent) and were never mailed, worst
 * first, with the counts of the image's open findings. `ScanNotifier` creates one by default.
 *
 * A rule on `Inspector2 Finding` events of ECR images feeds a tracker function, which keeps each
 * finding's material state in `stateTable` (updates of timestamps alone, duplicate deliveries and
 * a delegated administrator's second copy change nothing) and schedules one digest per image
 * through `digestQueue`. The digest function publishes the mail (`kind` = `new-findings`).
 * Nothing is lost: failed events end in `deadLetterQueue`, failed digests in
 * `digestDeadLetterQueue`, each with two alarms.
 */
export class NewFindingsNotifier extends Construct implements INotificationPipeline {
  /** The tracker function (fed by `rule`). */
  public readonly handler: lambda.IFunction;
  /** The rule that sends `Inspector2 Finding` events of ECR images to the tracker. */
  public readonly rule: events.Rule;
  /** Where a Finding event lands after EventBridge's and Lambda's retries failed. Each message body is the event. */
  public readonly deadLetterQueue: sqs.IQueue;
  /** Fires when the tracker fails (Errors >= 1 in 5 minutes). */
  public readonly errorsAlarm: cloudwatch.Alarm;
  /** Fires when the tracker's dead-letter queue holds a message. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The tracker's log group. */
  public readonly logGroup: logs.ILogGroup;

  /** The digest function, which publishes one mail per image. */
  public readonly digestHandler: lambda.IFunction;
  /** The queue of scheduled digests (one message per image and window, delayed by the window). */
  public readonly digestQueue: sqs.IQueue;
  /** Where a digest lands after 5 failed deliveries. Each message body names the image. */
  public readonly digestDeadLetterQueue: sqs.IQueue;
  /** Fires when the digest function fails. */
  public readonly digestErrorsAlarm: cloudwatch.Alarm;
  /** Fires when the digest dead-letter queue holds a message. */
  public readonly digestDeadLetterAlarm: cloudwatch.Alarm;
  /** The digest's log group. */
  public readonly digestLogGroup: logs.ILogGroup;

  /**
   * The state of every finding (one partition per image). Kept when the stack is deleted or the
   * construct replaced (RETAIN), with point-in-time recovery, so a redeploy does not mail every
   * open finding again.
   */
  public readonly stateTable: dynamodb.ITable;

  private readonly tracker: lambda.Function;
  private repositoryNames?: string[];

  constructor(scope: Construct, id: string, props: NewFindingsNotifierProps) {
    super(scope, id);
    const window = props.window ?? DEFAULT_NEW_FINDINGS_WINDOW;
    validateWindow(window);
    validatePipelineOptions(props);

    const table = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Losing it would mail every open finding again, and forget what was mailed.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateTable = table;

    const queue = new sqs.Queue(this, 'DigestQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function timeout, as Lambda advises for an SQS event source.
      visibilityTimeout: Duration.seconds(DIGEST_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
    });
    this.digestQueue = queue;

    const environment: Record<string, string> = {
      STATE_TABLE: table.tableName,
      QUEUE_URL: queue.queueUrl,
      WINDOW_SECONDS: String(window.toSeconds()),
      NOTIFY_CLOSED: String(props.notifyClosed ?? false),
      LOCALE: props.locale ?? NotificationLocale.EN,
    };
    if (props.minimumSeverity) environment.MIN_SEVERITY = props.minimumSeverity;
    const shared = {
      logGroup: props.logGroup,
      errorsAlarmThreshold: props.errorsAlarmThreshold,
      deadLetterAlarmThreshold: props.deadLetterAlarmThreshold,
      environment,
    };

    const trackerScope = new Construct(this, 'Tracker');
    const tracker = createNotificationPipeline(trackerScope, {
      ...shared,
      handlerName: 'finding-tracker',
      description: 'Tracks Amazon Inspector findings of ECR images and schedules one digest per image',
      ruleDescription: 'Amazon Inspector findings of ECR images to the finding tracker',
      eventPattern: {
        source: ['aws.inspector2'],
        detailType: ['Inspector2 Finding'],
        detail: { resources: { type: ['AWS_ECR_CONTAINER_IMAGE'] } },
      },
      errorsAlarmDescription: 'The finding tracker failed. Lambda retries the event twice, then keeps it in the dead-letter queue.',
      deadLetterAlarmDescription: 'An Inspector finding event could not be tracked: it is in the dead-letter queue, ready to replay.',
    });
    table.grant(tracker.role, 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    queue.grantSendMessages(tracker.role);
    this.tracker = tracker.function;
    this.handler = tracker.function;
    this.rule = tracker.rule;
    this.deadLetterQueue = tracker.deadLetterQueue;
    this.errorsAlarm = tracker.errorsAlarm;
    this.deadLetterAlarm = tracker.deadLetterAlarm;
    this.logGroup = tracker.logGroup;

    const digestScope = new Construct(this, 'Digest');
    const digest = createPipelineFunction(digestScope, {
      ...shared,
      handlerName: 'finding-digest',
      description: 'Publishes one new-findings mail per image',
      topic: props.topic,
      topicKey: props.topicKey,
      timeout: DIGEST_TIMEOUT,
      errorsAlarmDescription: 'The finding digest failed. SQS delivers the digest again, 5 times, then keeps it in the dead-letter queue.',
      deadLetterAlarmDescription: 'A new-findings mail could not be sent: its digest is in the dead-letter queue, ready to replay.',
    }, 'the digest queue');
    // The dead-letter queue is the digest function's (created with it), so the redrive is set here.
    (queue.node.defaultChild as sqs.CfnQueue).redrivePolicy = {
      deadLetterTargetArn: digest.deadLetterQueue.queueArn,
      maxReceiveCount: DIGEST_MAX_RECEIVES,
    };
    table.grant(digest.role, 'dynamodb:Query', 'dynamodb:UpdateItem');
    queue.grantSendMessages(digest.role);
    digest.function.addEventSource(new eventSources.SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));
    this.digestHandler = digest.function;
    this.digestDeadLetterQueue = digest.deadLetterQueue;
    this.digestErrorsAlarm = digest.errorsAlarm;
    this.digestDeadLetterAlarm = digest.deadLetterAlarm;
    this.digestLogGroup = digest.logGroup;

    for (const repository of props.repositories ?? []) this.addRepository(repository);
  }

  /**
   * Tracks the images of one more repository (the first call turns "every repository" into "these").
   *
   * @param repository the repository
   */
  public addRepository(repository: ecr.IRepository): void {
    if (!this.repositoryNames) {
      const names: string[] = [];
      this.repositoryNames = names;
      this.tracker.addEnvironment('REPOSITORY_NAMES', Lazy.string({ produce: () => Stack.of(this).toJsonString(names) }));
    }
    if (!this.repositoryNames.includes(repository.repositoryName)) this.repositoryNames.push(repository.repositoryName);
  }

  /**
   * The tracker's errors (sum over 5 minutes unless `props` says otherwise).
   *
   * @param props period, statistic and other options of the metric
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return pipelineErrorsMetric(this.handler, props);
  }

  /**
   * Events waiting in the tracker's dead-letter queue (maximum over 5 minutes unless `props` says otherwise).
   *
   * @param props period, statistic and other options of the metric
   */
  public metricDeadLetters(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return deadLettersMetric(this.deadLetterQueue, props);
  }

  /** Every alarm of the construct: the tracker's and the digest's. */
  public get alarms(): cloudwatch.Alarm[] {
    return [this.errorsAlarm, this.deadLetterAlarm, this.digestErrorsAlarm, this.digestDeadLetterAlarm];
  }

  /**
   * Adds `action` to every alarm of the construct (`alarms`).
   *
   * @param action what the alarms do, for example an `SnsAction` to an on-call topic
   */
  public addAlarmAction(action: cloudwatch.IAlarmAction): void {
    for (const alarm of this.alarms) alarm.addAlarmAction(action);
  }

  /**
   * Lets `grantee` record scan mails in the state table (the scan formatter does, so the initial scan is mailed once).
   *
   * @param grantee the scan formatter's role
   */
  public grantRecordScanMail(grantee: iam.IGrantable): iam.Grant {
    return this.stateTable.grant(grantee, 'dynamodb:UpdateItem');
  }
}

/** Validates a new-findings window: whole seconds, 1 second to 15 minutes. */
export function validateWindow(window: Duration, prop = 'window'): void {
  if (window.isUnresolved()) return;
  const ms = window.toMilliseconds();
  if (ms < 1000 || ms > MAX_WINDOW.toMilliseconds() || ms % 1000 !== 0) {
    throw new Error(`${prop} is ${window.toHumanString()}: expected whole seconds from 1 second to 15 minutes (SQS delays a message `
      + '15 minutes at most). Use Duration.minutes(5) for one mail per image every 5 minutes at most.');
  }
}
