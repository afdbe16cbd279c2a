import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ImagePolicy } from './image-policy';
import { NotificationPipelineOptions } from '../notify/notification-pipeline-options';
import { Severity } from '../notify/severity';

/** How Falcosidekick on an EKS cluster reaches the alerts: its IRSA service account. */
export interface FalcosidekickOptions {
  /**
   * The IAM OIDC provider of the EKS cluster Falcosidekick runs in (`cluster.openIdConnectProvider`,
   * or `iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(...)`). The role trusts tokens of
   * this provider only.
   */
  readonly openIdConnectProvider: iam.IOpenIdConnectProvider;

  /**
   * The namespace of Falcosidekick's service account.
   *
   * @default 'falco'
   */
  readonly namespace?: string;

  /**
   * The name of Falcosidekick's service account: the role trusts
   * `system:serviceaccount:<namespace>:<serviceAccountName>` only. The falco chart with
   * `falcosidekick.enabled=true`, installed as release `falco`, names it `falco-falcosidekick`.
   *
   * @default 'falco-falcosidekick'
   */
  readonly serviceAccountName?: string;
}

/** Options of a `RuntimeThreatAlerts`: everything but the topic (the hub supplies its own). */
export interface RuntimeThreatAlertsOptions extends NotificationPipelineOptions {
  /**
   * Take Falco alerts from Falcosidekick too: creates `falcoTopic` and the IRSA role `falcoRole`.
   *
   * @default - GuardDuty Runtime Monitoring findings only
   */
  readonly falcosidekick?: FalcosidekickOptions;

  /**
   * Alerts below this severity are dropped. GuardDuty severities map by GuardDuty's ranges
   * (9.0+ CRITICAL, 7.0+ HIGH, 4.0+ MEDIUM, else LOW); Falco priorities as emergency, alert and
   * critical: CRITICAL, error: HIGH, warning: MEDIUM, notice: LOW, informational and debug:
   * INFORMATIONAL. GuardDuty findings below it are filtered out by the rule already.
   *
   * @default Severity.LOW
   */
  readonly minimumSeverity?: Severity;

  /**
   * Repeats of the same rule (Falco) or finding type (GuardDuty) on the same pod, task, container
   * or instance within this window raise no new alert. 1 minute to 7 days.
   *
   * @default Duration.minutes(15)
   */
  readonly dedupWindow?: Duration;

  /**
   * The image policy whose verdict the alert shows for each image.
   *
   * @default - no verdict
   */
  readonly imagePolicy?: ImagePolicy;

  /**
   * How many of the worst Inspector findings (and of the worst exploitable ones) each image lists,
   * 0 to 20. Counts are shown whatever the number.
   *
   * @default 5
   */
  readonly topFindings?: number;
}

/** Properties of a `RuntimeThreatAlerts`. */
export interface RuntimeThreatAlertsProps extends RuntimeThreatAlertsOptions {
  /**
   * The topic alerts are published to, in practice the `ScanNotifier`'s topic: alerts carry the
   * same message attributes as scan notifications (`kind` is `runtime`, `severity`,
   * `repository`, `account`), so subscription filter policies keep working. The function is
   * granted `sns:Publish` on it, and the use of its KMS key when the topic exposes one.
   */
  readonly topic: sns.ITopic;
}
