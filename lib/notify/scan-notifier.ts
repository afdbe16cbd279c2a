import { Annotations, Lazy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ECR_SCAN_EVENT_PATTERN } from '../private/scan-event-pattern';
import { environmentBytes, LAMBDA_ENVIRONMENT_LIMIT_BYTES } from './private/environment-size';
import { createNotificationPipeline, deadLettersMetric, pipelineErrorsMetric, validateDedupTtl, validatePipelineOptions } from './notification-pipeline';
import { INotificationPipeline } from './notification-pipeline-options';
import { NewFindingsNotifier, validateWindow } from './new-findings-notifier';
import { NotificationLocale } from './severity';

import { ScanNotifierProps } from './scan-notifier-props';
import { createNotificationTopic } from './private/notification-topic';
import { DEFAULT_DEDUP_TTL, DEFAULT_RESERVED_CONCURRENCY, DEFAULT_TOP_FINDINGS, TOKEN_LENGTH_LEAST, TOKEN_LENGTH_MOST, validateProps } from './private/scan-notifier-validation';

/**
 * Turns every Amazon Inspector `Inspector2 Scan` event of an ECR image (an enhanced scan of the
 * image has completed) into one clean notification on an SNS topic: an ASCII subject naming the
 * repository, the tag and the worst counts, and a plain-text body with every severity count,
 * the worst findings (every vulnerable package, EPSS, exploit and fix availability) and console
 * links. Message attributes (`severity`, `repository`, `account`, `kind`, `exploitable`,
 * `fixable`, `epss`) let subscribers filter. Scan events of EC2 instances, Lambda functions and
 * machine images (no `detail.repository-name`) do not match the rule.
 *
 * One EventBridge rule on the default bus feeds a formatter function; the repository filter
 * is applied by the function, so one notifier serves any number of repositories. A
 * notification is never silently lost: after EventBridge's and Lambda's retries the event is
 * kept in `deadLetterQueue`, and `errorsAlarm` and `deadLetterAlarm` fire.
 * EventBridge delivers at least once: the function records each notified event id in
 * `dedupTable` with a conditional write, so an event delivered twice is mailed once.
 */
export class ScanNotifier extends Construct implements INotificationPipeline {
  /** The topic notifications are published to. */
  public readonly topic: sns.ITopic;

  /** The function that formats and publishes the notifications. */
  public readonly handler: lambda.IFunction;

  /** The rule that sends the `Inspector2 Scan` events of ECR images on the default bus to the function. */
  public readonly rule: events.Rule;

  /**
   * Where an event lands when it could not be notified: after EventBridge could not invoke
   * the function, or after the function failed on it three times. Each message body is the
   * original event, ready to replay.
   */
  public readonly deadLetterQueue: sqs.IQueue;

  /** Fires when the function fails (Errors >= 1 in 5 minutes). Add your own actions. */
  public readonly errorsAlarm: cloudwatch.Alarm;

  /** Fires when the dead-letter queue holds a message. Add your own actions. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;

  /**
   * The table that remembers which scan events were notified (by EventBridge event id), so an
   * event delivered twice is mailed once.
   */
  public readonly dedupTable: dynamodb.ITable;

  /**
   * The new-findings mails of images already scanned (`Inspector2 Finding` events); undefined
   * when `newFindings` is false.
   */
  public readonly newFindings?: NewFindingsNotifier;

  private readonly fn: lambda.Function;
  private readonly environment: Record<string, string>;
  /** Names of the repositories notified; undefined means every repository. */
  private repositoryNames?: string[];

  constructor(scope: Construct, id: string, props: ScanNotifierProps = {}) {
    super(scope, id);
    validateProps(props);
    if (props.newFindingsWindow) validateWindow(props.newFindingsWindow, 'newFindingsWindow');
    validateDedupTtl('dedupTtl', props.dedupTtl);
    validatePipelineOptions(props);
    const topFindings = props.topFindings ?? DEFAULT_TOP_FINDINGS;

    this.topic = props.topic ?? createNotificationTopic(this, props.topicEncryptionKey);
    for (const address of props.emailAddresses ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(address));
    }

    const environment: Record<string, string> = {
      LOCALE: props.locale ?? NotificationLocale.EN,
      TOP_FINDINGS: String(topFindings),
    };
    if (props.minimumSeverity) environment.MIN_SEVERITY = props.minimumSeverity;
    if (props.templates?.subject !== undefined) environment.TEMPLATE_SUBJECT = props.templates.subject;
    if (props.templates?.body !== undefined) environment.TEMPLATE_BODY = props.templates.body;

    const pipeline = createNotificationPipeline(this, {
      handlerName: 'scan-formatter',
      description: 'Formats Amazon Inspector scan events into notifications',
      roleDescription: 'Formats Amazon Inspector scan events and publishes them to the notification topic.',
      ruleDescription: 'Amazon Inspector scan results to the scan notifier',
      eventPattern: ECR_SCAN_EVENT_PATTERN,
      topic: this.topic,
      topicKey: props.topic ? props.topic.masterKey : props.topicEncryptionKey,
      environment,
      dedupTtl: props.dedupTtl ?? DEFAULT_DEDUP_TTL,
      logGroup: props.logGroup,
      errorsAlarmThreshold: props.errorsAlarmThreshold,
      deadLetterAlarmThreshold: props.deadLetterAlarmThreshold,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions ?? DEFAULT_RESERVED_CONCURRENCY,
      errorsAlarmDescription: 'The scan notifier function failed. Lambda retries the event twice, then keeps it in the dead-letter queue.',
      deadLetterAlarmDescription: 'A scan notification could not be delivered: its event is in the dead-letter queue, ready to replay.',
    });
    this.fn = pipeline.function;
    this.handler = pipeline.function;
    this.rule = pipeline.rule;
    this.dedupTable = pipeline.table!;
    this.deadLetterQueue = pipeline.deadLetterQueue;
    this.logGroup = pipeline.logGroup;
    this.errorsAlarm = pipeline.errorsAlarm;
    this.deadLetterAlarm = pipeline.deadLetterAlarm;
    this.environment = pipeline.environment;

