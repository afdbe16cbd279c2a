import { Annotations, Duration, Lazy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { isEmailAddress } from './private/email';
import {
  environmentBytes, LAMBDA_ENVIRONMENT_LIMIT_BYTES, MAX_REPOSITORY_NAME_LENGTH, MIN_REPOSITORY_NAME_LENGTH,
} from './private/environment-size';
import { createNotificationPipeline, validateDedupTtl } from './private/notification-pipeline';
import { validateEach } from './private/validation';
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

/** Properties of a {@link ScanNotifier}. */
export interface ScanNotifierProps {
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
   * How long the function's logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

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
}

/** Largest `topFindings`: a mail listing more is no longer read. */
/** The handler's computed worst case is 29 s (handlers/scan-formatter/timeouts.ts): the timeout may not be shorter than this. */
const MIN_TIMEOUT = Duration.seconds(30);
const MAX_TOP_FINDINGS = 50;
const DEFAULT_TOP_FINDINGS = 5;
const DEFAULT_RESERVED_CONCURRENCY = 10;
/** EventBridge redelivers within minutes; a day covers those and Lambda's retries with room to spare. */
const DEFAULT_DEDUP_TTL = Duration.days(1);
/** An unresolved token is counted with these lengths: the least it can be, and the most. */
const TOKEN_LENGTH_LEAST = { repositoryName: MIN_REPOSITORY_NAME_LENGTH, other: 1 };
const TOKEN_LENGTH_MOST = { repositoryName: MAX_REPOSITORY_NAME_LENGTH, other: 320 };

/**
 * Turns every Amazon Inspector `Inspector2 Scan` event (an enhanced scan of an ECR image has
 * completed) into one clean notification on an SNS topic: an ASCII subject naming the
 * repository, the tag and the worst counts, and a plain-text body with every severity count,
 * the worst findings and console links. Message attributes (`severity`, `repository`,
 * `account`, `kind`) let subscribers filter.
 *
 * One EventBridge rule on the default bus feeds a formatter function; the repository filter
 * is applied by the function, so one notifier serves any number of repositories. A
 * notification is never silently lost: after EventBridge's and Lambda's retries the event is
 * kept in {@link deadLetterQueue}, and {@link errorsAlarm} and {@link deadLetterAlarm} fire.
 * EventBridge delivers at least once: the function records each notified event id in
 * {@link dedupTable} with a conditional write, so an event delivered twice is mailed once.
 */
export class ScanNotifier extends Construct {
  /** The topic notifications are published to. */
  public readonly topic: sns.ITopic;

  /** The function that formats and publishes the notifications. */
  public readonly handler: lambda.IFunction;

  /** The rule that sends `Inspector2 Scan` events of the default bus to the function. */
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

  private readonly fn: lambda.Function;
  private readonly environment: Record<string, string>;
  /** Names of the repositories notified; undefined means every repository. */
  private repositoryNames?: string[];

  constructor(scope: Construct, id: string, props: ScanNotifierProps = {}) {
    super(scope, id);
    validateProps(props);
    validateDedupTtl('dedupTtl', props.dedupTtl);
    const topFindings = props.topFindings ?? DEFAULT_TOP_FINDINGS;

    this.topic = props.topic ?? this.createTopic(props.topicEncryptionKey);
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
      eventPattern: { source: ['aws.inspector2'], detailType: ['Inspector2 Scan'] },
      topic: this.topic,
      topicKey: props.topic ? props.topic.masterKey : props.topicEncryptionKey,
      environment,
      dedupTtl: props.dedupTtl ?? DEFAULT_DEDUP_TTL,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
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

    for (const repository of props.repositories ?? []) {
      this.addRepository(repository);
    }
    this.node.addValidation({ validate: () => this.validateEnvironmentSize() });
  }

  /**
   * Notifies the scans of one more repository. Adds no CloudFormation resource: the name joins
   * the list the function filters by. The first call on a notifier created without
   * `repositories` turns "every repository" into "these repositories".
   */
  public addRepository(repository: ecr.IRepository): void {
    const name = repository.repositoryName;
    if (!this.repositoryNames) {
      this.repositoryNames = [];
      const names = this.repositoryNames;
      this.fn.addEnvironment('REPOSITORY_NAMES', Lazy.string({ produce: () => Stack.of(this).toJsonString(names) }));
    }
    if (!this.repositoryNames.includes(name)) this.repositoryNames.push(name);
  }

  private createTopic(key?: kms.IKey): sns.Topic {
    const topic = new sns.Topic(this, 'Topic', { enforceSSL: true, masterKey: key });
    if (!key) {
      // The AWS managed key in the form the SNS documentation gives; a principal of this account
      // needs no key permission to publish with it.
      (topic.node.defaultChild as sns.CfnTopic).kmsMasterKeyId = 'alias/aws/sns';
    }
    return topic;
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

function validateProps(props: ScanNotifierProps): void {
  if (props.topic && props.topicEncryptionKey) {
    throw new Error('topicEncryptionKey is set together with topic: the key applies only to the topic ScanNotifier creates. '
      + 'Encrypt your own topic with its masterKey instead (the function is granted the use of topic.masterKey), or drop topic.');
  }
  if (props.topic?.fifo) {
    throw new Error(`topic is a FIFO topic (${props.topic.node.path}): expected a standard topic. FIFO topics cannot deliver e-mail, `
      + 'and the function publishes to standard topics only.');
  }
  validateEach('emailAddresses', props.emailAddresses, isEmailAddress, 'an e-mail address such as "ops@example.com"');
  (props.emailAddresses ?? []).forEach((address, index, all) => {
    if (!Token.isUnresolved(address) && all.indexOf(address) !== index) {
      throw new Error(`emailAddresses[${index}] is ${JSON.stringify(address)}, which is listed twice: list each address once.`);
    }
  });
  if (props.repositories && props.repositories.length === 0) {
    throw new Error('repositories is []: expected at least one repository. Omit repositories to notify the scans of every repository in the account and region.');
  }
  const top = props.topFindings;
  if (top !== undefined && !Token.isUnresolved(top) && (!Number.isInteger(top) || top < 0 || top > MAX_TOP_FINDINGS)) {
    throw new Error(`topFindings is ${top}: expected an integer from 0 to ${MAX_TOP_FINDINGS} (0 lists no finding and makes no Inspector call).`);
  }
  const reserved = props.reservedConcurrentExecutions;
  if (reserved !== undefined && !Token.isUnresolved(reserved) && (!Number.isInteger(reserved) || reserved < 1)) {
    throw new Error(`reservedConcurrentExecutions is ${reserved}: expected an integer of at least 1 (0 would throttle every invocation, and every event would go to the dead-letter queue).`);
  }
  const timeout = props.timeout;
  if (timeout && !timeout.isUnresolved() && (timeout.toMilliseconds() < MIN_TIMEOUT.toMilliseconds() || timeout.toMilliseconds() > Duration.minutes(15).toMilliseconds())) {
    throw new Error(`timeout is ${timeout.toHumanString()}: expected 30 seconds to 15 minutes. The handler bounds every AWS call `
      + 'so that an invocation ends within 29 seconds in the worst case; a shorter timeout could cut a publish short.');
  }
  for (const key of ['subject', 'body'] as const) {
    const template = props.templates?.[key];
    if (template !== undefined && !Token.isUnresolved(template) && template.trim() === '') {
      throw new Error(`templates.${key} is ${JSON.stringify(template)}: expected mustache text; omit it to use the built-in template.`);
    }
  }
}
