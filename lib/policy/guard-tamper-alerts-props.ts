import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { NotificationPipelineOptions } from '../notify/notification-pipeline-options';
import { Severity } from '../notify/severity';

/** Properties of a `GuardTamperAlerts`. */
export interface GuardTamperAlertsProps extends NotificationPipelineOptions {
  /**
   * The topic alerts are published to, in practice the `ScanNotifier`'s topic: alerts carry the
   * same message attributes as scan notifications (`kind` is `tamper`), so subscription filter
   * policies keep working. The function is granted `sns:Publish` on it, and the use of its KMS
   * key when the topic exposes one (`topic.masterKey`). Changes to the topic and its
   * subscriptions are alerted (see `protectTopic`).
   */
  readonly topic: sns.ITopic;

  /**
   * Principals whose calls are expected and raise no alert: IAM role or user ARNs (or
   * `arn:<partition>:iam::<account>:root`), with `*` and `?` wildcards in the name part after at
   * least one literal character of the name (`role/platform-*`; never `role/*`). A call through
   * an assumed role is matched by the role's ARN. Everything else is alerted, deployments too.
   *
   * @default - none: every call is alerted
   */
  readonly ignoredPrincipalArns?: string[];

  /**
   * Roles that deploy the stacks: their calls are alerted with the message attribute
   * `actor` = `deployment` (others with `actor` = `other`), so subscribers can filter
   * deployment changes. They are never left out: the CDK deployment role is shared by every
   * CDK stack of the account, and anyone who can use it could otherwise change the guard unseen.
   *
   * @default - the stack's CloudFormation execution role (the CDK bootstrap `cfn-exec` role), when the synthesizer names one
   */
  readonly deploymentRoles?: iam.IRole[];

  /**
   * The `severity` message attribute of the alerts.
   *
   * @default Severity.HIGH
   */
  readonly severity?: Severity;

  /**
   * How long a CloudTrail event id is remembered, so a duplicate delivery raises no second alert.
   *
   * @default Duration.days(2)
   */
  readonly dedupTtl?: Duration;
}
