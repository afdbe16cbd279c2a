import { Annotations, Aspects, CfnOutput, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DeployedImageMonitor } from '../policy/deployed-image-monitor';
import { EnhancedScanning } from '../guard/enhanced-scanning';
import { GuardTamperAlerts } from '../policy/guard-tamper-alerts';
import { RuntimeThreatAlerts } from '../policy/runtime-threat-alerts';
import { ACCOUNT_ID, DEFAULT_HUB_NAME, HUB_NAME, ORGANIZATION_ID, topicArnParameterName, validateValue } from './private/deployment-values';
import { accountTopicArn, createAccountTopics } from './private/account-topics';
import { createOperationsTopic, RouteAlarmsToTopic } from './private/operations-topic';
import { ScanEventForwarder } from './scan-event-forwarder';
import { validateEach } from '../private/validation';
import { ScanNotifier } from '../notify/scan-notifier';
import { ScanCoverageMonitor } from '../notify/scan-coverage-monitor';

import { ScanGuardHubStackProps } from './scan-guard-hub-props';

/**
 * The hub of a hub-and-spoke deployment, one per account and region: the `ScanNotifier`
 * (topic, formatter, dead-letter queue, alarms), `EnhancedScanning`, `GuardTamperAlerts`
 * and a `ScanCoverageMonitor` (and, with an `imagePolicy`, a `DeployedImageMonitor`) on the same topic, and an SSM parameter
 * `/cdk-ecr-scan-guard/<hubName>/topic-arn` that holds the topic ARN, where spokes find it.
 * With `organizationId` or `memberAccountIds`, the hub's default event bus admits the
 * scan events other accounts forward; each of `memberAccountIds` gets a topic of its own for its
 * spokes. Every alarm of the stack publishes to `operationsTopic`.
 */
export class ScanGuardHubStack extends Stack {
  /**
   * The SSM parameter name that holds the topic ARN of the hub named `hubName`.
   *
   * @param hubName the hub's name (`ScanGuardHubStackProps.hubName`)
   */
  public static topicArnParameterName(hubName: string = DEFAULT_HUB_NAME): string {
    return topicArnParameterName(hubName);
  }

  /**
   * The topic of the hub named `hubName`, imported from the SSM parameter the hub writes
   * (`/cdk-ecr-scan-guard/<hubName>/topic-arn`). The value is read by CloudFormation at deploy
   * time, in the account and region of `scope`'s stack, which must be the hub's: an SSM
   * parameter cannot be read from another account. Use it to send your own alerts, or alarms,
   * to the hub's recipients.
   *
   * @param scope the scope of the imported topic
   * @param id the construct id of the imported topic
   * @param hubName the hub's name (`ScanGuardHubStackProps.hubName`)
   */
  public static topicFromParameter(scope: Construct, id: string, hubName: string = DEFAULT_HUB_NAME): sns.ITopic {
    validateValue('hubName', hubName, (v) => HUB_NAME.test(v), '1 to 128 letters, digits, ".", "_" or "-", such as "default"');
    const topicArn = ssm.StringParameter.valueForStringParameter(scope, topicArnParameterName(hubName));
    return sns.Topic.fromTopicArn(scope, id, topicArn);
  }

  /** The scan notifier. */
  public readonly notifier: ScanNotifier;

  /** The enhanced scanning configuration, unless `enhancedScanning` is false. */
  public readonly scanning?: EnhancedScanning;

  /** The tamper alerts, unless `tamperAlerts` is false. */
  public readonly tamperAlerts?: GuardTamperAlerts;

  /** The scan coverage monitor, unless `coverageMonitoring` is false. */
  public readonly coverageMonitor?: ScanCoverageMonitor;

  /** The deployed-image monitor, with `imagePolicy`. */
  public readonly imageMonitor?: DeployedImageMonitor;

  /** The runtime threat alerts, with `runtimeThreats`. */
  public readonly runtimeThreatAlerts?: RuntimeThreatAlerts;

  /** The SSM parameter that holds the topic ARN. */
  public readonly topicArnParameter: ssm.StringParameter;

