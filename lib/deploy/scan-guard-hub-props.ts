import { StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EnhancedScanningProps } from '../guard/enhanced-scanning';
import { RuntimeThreatAlertsOptions } from '../policy/runtime-threat-alerts-props';
import { ImagePolicy } from '../policy/image-policy';
import { ScanNotifierProps } from '../notify/scan-notifier-props';
import { ScanCoverageMonitorProps } from '../notify/scan-coverage-monitor-props';

/** Properties of a `ScanGuardHubStack`. */
export interface ScanGuardHubStackProps extends StackProps {
  /**
   * Name of the hub, the middle of the SSM parameter that holds its topic ARN:
   * `/cdk-ecr-scan-guard/<hubName>/topic-arn`. Spokes read `default` unless told otherwise.
   *
   * @default 'default'
   */
  readonly hubName?: string;

  /**
   * Settings of the scan notifier (topic, locale, templates, minimum severity, ...).
   * Leave `repositories` out: a hub notifies every repository, and spokes filter by name.
   *
   * @default - a ScanNotifier with its defaults
   */
  readonly notifier?: ScanNotifierProps;

  /**
   * The topic every CloudWatch alarm of the hub stack publishes to (function errors and
   * dead-lettered events of the notifier, the tamper alerts, the image monitor, and any alarm a
   * construct added to the stack later creates), for the team that runs the hub. It must accept
   * CloudWatch alarms: unencrypted, or encrypted with a customer managed key whose policy lets
   * `cloudwatch.amazonaws.com` use it.
   *
   * @default - a new operations topic (`operationsTopic`), encrypted with a customer managed key that CloudWatch and EventBridge may use, subscribed by `notifier.emailAddresses`
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Turn on ECR enhanced scanning and Amazon Inspector in the hub's account and region.
   * Set it to false when another stack (or a delegated administrator) already owns the
   * account's registry scanning configuration.
   *
   * @default true
   */
  readonly enhancedScanning?: boolean;

  /**
   * Settings of the enhanced scanning, with `enhancedScanning`.
   *
   * @default - continuous scanning of every repository
   */
  readonly scanning?: EnhancedScanningProps;

  /**
   * Alert on the hub topic (`kind` = `tamper`) when someone weakens a guarded registry in the
   * hub's account and region (see `GuardTamperAlerts`), and when someone changes the hub's own
   * functions, rules, tables, topic or SSM parameter. Deployments by the stack's CloudFormation
   * execution role are alerted too, with the message attribute `actor` = `deployment`.
   *
   * @default true
   */
  readonly tamperAlerts?: boolean;

  /**
   * Alert on the hub topic (`kind` = `coverage`) when Amazon Inspector cannot scan an image of the
   * hub's account and region (for example ACCESS_DENIED from a repository policy), with a daily sweep.
   *
   * @default true
   */
  readonly coverageMonitoring?: boolean;

  /**
   * Settings of the scan coverage monitor, with `coverageMonitoring`.
   *
   * @default - a ScanCoverageMonitor with its defaults, on the hub topic
   */
  readonly coverage?: ScanCoverageMonitorProps;

  /**
   * Principals whose guard changes are expected and raise no tamper alert (for example the
   * role that deploys spokes), with `*` and `?` allowed in the name.
   *
   * @default - none: every call is alerted
   */
  readonly tamperAlertIgnoredPrincipalArns?: string[];

  /**
   * Check the images ECS tasks of the hub's account actually run against this policy, and
   * alert on the hub topic (`kind` = `image-policy`) once per task that runs a rejected image.
   *
   * @default - no deployed-image monitor
   */
  readonly imagePolicy?: ImagePolicy;

  /**
   * Alert on the hub topic (`kind` = `runtime`) on GuardDuty Runtime Monitoring findings and, with
   * `falcosidekick`, Falco alerts, linked to the Inspector findings of the image. The image policy
   * is `imagePolicy` unless the options give one.
   *
   * @default - no runtime threat alerts
   */
  readonly runtimeThreats?: RuntimeThreatAlertsOptions;

  /**
   * An AWS Organizations id (`o-...`). Every account of the organisation may then put Amazon
   * Inspector scan events (and no other event) on the hub's default event bus, for the
   * member-account `ScanEventForwarder`, matched with `aws:PrincipalOrgID`. The organisation gets
   * no access to any topic: scans of accounts not in `memberAccountIds` reach only the hub topic,
   * to which only the hub's account may subscribe.
   *
   * @default - no organisation is admitted
   */
  readonly organizationId?: string;

  /**
   * Member accounts: each may put Amazon Inspector scan events on the hub's default bus, and gets
   * a topic of its own (`cdk-ecr-scan-guard-<hubName>-<account>`, see `accountTopicArn`) that
   * only it may subscribe to, where the notifier publishes that account's scans and nothing
   * else. So no member account can receive another account's findings, whatever filter policy
   * it sets. At most 150 accounts a hub (two resources each).
   *
   * @default - no member account
   */
  readonly memberAccountIds?: string[];
}

