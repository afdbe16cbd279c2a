import { Annotations, CfnJson, Duration, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FalcosidekickOptions, RuntimeThreatAlertsProps } from './runtime-threat-alerts-props';
import { createNotificationPipeline, deadLettersMetric, pipelineErrorsMetric, validatePipelineOptions } from '../notify/notification-pipeline';
import { INotificationPipeline } from '../notify/notification-pipeline-options';
import { Severity } from '../notify/severity';

/** Lambda allows 4 KB of environment in all; the policy may take this much of it. */
const MAX_POLICY_BYTES = 3072;
/** The lowest GuardDuty severity number of each minimum severity (GuardDuty's documented ranges). */
const GUARDDUTY_FLOOR: Partial<Record<Severity, number>> = {
  [Severity.CRITICAL]: 9,
  [Severity.HIGH]: 7,
  [Severity.MEDIUM]: 4,
};
/** A Kubernetes namespace (DNS-1123 label). */
const NAMESPACE = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
/** A Kubernetes service account name (DNS-1123 subdomain). */
const SERVICE_ACCOUNT = /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Runtime threat alerts for running containers, linked to their scan results. Two sources feed
 * one function:
 *
 * - GuardDuty Runtime Monitoring findings (`Execution:Runtime/*`, `PrivilegeEscalation:Runtime/*`,
 *   `CryptoCurrency:Runtime/*` and every other `*:Runtime/*` type) from EventBridge, for EKS, ECS
 *   and EC2 workloads;
 * - Falco alerts, when `falcosidekick` is given: Falcosidekick's `aws.sns` output publishes each
 *   alert as raw JSON to `falcoTopic`, with the IRSA role `falcoRole`, which may publish to that
 *   topic only and which only the named Kubernetes service account can assume.
 *
 * For each image the workload runs from this region's ECR, the alert adds what Amazon Inspector
 * knows of it (active findings by severity, exploitable findings, the worst ones) and the image
 * policy's verdict. One message per alert goes to `topic` with the message attributes of every
 * notification of this library (`kind` is `runtime`), alerts below `minimumSeverity` are dropped,
 * and repeats of a rule on the same pod, task or container within `dedupWindow` are not sent again.
 * An event that cannot be handled after the retries is kept in `deadLetterQueue`.
 *
 * @see https://docs.aws.amazon.com/guardduty/latest/ug/findings-runtime-monitoring.html
 * @see https://github.com/falcosecurity/falcosidekick/blob/master/docs/outputs/aws_sns.md
 */
export class RuntimeThreatAlerts extends Construct implements INotificationPipeline {
  /** The function that formats and publishes the alerts. */
  public readonly handler: lambda.IFunction;

  /** The rule that sends GuardDuty Runtime Monitoring findings to the function. */
  public readonly rule: events.Rule;

  /** The table that remembers which rule fired on which workload within the window. */
  public readonly dedupTable: dynamodb.ITable;

  /** Where an event lands when it could not be handled; each message body is the original event or SNS message. */
  public readonly deadLetterQueue: sqs.IQueue;

  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;

  /** Fires when the function fails (`errorsAlarmThreshold` errors in 5 minutes). Add your own actions. */
  public readonly errorsAlarm: cloudwatch.Alarm;

  /** Fires when the dead-letter queue holds `deadLetterAlarmThreshold` messages. Add your own actions. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  /**
   * The topic Falcosidekick publishes to (`aws.sns.topicarn`, with `aws.sns.rawjson: true`), when
   * `falcosidekick` is given. Only `falcoRole` may publish to it.
   *
   * @default - none
   */
  public readonly falcoTopic?: sns.ITopic;

  /**
   * The IRSA role of Falcosidekick, when `falcosidekick` is given: the falcosidekick chart's
   * `config.aws.rolearn` (with `config.aws.useirsa`, its default), which the chart puts in the
   * service account annotation `eks.amazonaws.com/role-arn`.
   *
   * @default - none
   */
  public readonly falcoRole?: iam.IRole;

