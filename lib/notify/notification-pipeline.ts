import { Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { handlerCode } from '../private/handler-code';
import { NotificationPipelineOptions } from './notification-pipeline-options';

/** Retries of a failed invocation by Lambda (asynchronous invocation) before the event goes to the DLQ. */
const FUNCTION_RETRY_ATTEMPTS = 2;
/** Lambda keeps a throttled asynchronous event up to this age (its maximum). */
const FUNCTION_MAX_EVENT_AGE = Duration.hours(6);
/** EventBridge retries delivery to Lambda this often, for up to this age (both its maximum). */
const RULE_RETRY_ATTEMPTS = 185;
const RULE_MAX_EVENT_AGE = Duration.hours(24);
/** The function timeout when none is given. */
const DEFAULT_TIMEOUT = Duration.seconds(30);

/** What a notification pipeline is made of. */
export interface NotificationPipelineProps extends NotificationPipelineOptions {
  /** The handler bundle (`dist/handlers/<name>`). */
  readonly handlerName: string;
  /** What the function does: the description of the function, and of its role and rule unless given. */
  readonly description: string;
  /** Description of the function's role. @default description */
  readonly roleDescription?: string;
  /** Description of the rule. @default description */
  readonly ruleDescription?: string;
  /** The events that feed the function. */
  readonly eventPattern: events.EventPattern;
  /** The rule's name. @default - a name CloudFormation generates */
  readonly ruleName?: string;
  /**
   * Topics that also feed the function (an SNS subscription each, invoked asynchronously like the
   * rule, so Lambda's retries and the dead-letter queue apply; a message SNS itself cannot deliver
   * goes to the same dead-letter queue).
   * @default - none
   */
  readonly snsSources?: sns.ITopic[];
  /** The topic notifications are published to. */
  readonly topic: sns.ITopic;
  /** The topic's KMS key, granted kms:Decrypt and kms:GenerateDataKey. @default topic.masterKey */
  readonly topicKey?: kms.IKey;
  /** Environment of the function, besides TOPIC_ARN, DEDUP_TABLE and DEDUP_TTL_SECONDS. */
  readonly environment: Record<string, string>;
  /**
   * How long a dedup key is kept. When given, a DynamoDB table (`DedupTable`) is created, the
   * function may PutItem and DeleteItem on it, and DEDUP_TABLE / DEDUP_TTL_SECONDS are set.
   * @default - no dedup table
   */
  readonly dedupTtl?: Duration;
  /** The function timeout. @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** Reserved concurrent executions of the function. @default - none reserved */
  readonly reservedConcurrentExecutions?: number;
  /** Description of the alarm on function errors. */
  readonly errorsAlarmDescription: string;
  /** Description of the alarm on messages in the dead-letter queue. */
  readonly deadLetterAlarmDescription: string;
}

/** The resources of a notification pipeline. */
export interface NotificationPipeline {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly rule: events.Rule;
  /** The dedup table, when `dedupTtl` was given. */
  readonly table?: dynamodb.Table;
  readonly deadLetterQueue: sqs.Queue;
  readonly logGroup: logs.ILogGroup;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
  /**
   * Every environment variable set on the function at creation (TOPIC_ARN, DEDUP_TABLE and
   * DEDUP_TTL_SECONDS included), for size checks against Lambda's 4 KB limit. A copy: variables
   * added later with `addEnvironment` are not in it.
   */
  readonly environment: Record<string, string>;
}

/**
 * The construct side shared by ScanNotifier and the alert constructs: an EventBridge rule on the
 * default bus, a function with its own role and log group, optionally a DynamoDB table that
 * remembers what was published (so each notification is published once however often its event
 * is delivered), a dead-letter queue that keeps every event that could not be handled after
 * EventBridge's and Lambda's retries, and two alarms.
 *
 * Children are created directly in `scope`, with ids that are a public contract: `Resource` (the
 * function), `Rule`, `ServiceRole`, `LogGroup`, `DedupTable`, `DeadLetterQueue`, `ErrorsAlarm`,
 * `DeadLetterAlarm`.
 */
export function createNotificationPipeline(scope: Construct, props: NotificationPipelineProps): NotificationPipeline {
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  // This queue is the end of the line: a dead-letter queue of its own would only move the problem.
  const dlqReason = 'This queue is itself the dead-letter queue of the function and its EventBridge target; '
    + 'its messages are kept 14 days for replay, and an alarm fires on the first one.';
  Validations.of(deadLetterQueue).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: dlqReason });
  Validations.of(deadLetterQueue).acknowledge({ id: 'cdk-validator-cfnguard::sqs_dlq_check', reason: dlqReason });

  const table = props.dedupTtl ? new dynamodb.Table(scope, 'DedupTable', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: 'expiresAt',
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    // The table holds only short-lived markers of notifications already sent.
    removalPolicy: RemovalPolicy.DESTROY,
  }) : undefined;

  const logGroup = props.logGroup ?? new logs.LogGroup(scope, 'LogGroup', { retention: logs.RetentionDays.ONE_YEAR });
  // An own role, so the function gets its log group and no AWSLambdaBasicExecutionRole.
  const role = new iam.Role(scope, 'ServiceRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription ?? props.description,
  });
  logGroup.grantWrite(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.topic.topicArn] }));
  (props.topicKey ?? props.topic.masterKey)?.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');

  const environment: Record<string, string> = { TOPIC_ARN: props.topic.topicArn };
  if (table) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], resources: [table.tableArn] }));
    environment.DEDUP_TABLE = table.tableName;
    environment.DEDUP_TTL_SECONDS = String(props.dedupTtl!.toSeconds());
  }
  Object.assign(environment, props.environment);

  const fn = new lambda.Function(scope, 'Resource', {
    description: props.description,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: props.timeout ?? DEFAULT_TIMEOUT,
    handler: 'index.handler',
    code: handlerCode(props.handlerName),
    environment: { ...environment },
    role,
    logGroup,
    reservedConcurrentExecutions: props.reservedConcurrentExecutions,
    deadLetterQueue,
    retryAttempts: FUNCTION_RETRY_ATTEMPTS,
    maxEventAge: FUNCTION_MAX_EVENT_AGE,
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions::AwsSolutions-L1',
    reason: 'The handler bundle is built (esbuild target node22) and tested for Node.js 22, a supported Lambda runtime; '
      + 'the runtime moves together with the bundle target.',
  });

  const rule = addPipelineRule(scope, 'Rule', { function: fn, deadLetterQueue }, {
    description: props.ruleDescription ?? props.description,
    eventPattern: props.eventPattern,
    ruleName: props.ruleName,
  });

  for (const source of props.snsSources ?? []) {
    source.addSubscription(new subscriptions.LambdaSubscription(fn, { deadLetterQueue }));
  }

  // By default both alarms fire on the first occurrence: one failed invocation, one event in the queue.
  const alarm = (id: string, alarmDescription: string, metric: cloudwatch.IMetric, threshold = 1) => new cloudwatch.Alarm(scope, id, {
    alarmDescription,
    metric,
    threshold,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const errorsAlarm = alarm('ErrorsAlarm', props.errorsAlarmDescription, pipelineErrorsMetric(fn), props.errorsAlarmThreshold);
  const deadLetterAlarm = alarm('DeadLetterAlarm', props.deadLetterAlarmDescription, deadLettersMetric(deadLetterQueue),
    props.deadLetterAlarmThreshold);

  return { function: fn, role, rule, table, deadLetterQueue, logGroup, errorsAlarm, deadLetterAlarm, environment };
}

/**
 * Another rule that feeds the pipeline's function, with the same delivery as the first: EventBridge
 * retries for up to 24 hours, then the event goes to the pipeline's dead-letter queue.
 */
export function addPipelineRule(scope: Construct, id: string,
  pipeline: { readonly function: lambda.IFunction; readonly deadLetterQueue: sqs.IQueue }, props: events.RuleProps): events.Rule {
  return new events.Rule(scope, id, {
    ...props,
    targets: [new targets.LambdaFunction(pipeline.function, {
      deadLetterQueue: pipeline.deadLetterQueue,
      retryAttempts: RULE_RETRY_ATTEMPTS,
      maxEventAge: RULE_MAX_EVENT_AGE,
    })],
  });
}

/** The errors of a pipeline's function: sum over 5 minutes unless `props` says otherwise. */
export function pipelineErrorsMetric(fn: lambda.IFunction, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM, ...props });
}

