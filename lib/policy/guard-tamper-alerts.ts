import { Annotations, Duration, Names, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  addPipelineRule, createNotificationPipeline, deadLettersMetric, pipelineErrorsMetric, validateDedupTtl, validatePipelineOptions,
} from '../notify/notification-pipeline';
import { INotificationPipeline } from '../notify/notification-pipeline-options';
import { Severity } from '../notify/severity';
import { deploymentRoleArn } from '../private/guard-statements';
import { isNarrowPrincipalPattern, isPrincipalArn, validateEach } from '../private/validation';
import { GuardTamperAlertsProps } from './guard-tamper-alerts-props';
import { ProtectedRules } from './private/protected-rules';
import {
  CLOUDTRAIL_CALLS, ECR_CALLS, ECR_IMAGE_CALLS, INSPECTOR_CALLS, INSPECTOR_FILTER_CALLS, PROTECTED_KINDS,
} from './private/tamper-calls';

/**
 * Alerts on API calls that weaken the registry guard, blind the scanner, stop the audit trail
 * or silence the alerts themselves:
 * - ECR: `GuardTamperAlerts.ECR_CALLS` on any repository or the registry (replication, registry
 *   policy, pull-through cache, creation templates, account settings and the repository settings
 *   of the guard), and `DeleteLifecyclePolicy` / `BatchDeleteImage` on guarded repositories
 *   (every repository until `addGuardedRepository` names some);
 * - Amazon Inspector: `GuardTamperAlerts.INSPECTOR_CALLS`, and filters that suppress findings;
 * - CloudTrail: `StopLogging`, `DeleteTrail`, `UpdateTrail`, `PutEventSelectors`;
 * - the library's own resources: changes to its topic and subscriptions, functions, rules,
 *   tables and the hub's SSM parameter (`protectTopic`, `protectFunction`, `protectRule`,
 *   `protectTable`, `protectParameter`). The construct protects its own resources.
 *
 * Each call becomes one readable alert: who, which call, from which address, on which resource,
 * whether it failed, and first what in the request opens access (a policy statement that allows
 * anyone or another account, a guard Deny removed or narrowed, replication to another account).
 * Calls by the deployment role are alerted too, with the message attribute `actor` =
 * `deployment`. When the dedup table fails, the alert goes out anyway (a possible duplicate).
 *
 * EventBridge rules on `AWS API Call via CloudTrail` events feed one function. EventBridge
 * receives these events only where CloudTrail records management events with a trail (an
 * organization trail counts), in each region separately. The rules have names computed from the
 * construct path, so a rule can watch calls on itself (a reference would be circular).
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html
 */
export class GuardTamperAlerts extends Construct implements INotificationPipeline {
  /** The ECR calls alerted on any repository or the registry, as CloudTrail names them. */
  public static readonly ECR_CALLS: string[] = [...ECR_CALLS];

  /** The ECR calls alerted on guarded repositories. */
  public static readonly ECR_IMAGE_CALLS: string[] = [...ECR_IMAGE_CALLS];

  /** The Amazon Inspector calls that stop or narrow the scanning of images, alerted whatever their parameters. */
  public static readonly INSPECTOR_CALLS: string[] = [...INSPECTOR_CALLS];

  /** The Amazon Inspector filter calls, alerted unless their action is `NONE`. */
  public static readonly INSPECTOR_FILTER_CALLS: string[] = [...INSPECTOR_FILTER_CALLS];

  /** The CloudTrail calls that stop or narrow the audit trail. */
  public static readonly CLOUDTRAIL_CALLS: string[] = [...CLOUDTRAIL_CALLS];

  /** The function that formats the alerts. */
  public readonly handler: lambda.IFunction;

  /** The rule that sends the CloudTrail events of the ECR calls to the function. */
  public readonly rule: events.Rule;

  /** Every rule that feeds the function, `rule` first; protecting more resources may add rules. */
  public readonly rules: events.Rule[] = [];

  /** The table that remembers which CloudTrail events were alerted. */
  public readonly dedupTable: dynamodb.ITable;

  /** Where an event lands when it could not be handled; each message body is the original event. */
  public readonly deadLetterQueue: sqs.IQueue;

  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;

  /** Fires when the function fails (Errors >= 1 in 5 minutes). Add your own actions. */
  public readonly errorsAlarm: cloudwatch.Alarm;

