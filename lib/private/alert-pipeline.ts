import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { handlerCode } from './handler-code';

/** Retries of a failed invocation by Lambda (asynchronous invocation) before the event goes to the DLQ. */
const FUNCTION_RETRY_ATTEMPTS = 2;
/** Lambda keeps a throttled asynchronous event up to this age (its maximum). */
const FUNCTION_MAX_EVENT_AGE = Duration.hours(6);
/** EventBridge retries delivery to Lambda this often, for up to this age (both its maximum). */
const RULE_RETRY_ATTEMPTS = 185;
const RULE_MAX_EVENT_AGE = Duration.hours(24);

/** What an alert pipeline is made of. */
export interface AlertPipelineProps {
  /** The handler bundle (`dist/handlers/<name>`). */
  readonly handlerName: string;
  /** What the function does, for its description and its role's. */
  readonly description: string;
  /** The events that feed the function. */
  readonly eventPattern: events.EventPattern;
  /** The topic alerts are published to. */
  readonly topic: sns.ITopic;
  /** Environment of the function, besides TOPIC_ARN, DEDUP_TABLE and DEDUP_TTL_SECONDS. */
  readonly environment: Record<string, string>;
  /** How long a dedup key is kept. */
  readonly dedupTtl: Duration;
  readonly logRetention: logs.RetentionDays;
}

/** The resources of an alert pipeline. */
export interface AlertPipeline {
  readonly function: lambda.Function;
  readonly rule: events.Rule;
  readonly table: dynamodb.Table;
  readonly deadLetterQueue: sqs.Queue;
  readonly logGroup: logs.LogGroup;
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly deadLetterAlarm: cloudwatch.Alarm;
}

/**
 * The construct side shared by the alert constructs: an EventBridge rule on the default bus,
 * a function with its own role and log group, a DynamoDB table that remembers what was
 * alerted (so each alert is published once), a dead-letter queue that keeps every event that
 * could not be handled after EventBridge's and Lambda's retries, and two alarms.
 *
 * Children are created directly in `scope`: `Resource` (the function), `Rule`, `ServiceRole`,
 * `LogGroup`, `DedupTable`, `DeadLetterQueue`, `ErrorsAlarm`, `DeadLetterAlarm`.
 */
export function createAlertPipeline(scope: Construct, props: AlertPipelineProps): AlertPipeline {
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const dlqReason = 'This queue is itself the dead-letter queue of the alert function and its EventBridge target; '
    + 'its messages are kept 14 days for replay, and an alarm fires on the first one.';
  Validations.of(deadLetterQueue).acknowledge({ id: 'AwsSolutions::AwsSolutions-SQS3', reason: dlqReason });
  Validations.of(deadLetterQueue).acknowledge({ id: 'cdk-validator-cfnguard::sqs_dlq_check', reason: dlqReason });

  const table = new dynamodb.Table(scope, 'DedupTable', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: 'expiresAt',
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    // The table holds only short-lived markers of alerts already sent.
    removalPolicy: RemovalPolicy.DESTROY,
  });

  const logGroup = new logs.LogGroup(scope, 'LogGroup', { retention: props.logRetention });
  // An own role, so the function gets its log group and no AWSLambdaBasicExecutionRole.
  const role = new iam.Role(scope, 'ServiceRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
  });
  logGroup.grantWrite(role);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.topic.topicArn] }));
  props.topic.masterKey?.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], resources: [table.tableArn] }));

  const fn = new lambda.Function(scope, 'Resource', {
    description: props.description,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: Duration.seconds(30),
    handler: 'index.handler',
    code: handlerCode(props.handlerName),
    environment: {
      TOPIC_ARN: props.topic.topicArn,
      DEDUP_TABLE: table.tableName,
      DEDUP_TTL_SECONDS: String(props.dedupTtl.toSeconds()),
      ...props.environment,
    },
    role,
    logGroup,
    deadLetterQueue,
    retryAttempts: FUNCTION_RETRY_ATTEMPTS,
    maxEventAge: FUNCTION_MAX_EVENT_AGE,
  });

  Validations.of(fn).acknowledge({
    id: 'AwsSolutions::AwsSolutions-L1',
    reason: 'The handler bundle is built (esbuild target node22) and tested for Node.js 22, a supported Lambda runtime; '
      + 'the runtime moves together with the bundle target.',
  });

  const rule = new events.Rule(scope, 'Rule', {
    description: props.description,
    eventPattern: props.eventPattern,
    targets: [new targets.LambdaFunction(fn, {
      deadLetterQueue,
      retryAttempts: RULE_RETRY_ATTEMPTS,
      maxEventAge: RULE_MAX_EVENT_AGE,
    })],
  });

  const errorsAlarm = new cloudwatch.Alarm(scope, 'ErrorsAlarm', {
    alarmDescription: `The alert function failed (${props.description}). Lambda retries the event twice, then keeps it in the dead-letter queue.`,
    metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const deadLetterAlarm = new cloudwatch.Alarm(scope, 'DeadLetterAlarm', {
    alarmDescription: 'An alert could not be sent: its event is in the dead-letter queue, ready to replay.',
    metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });

  return { function: fn, rule, table, deadLetterQueue, logGroup, errorsAlarm, deadLetterAlarm };
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
