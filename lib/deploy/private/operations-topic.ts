import { Aws, IAspect } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, IConstruct } from 'constructs';

/** The services that publish to the operations topic: CloudWatch alarms and EventBridge rules. */
const PUBLISHERS = ['cloudwatch.amazonaws.com', 'events.amazonaws.com'];

/**
 * The hub's operations topic: encrypted with a customer managed key (rotated) that CloudWatch
 * and EventBridge of this account may use, since neither can publish to a topic under the AWS
 * managed key; TLS-only; subscribed by `emailAddresses`.
 */
export function createOperationsTopic(scope: Construct, emailAddresses: string[]): sns.Topic {
  const key = new kms.Key(scope, 'OperationsKey', {
    description: 'Encrypts the cdk-ecr-scan-guard hub operations topic; CloudWatch alarms and EventBridge rules of this account publish with it.',
    enableKeyRotation: true,
  });
  // Grants only for AWS services acting on AWS resources (Control Tower CT.KMS.PR.3).
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'GrantsOnlyForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));
  const sourceAccount = { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } };
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AlarmAndRulePublishers',
    principals: PUBLISHERS.map((p) => new iam.ServicePrincipal(p)),
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: sourceAccount,
  }));
  const topic = new sns.Topic(scope, 'OperationsTopic', {
    displayName: 'cdk-ecr-scan-guard hub operations alarms',
    enforceSSL: true,
    masterKey: key,
  });
  topic.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AlarmAndRulePublishers',
    principals: PUBLISHERS.map((p) => new iam.ServicePrincipal(p)),
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: sourceAccount,
  }));
  for (const address of emailAddresses) {
    topic.addSubscription(new subscriptions.EmailSubscription(address));
  }
  return topic;
}

/**
 * Routes every CloudWatch alarm under the construct it is added to, including alarms that
 * constructs added later create, to one topic: an L2 `cloudwatch.Alarm` gets the topic as an
 * alarm action once; an L1 `CfnAlarm` outside an L2 alarm gets it when it has no action.
 */
export class RouteAlarmsToTopic implements IAspect {
  private readonly routed = new WeakSet<IConstruct>();

  constructor(private readonly topic: sns.ITopic) {}

  public visit(node: IConstruct): void {
    if (this.routed.has(node)) return;
    if (node instanceof cloudwatch.Alarm) {
      node.addAlarmAction(new cwActions.SnsAction(this.topic));
      this.routed.add(node);
      if (node.node.defaultChild) this.routed.add(node.node.defaultChild);
    } else if (node instanceof cloudwatch.CfnAlarm && !(node.node.scope instanceof cloudwatch.Alarm)) {
      if (node.alarmActions === undefined || (Array.isArray(node.alarmActions) && node.alarmActions.length === 0)) {
        node.alarmActions = [this.topic.topicArn];
      }
      this.routed.add(node);
    }
  }
}