/** Messages waiting in a dead-letter queue: maximum over 5 minutes unless `props` says otherwise. */
export function deadLettersMetric(queue: sqs.IQueue, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM, ...props });
}

/**
 * Validates the shared pipeline options: alarm thresholds are positive integers.
 */
export function validatePipelineOptions(options: NotificationPipelineOptions): void {
  for (const key of ['errorsAlarmThreshold', 'deadLetterAlarmThreshold'] as const) {
    const value = options[key];
    if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < 1)) {
      throw new Error(`${key} is ${value}: expected an integer of at least 1 (the alarm fires when this many `
        + `${key === 'errorsAlarmThreshold' ? 'errors occur in 5 minutes' : 'messages wait in the dead-letter queue'}).`);
    }
  }
}

/** Validates a dedup TTL prop: at least one hour, at most a year. */
export function validateDedupTtl(prop: string, ttl: Duration | undefined): void {
  if (!ttl || ttl.isUnresolved()) return;
  const seconds = ttl.toSeconds({ integral: false });
  if (seconds < 3600 || seconds > 365 * 24 * 3600) {
    throw new Error(`${prop} is ${ttl.toHumanString()}: expected 1 hour to 365 days. Duplicate deliveries arrive within minutes; `
      + 'a longer TTL only suppresses repeated alerts for longer.');
  }
}