    if (topFindings > 0) {
      const inspector = new iam.Policy(this, 'InspectorPolicy', {
        roles: [pipeline.role],
        statements: [new iam.PolicyStatement({ actions: ['inspector2:ListFindings'], resources: ['*'] })],
      });
      this.fn.node.addDependency(inspector);
      Validations.of(inspector).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'inspector2:ListFindings supports no resource-level permissions; the function filters by image digest in the request.',
      });
    }

    if (props.newFindings ?? true) {
      this.newFindings = new NewFindingsNotifier(this, 'NewFindings', {
        topic: this.topic,
        topicKey: props.topic ? props.topic.masterKey : props.topicEncryptionKey,
        window: props.newFindingsWindow,
        notifyClosed: props.notifyClosed,
        minimumSeverity: props.minimumSeverity,
        locale: props.locale,
        // A log group you pass serves the tracker and the digest too.
        logGroup: props.logGroup,
        errorsAlarmThreshold: props.errorsAlarmThreshold,
        deadLetterAlarmThreshold: props.deadLetterAlarmThreshold,
      });
      // The scan mail records the initial scan, so its burst of Finding events sends no second mail.
      this.newFindings.grantRecordScanMail(pipeline.role);
      this.fn.addEnvironment('STATE_TABLE', this.newFindings.stateTable.tableName);
    } else if (props.newFindingsWindow || props.notifyClosed !== undefined) {
      throw new Error(`${props.newFindingsWindow ? 'newFindingsWindow' : 'notifyClosed'} is set while newFindings is false: `
        + 'drop it, or leave newFindings on.');
    }

    for (const repository of props.repositories ?? []) {
      this.addRepository(repository);
    }
    this.node.addValidation({ validate: () => this.validateEnvironmentSize() });
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

  /**
   * Notifies the scans of one more repository. Adds no CloudFormation resource: the name joins
   * the list the function filters by. The first call on a notifier created without
   * `repositories` turns "every repository" into "these repositories".
   *
   * @param repository the repository whose scans are notified from now on
   */
  public addRepository(repository: ecr.IRepository): void {
    const name = repository.repositoryName;
    if (!this.repositoryNames) {
      this.repositoryNames = [];
      const names = this.repositoryNames;
      this.fn.addEnvironment('REPOSITORY_NAMES', Lazy.string({ produce: () => Stack.of(this).toJsonString(names) }));
    }
    if (!this.repositoryNames.includes(name)) this.repositoryNames.push(name);
    this.newFindings?.addRepository(repository);
  }


  /**
   * Every alarm of the notifier: `errorsAlarm` and `deadLetterAlarm`, and those of `newFindings`.
   * Route them all, for example with `addAlarmAction`.
   */
  public get alarms(): cloudwatch.Alarm[] {
    return [this.errorsAlarm, this.deadLetterAlarm, ...(this.newFindings?.alarms ?? [])];
  }

  /**
   * Adds `action` to every alarm of the notifier (`alarms`).
   *
   * @param action what the alarms do, for example an `SnsAction` to an on-call topic
   */
  public addAlarmAction(action: cloudwatch.IAlarmAction): void {
    for (const alarm of this.alarms) alarm.addAlarmAction(action);
  }

  private validateEnvironmentSize(): string[] {
    const least = environmentBytes(this.environment, this.repositoryNames, TOKEN_LENGTH_LEAST);
    if (least > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
      const parts = [];
      if (this.repositoryNames) {
        const names = environmentBytes({}, this.repositoryNames, TOKEN_LENGTH_LEAST);
        parts.push(`REPOSITORY_NAMES: ${names} bytes for ${this.repositoryNames.length} repositories`);
      }
      for (const key of ['TEMPLATE_SUBJECT', 'TEMPLATE_BODY']) {
        if (this.environment[key] !== undefined) parts.push(`${key}: ${environmentBytes({ [key]: this.environment[key] }, undefined, TOKEN_LENGTH_LEAST)} bytes`);
      }
      return [`The environment of the scan notifier function takes at least ${least} bytes (${parts.join(', ')}), `
        + `over Lambda's limit of ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes. Use one ScanNotifier for all repositories `
        + '(no repositories prop, no addRepository call) and route notifications with SNS subscription filter policies '
        + 'on the "repository" message attribute, for example filterPolicy: { repository: '
        + 'sns.SubscriptionFilter.stringFilter({ allowlist: [\'team/app\'] }) }; keep custom templates short.'];
    }
    const most = environmentBytes(this.environment, this.repositoryNames, TOKEN_LENGTH_MOST);
    if (most > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
      Annotations.of(this).addWarningV2('cdk-ecr-scan-guard:scanNotifierEnvironmentMayExceedLimit',
        `The environment of the scan notifier function takes ${least} to ${most} bytes, depending on repository names `
        + `known only at deploy time; above ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes the deployment fails. Prefer one ScanNotifier `
        + 'for all repositories with SNS subscription filter policies on the "repository" message attribute.');
    }
    return [];
  }
}