  /** Fires when the dead-letter queue holds a message. Add your own actions. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  private readonly protectedRules = new Map<string, ProtectedRules>();
  /** Set once the first rules exist: from then on every new rule protects itself as it is created. */
  private protectNewRules = false;
  /** The names of the construct's own rules, used instead of a reference a rule cannot make to itself. */
  private readonly ownRuleNames = new Map<events.IRule, string>();

  constructor(scope: Construct, id: string, props: GuardTamperAlertsProps) {
    super(scope, id);
    if (!props.topic) {
      throw new Error('topic is missing: expected the sns.ITopic alerts go to, such as the topic of your ScanNotifier.');
    }
    if ((props as { ignoreDeploymentRole?: unknown }).ignoreDeploymentRole !== undefined) {
      throw new Error('ignoreDeploymentRole is no longer supported: calls by the deployment role are always alerted, with the message attribute '
        + 'actor = "deployment". Remove it, and filter those alerts in the subscription if you do not want them.');
    }
    validateEach('ignoredPrincipalArns', props.ignoredPrincipalArns, isNarrowPrincipalPattern,
      'an IAM role or user ARN such as "arn:aws:iam::111111111111:role/platform-admin", or "arn:aws:iam::111111111111:root"; '
      + '"*" and "?" only after at least one character of the name ("role/platform-*", never "role/*"), so no pattern matches everyone');
    validateDedupTtl('dedupTtl', props.dedupTtl);
    validatePipelineOptions(props);

    const deploymentRoles = (props.deploymentRoles ?? []).map((r) => r.roleArn);
    validateEach('deploymentRoles', deploymentRoles, (v) => isPrincipalArn(v) && v.includes(':role/') && !/[*?]/.test(v),
      'the ARN of an IAM role, without wildcards, such as "arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1"');
    if (!props.deploymentRoles) {
      const deployRole = deploymentRoleArn(Stack.of(this));
      if (deployRole) {
        deploymentRoles.push(deployRole);
      } else {
        Annotations.of(this).addWarningV2('cdk-ecr-scan-guard:tamperAlertsDeploymentRoleUnknown',
          'The stack\'s synthesizer names no CloudFormation execution role, so deployments of the guard are alerted with actor = "other". '
          + 'Name the roles that deploy the stack in deploymentRoles (an empty list silences this warning).');
      }
    }

    const mainRuleName = this.ruleName('Rule');
    const pipeline = createNotificationPipeline(this, {
      handlerName: 'tamper-alert',
      description: 'Alerts on API calls that weaken the registry guard',
      ruleDescription: 'Tamper alerts on ECR repository and registry settings',
      ruleName: mainRuleName,
      eventPattern: cloudTrailPattern('aws.ecr', 'ecr.amazonaws.com', { eventName: ECR_CALLS }),
      topic: props.topic,
      environment: {
        DEPLOYMENT_ROLES: Stack.of(this).toJsonString(deploymentRoles),
        IGNORED_PRINCIPALS: Stack.of(this).toJsonString(props.ignoredPrincipalArns ?? []),
        SEVERITY: props.severity ?? Severity.HIGH,
      },
      dedupTtl: props.dedupTtl ?? Duration.days(2),
      logGroup: props.logGroup,
      errorsAlarmThreshold: props.errorsAlarmThreshold,
      deadLetterAlarmThreshold: props.deadLetterAlarmThreshold,
      errorsAlarmDescription: 'The guard tamper alert function failed. Lambda retries the event twice, then keeps it in the dead-letter queue.',
      deadLetterAlarmDescription: 'A tamper alert could not be sent: its CloudTrail event is in the dead-letter queue, ready to replay.',
    });
    this.handler = pipeline.function;
    this.rule = pipeline.rule;
    this.dedupTable = pipeline.table!;
    this.deadLetterQueue = pipeline.deadLetterQueue;
    this.logGroup = pipeline.logGroup;
    this.errorsAlarm = pipeline.errorsAlarm;
    this.deadLetterAlarm = pipeline.deadLetterAlarm;
    this.rules.push(this.rule);
    this.ownRuleNames.set(this.rule, mainRuleName);

    this.addRule('InspectorRule', 'Tamper alerts on Amazon Inspector scanning and suppression filters',
      cloudTrailPattern('aws.inspector2', 'inspector2.amazonaws.com', {
        $or: [
          { eventName: INSPECTOR_CALLS },
          { eventName: INSPECTOR_FILTER_CALLS, requestParameters: { action: [{ 'anything-but': 'NONE' }] } },
          { eventName: ['UpdateFilter'], requestParameters: { action: [{ exists: false }] } },
        ],
      }));
    this.addRule('AuditTrailRule', 'Tamper alerts on the CloudTrail trails the alerts depend on',
      cloudTrailPattern('aws.cloudtrail', 'cloudtrail.amazonaws.com', { eventName: CLOUDTRAIL_CALLS }));
    this.protectedRules.set('repository', new ProtectedRules(PROTECTED_KINDS.repository, (i, d, p) => this.addRule(i, d, p), true));

    // The construct's own resources; its rules protect themselves as they are created.
    this.protectNewRules = true;
    for (const rule of [...this.rules]) this.protectRule(rule);
    this.protectTopic(props.topic);
    this.protectFunction(this.handler);
    this.protectTable(this.dedupTable);
  }