  /** The statements added to the default event bus policy, one per kind of admitted principal. */
  public readonly eventBusPolicies: events.CfnEventBusPolicy[] = [];

  /** The topic every alarm of the stack publishes to: `alarmTopic`, or the operations topic the hub creates. */
  public readonly operationsTopic: sns.ITopic;

  /**
   * The ARN of a member account's own topic on a hub, for the `HubTopicArn` of spokes in that
   * account: `arn:<partition>:sns:<region>:<hub account>:cdk-ecr-scan-guard-<hubName>-<account>`.
   */
  public static accountTopicArn(hubAccountId: string, region: string, accountId: string, hubName: string = DEFAULT_HUB_NAME, partition: string = 'aws'): string {
    validateValue('hubAccountId', hubAccountId, (v) => ACCOUNT_ID.test(v), 'a 12-digit AWS account id');
    validateValue('accountId', accountId, (v) => ACCOUNT_ID.test(v), 'a 12-digit AWS account id');
    validateValue('hubName', hubName, (v) => HUB_NAME.test(v), 'a hub name such as "default"');
    return accountTopicArn(partition, region, hubAccountId, hubName, accountId);
  }

  private readonly accountTopics: Record<string, sns.ITopic> = {};

  constructor(scope: Construct, id: string, props: ScanGuardHubStackProps = {}) {
    super(scope, id, {
      description: 'cdk-ecr-scan-guard hub: scan notifier, enhanced scanning and the topic spokes subscribe to',
      ...props,
    });
    const hubName = props.hubName ?? DEFAULT_HUB_NAME;
    validateValue('hubName', hubName, (v) => HUB_NAME.test(v), 'a name of 1 to 128 letters, digits, "_", "." or "-", such as "default" or "prod"');
    validateValue('organizationId', props.organizationId, (v) => ORGANIZATION_ID.test(v), 'an AWS Organizations id such as "o-a1b2c3d4e5"');
    validateEach('memberAccountIds', props.memberAccountIds, (v) => ACCOUNT_ID.test(v), 'a 12-digit AWS account id such as "222222222222"');
    if (props.notifier?.repositories?.length) {
      Annotations.of(this).addWarningV2('cdk-ecr-scan-guard:hubRepositories',
        'notifier.repositories limits the hub to those repositories, so spokes of other repositories get no mail. '
        + 'Leave it out on a hub: each spoke filters its own repository with a subscription filter policy.');
    }

    this.notifier = new ScanNotifier(this, 'Notifier', props.notifier);
    if (props.tamperAlerts ?? true) {
      this.tamperAlerts = new GuardTamperAlerts(this, 'TamperAlerts', {
        topic: this.notifier.topic,
        ignoredPrincipalArns: props.tamperAlertIgnoredPrincipalArns,
      });
    } else if (props.tamperAlertIgnoredPrincipalArns) {
      throw new Error('tamperAlertIgnoredPrincipalArns is set while tamperAlerts is false: drop one of them.');
    }
    if (props.imagePolicy) {
      this.imageMonitor = new DeployedImageMonitor(this, 'ImageMonitor', { policy: props.imagePolicy, topic: this.notifier.topic });
    }
    if (props.coverageMonitoring ?? true) {
      this.coverageMonitor = new ScanCoverageMonitor(this, 'CoverageMonitor', { ...props.coverage, topic: props.coverage?.topic ?? this.notifier.topic });
    } else if (props.coverage) {
      throw new Error('coverage is set while coverageMonitoring is false: drop one of them.');
    }
    if (props.runtimeThreats) {
      this.runtimeThreatAlerts = new RuntimeThreatAlerts(this, 'RuntimeThreats', {
        imagePolicy: props.imagePolicy, ...props.runtimeThreats, topic: this.notifier.topic,
      });
    }
    // Every alarm of the stack, including those of constructs added later, goes to one topic.
    this.operationsTopic = props.alarmTopic ?? createOperationsTopic(this, props.notifier?.emailAddresses ?? []);
    Aspects.of(this).add(new RouteAlarmsToTopic(this.operationsTopic));
    if (props.enhancedScanning ?? true) {
      this.scanning = new EnhancedScanning(this, 'Scanning', props.scanning);
    }

    const parameterName = topicArnParameterName(hubName);
    this.topicArnParameter = new ssm.StringParameter(this, 'TopicArnParameter', {
      parameterName,
      stringValue: this.notifier.topic.topicArn,
      description: `ARN of the cdk-ecr-scan-guard hub topic "${hubName}": spokes subscribe to it.`,
    });
    if (this.tamperAlerts) {
      // Changes to the hub's own resources could silence the scan mails or send the spokes elsewhere.
      for (const owner of [this.notifier, this.imageMonitor]) {
        if (!owner) continue;
        this.tamperAlerts.protectFunction(owner.handler);
        this.tamperAlerts.protectRule(owner.rule);
        this.tamperAlerts.protectTable(owner.dedupTable);
      }
      if (this.coverageMonitor) {
        this.tamperAlerts.protectFunction(this.coverageMonitor.handler);
        this.tamperAlerts.protectRule(this.coverageMonitor.rule);
        this.tamperAlerts.protectRule(this.coverageMonitor.scheduleRule);
        this.tamperAlerts.protectTable(this.coverageMonitor.stateTable);
      }
      this.tamperAlerts.protectParameter(this.topicArnParameter);
    }

    this.admitMembers(hubName, props);

    new CfnOutput(this, 'TopicArn', { value: this.notifier.topic.topicArn, description: 'The hub topic spokes subscribe to.' });
    new CfnOutput(this, 'TopicArnParameterName', { value: parameterName, description: 'The SSM parameter that holds the topic ARN.' });
  }