  constructor(scope: Construct, id: string, props: RuntimeThreatAlertsProps) {
    super(scope, id);
    const minimumSeverity = props.minimumSeverity ?? Severity.LOW;
    const policyJson = validate(props);
    validatePipelineOptions(props);
    warnLongWindow(this, props.dedupWindow);

    const falcoTopic = props.falcosidekick ? new sns.Topic(this, 'FalcoTopic', {
      // The AWS managed key: its key policy lets principals of the account publish through SNS,
      // so the Falcosidekick role needs sns:Publish only.
      masterKey: kms.Alias.fromAliasName(this, 'FalcoTopicKey', 'alias/aws/sns'),
      enforceSSL: true,
    }) : undefined;

    const environment: Record<string, string> = {
      MIN_SEVERITY: minimumSeverity,
      TOP_FINDINGS: String(props.topFindings ?? 5),
    };
    if (policyJson) environment.IMAGE_POLICY = policyJson;
    const floor = GUARDDUTY_FLOOR[minimumSeverity];
    const pipeline = createNotificationPipeline(this, {
      handlerName: 'runtime-threat',
      description: 'Alerts on runtime threats (GuardDuty Runtime Monitoring, Falco) with the Inspector findings of the image',
      eventPattern: {
        source: ['aws.guardduty'],
        detailType: ['GuardDuty Finding'],
        detail: {
          type: events.Match.wildcard('*:Runtime/*'),
          ...(floor !== undefined ? { severity: events.Match.greaterThanOrEqual(floor) } : {}),
        },
      },
      snsSources: falcoTopic ? [falcoTopic] : [],
      topic: props.topic,
      environment,
      dedupTtl: props.dedupWindow ?? Duration.minutes(15),
      logGroup: props.logGroup,
      errorsAlarmThreshold: props.errorsAlarmThreshold,
      deadLetterAlarmThreshold: props.deadLetterAlarmThreshold,
      errorsAlarmDescription: 'The runtime threat alert function failed. Lambda retries the event twice, then keeps it in the dead-letter queue.',
      deadLetterAlarmDescription: 'A runtime threat alert could not be sent: its GuardDuty finding or Falco message is in the dead-letter queue, ready to replay.',
    });
    const inspector = new iam.Policy(this, 'InspectorPolicy', {
      roles: [pipeline.role],
      statements: [new iam.PolicyStatement({ actions: ['inspector2:ListFindings', 'inspector2:ListFindingAggregations'], resources: ['*'] })],
    });
    pipeline.function.node.addDependency(inspector);
    Validations.of(inspector).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'inspector2:ListFindings and ListFindingAggregations support no resource-level permissions; the function filters by repository and image in the request.',
    });

    this.handler = pipeline.function;
    this.rule = pipeline.rule;
    this.dedupTable = pipeline.table!;
    this.deadLetterQueue = pipeline.deadLetterQueue;
    this.logGroup = pipeline.logGroup;
    this.errorsAlarm = pipeline.errorsAlarm;
    this.deadLetterAlarm = pipeline.deadLetterAlarm;
    if (props.falcosidekick && falcoTopic) {
      this.falcoTopic = falcoTopic;
      this.falcoRole = this.createFalcoRole(props.falcosidekick, falcoTopic);
    }
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

  /** The IRSA role: assumable only by the service account, allowed only to publish to the topic (and the topic admits no one else). */
  private createFalcoRole(options: FalcosidekickOptions, topic: sns.Topic): iam.Role {
    const namespace = options.namespace ?? 'falco';
    const serviceAccount = options.serviceAccountName ?? 'falco-falcosidekick';
    const issuer = options.openIdConnectProvider.openIdConnectProviderIssuer;
    const conditions = {
      [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
      [`${issuer}:aud`]: 'sts.amazonaws.com',
    };
    // A token issuer (a provider created in the app) cannot be an object key in the template: CfnJson resolves it at deploy time.
    const principal = Token.isUnresolved(issuer)
      ? new iam.OpenIdConnectPrincipal(options.openIdConnectProvider).withConditions({
        StringEquals: new CfnJson(this, 'FalcoRoleConditions', { value: conditions }),
      })
      : new iam.OpenIdConnectPrincipal(options.openIdConnectProvider, { StringEquals: conditions });
    const role = new iam.Role(this, 'FalcoRole', {
      assumedBy: principal,
      description: `Falcosidekick (service account ${namespace}/${serviceAccount}) publishes Falco alerts to the runtime threat topic`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
    // No other principal may publish: a forged "Falco alert" from anyone else in the account is refused.
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'OnlyFalcosidekickPublishes',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': role.roleArn } },
    }));
    return role;
  }
}