  /**
   * Alerts on changes to a topic the library publishes to: its attributes (policy, encryption,
   * delivery policy) and permissions (`SetTopicAttributes`, `AddPermission`, `RemovePermission`),
   * its deletion (`DeleteTopic`), and its subscriptions being removed or refiltered
   * (`Unsubscribe`, `SetSubscriptionAttributes`).
   *
   * @param topic a topic the library publishes to or subscribes from
   */
  public protectTopic(topic: sns.ITopic): void {
    this.protect('topic', topic.topicArn);
    this.protect('subscription', topic.topicArn);
  }

  /**
   * Alerts on changes to a function of the library: `UpdateFunctionCode`,
   * `UpdateFunctionConfiguration`, `PutFunctionConcurrency` (0 stops it), `DeleteFunction`
   * (and `DeleteFunctionConcurrency`, ...: every call whose name starts with those), whether the
   * call names the function by name, ARN or partial ARN.
   *
   * @param fn a function of the library
   */
  public protectFunction(fn: lambda.IFunction): void {
    this.protect('function', fn.functionName);
  }

  /**
   * Alerts on `DisableRule`, `DeleteRule`, `PutRule`, `RemoveTargets` and `PutTargets` on a rule of the library.
   *
   * @param rule a rule that feeds a function of the library
   */
  public protectRule(rule: events.IRule): void {
    const name = this.ownRuleNames.get(rule) ?? rule.ruleName;
    this.protect('rule', name);
    this.protect('ruleTargets', name);
  }

  /**
   * Alerts on `DeleteTable` on a table of the library (named by name or ARN).
   *
   * @param table a table of the library, such as a dedup table
   */
  public protectTable(table: dynamodb.ITable): void {
    this.protect('table', table.tableName);
  }

  /**
   * Alerts on `PutParameter`, `DeleteParameter`, `DeleteParameters` and `LabelParameterVersion`
   * on a parameter of the library, such as the hub's topic ARN parameter that spokes read.
   *
   * @param parameter a parameter of the library
   */
  public protectParameter(parameter: ssm.IParameter): void {
    this.protect('parameter', parameter.parameterName);
    this.protect('parameters', parameter.parameterName);
  }

  /**
   * Names a guarded repository: `DeleteLifecyclePolicy` and `BatchDeleteImage` are then alerted on
   * the named repositories only, instead of on every repository of the registry.
   *
   * @param repository a repository the guard protects
   */
  public addGuardedRepository(repository: ecr.IRepository): void {
    this.protect('repository', repository.repositoryName);
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

  private protect(kind: keyof typeof PROTECTED_KINDS, ref: string): void {
    let rules = this.protectedRules.get(kind);
    if (!rules) {
      rules = new ProtectedRules(PROTECTED_KINDS[kind], (i, d, p) => this.addRule(i, d, p));
      this.protectedRules.set(kind, rules);
    }
    rules.add(ref);
  }

  /** A rule that feeds the function, named from the construct path, and protected itself. */
  private addRule(id: string, description: string, eventPattern: events.EventPattern): events.Rule {
    const ruleName = this.ruleName(id);
    const rule = addPipelineRule(this, id, { function: this.handler, deadLetterQueue: this.deadLetterQueue }, { description, eventPattern, ruleName });
    this.ownRuleNames.set(rule, ruleName);
    this.rules.push(rule);
    if (this.protectNewRules) this.protectRule(rule);
    return rule;
  }

  private ruleName(id: string): string {
    return `${Names.uniqueResourceName(this, { maxLength: 63 - id.length })}-${id}`;
  }
}

/** The pattern of CloudTrail API calls of one service, with more `detail` fields. */
function cloudTrailPattern(source: string, eventSource: string, detail: Record<string, unknown>): events.EventPattern {
  return { source: [source], detailType: ['AWS API Call via CloudTrail'], detail: { eventSource: [eventSource], ...detail } };
}