  /** The topic of a member account (one of `memberAccountIds`), or undefined. */
  public accountTopic(accountId: string): sns.ITopic | undefined {
    return this.accountTopics[accountId];
  }

  private admitMembers(hubName: string, props: ScanGuardHubStackProps): void {
    const admitted: Array<{ id: string; principals: iam.IPrincipal[]; conditions?: Record<string, unknown> }> = [];
    if (props.organizationId) {
      admitted.push({
        id: 'Organization',
        principals: [new iam.AnyPrincipal()],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      });
    }
    const accounts = [...new Set(props.memberAccountIds ?? [])];
    if (accounts.some((a) => !Token.isUnresolved(this.account) && a === this.account)) {
      Annotations.of(this).addWarningV2('cdk-ecr-scan-guard:hubInMemberAccounts',
        `memberAccountIds contains the hub's own account ${this.account}, which needs no admission: remove it.`);
    }
    const members = accounts.filter((a) => Token.isUnresolved(this.account) || a !== this.account);
    if (members.length) {
      admitted.push({ id: 'Accounts', principals: members.map((a) => new iam.AccountPrincipal(a)) });
      Object.assign(this.accountTopics, createAccountTopics(this, this.notifier, hubName, members));
    }
    if (admitted.length === 0) return;

    // Only the events a forwarder sends: Amazon Inspector scan results and findings. The keys are multivalued
    // (one value per entry of a PutEvents call): every value must match, and the keys must be there.
    const forwarded = ScanEventForwarder.EVENT_PATTERN;
    const detailTypes = [...forwarded.detailType ?? [], ...ScanEventForwarder.FINDING_EVENT_PATTERN.detailType ?? []];
    const onlyForwarded = {
      'ForAllValues:StringEquals': { 'events:source': forwarded.source, 'events:detail-type': detailTypes },
      'Null': { 'events:source': 'false', 'events:detail-type': 'false' },
    };
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultEventBus', 'default');
    for (const { id, principals, conditions } of admitted) {
      const sid = `ScanGuard-${hubName}-${id}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
      this.eventBusPolicies.push(new events.CfnEventBusPolicy(this, `${id}PutEvents`, {
        eventBusName: defaultBus.eventBusName,
        statementId: sid,
        statement: new iam.PolicyStatement({
          sid,
          principals,
          actions: ['events:PutEvents'],
          resources: [defaultBus.eventBusArn],
          conditions: { ...conditions, ...onlyForwarded },
        }).toStatementJson(),
      }));
    }
  }
}