/** Validates the props; returns the image policy as JSON. */
function validate(props: RuntimeThreatAlertsProps): string | undefined {
  if (!props.topic) {
    throw new Error('topic is missing: expected the sns.ITopic alerts go to, such as the topic of your ScanNotifier.');
  }
  if (props.minimumSeverity === Severity.UNTRIAGED) {
    throw new Error('minimumSeverity is UNTRIAGED: runtime alerts have no untriaged level. Use Severity.INFORMATIONAL to alert on everything.');
  }
  const top = props.topFindings;
  if (top !== undefined && !Token.isUnresolved(top) && (!Number.isInteger(top) || top < 0 || top > 20)) {
    throw new Error(`topFindings is ${top}: expected a whole number from 0 to 20 (0 lists no findings; counts are still shown).`);
  }
  const window = props.dedupWindow;
  if (window && !window.isUnresolved()) {
    const seconds = window.toSeconds({ integral: false });
    if (seconds < 60 || seconds > 7 * 24 * 3600) {
      throw new Error(`dedupWindow is ${window.toHumanString()}: expected 1 minute to 7 days. Repeats of a rule on the same workload within it are not alerted again.`);
    }
  }
  const falco = props.falcosidekick;
  if (falco) {
    if (!falco.openIdConnectProvider) {
      throw new Error('falcosidekick.openIdConnectProvider is missing: expected the IAM OIDC provider of the EKS cluster (cluster.openIdConnectProvider).');
    }
    if (falco.namespace !== undefined && !Token.isUnresolved(falco.namespace) && !NAMESPACE.test(falco.namespace)) {
      throw new Error(`falcosidekick.namespace is ${JSON.stringify(falco.namespace)}: expected a Kubernetes namespace such as "falco" `
        + '(lowercase letters, digits and "-", at most 63 characters; no wildcards).');
    }
    if (falco.serviceAccountName !== undefined && !Token.isUnresolved(falco.serviceAccountName) && !SERVICE_ACCOUNT.test(falco.serviceAccountName)) {
      throw new Error(`falcosidekick.serviceAccountName is ${JSON.stringify(falco.serviceAccountName)}: expected a Kubernetes service account name `
        + 'such as "falco-falcosidekick" (lowercase letters, digits, "-" and "."; no wildcards).');
    }
  }
  if (!props.imagePolicy) return undefined;
  const json = props.imagePolicy.toJson();
  if (Buffer.byteLength(json) > MAX_POLICY_BYTES) {
    throw new Error(`imagePolicy takes ${Buffer.byteLength(json)} bytes as JSON, over the ${MAX_POLICY_BYTES} bytes it may take of the function's `
      + 'environment (Lambda allows 4 KB in all): allow whole registries or namespaces ("host/team/") instead of many repositories.');
  }
  return json;
}

/** Warns when the window is longer than a day: a workload attacked again the next day raises no alert. */
function warnLongWindow(scope: Construct, window: Duration | undefined): void {
  if (window && !window.isUnresolved() && window.toSeconds() > 24 * 3600) {
    Annotations.of(scope).addWarningV2('cdk-ecr-scan-guard:runtimeDedupWindowLong',
      `dedupWindow is ${window.toHumanString()}: a rule that fires again on the same workload within it raises no new alert.`);
  }
}
