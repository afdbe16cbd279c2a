import { Aws, BootstraplessSynthesizer, CfnParameter, Stack, StackProps, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ECR_SCAN_EVENT_PATTERN } from '../private/scan-event-pattern';
import { ACCOUNT_ID, TOPIC_ARN, validateValue } from './private/deployment-values';
import { createDeadLetterQueue, deadLettersMetric, thresholdAlarm } from '../private/dead-letter';

/** Properties of a `ScanEventForwarder`. */
export interface ScanEventForwarderProps {
  /**
   * The hub account's event bus, where the hub's `ScanNotifier` rule runs: its default bus
   * (see `ScanEventForwarder.hubDefaultEventBus`). Its policy must admit this account,
   * as `ScanGuardHubStack` does for an organisation or a list of accounts.
   */
  readonly hubEventBus: events.IEventBus;

  /**
   * The role EventBridge assumes to put events on the hub bus.
   *
   * @default - a new role that only events.amazonaws.com of this account may assume, allowed only `events:PutEvents` on `hubEventBus`
   */
  readonly role?: iam.IRole;

  /**
   * Where events go that EventBridge could not deliver to the hub bus (after retrying for 24
   * hours, or at once when the hub bus policy refuses them), ready to replay.
   *
   * @default - a new queue (SQS-managed encryption, TLS only, 14 days' retention)
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * A topic the dead-letter alarm publishes to. It must accept CloudWatch alarms.
   *
   * @default - the alarm has no action: route `deadLetterAlarm` yourself
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * A description of the rule.
   *
   * @default 'Amazon Inspector scan results to the scan guard hub'
   */
  readonly description?: string;
}

/**
 * Runs in a member account: sends the account's `Inspector2 Scan` events of ECR images, and the
 * `Inspector2 Finding` events of its ECR images (which stay in the account and region where the
 * image lives) to the hub account's event bus, where the hub's
 * notifier formats them. Events keep their `account` field, so the notifications' `account`
 * attribute names the member account. Events the hub bus refuses or that cannot be delivered
 * land in `deadLetterQueue`, and `deadLetterAlarm` fires. The construct creates no asset and no function.
 */
export class ScanEventForwarder extends Construct {
  /**
   * The events a forwarder sends: the Amazon Inspector scan results of the account's ECR images
   * (events with `detail.repository-name`); scans of EC2 instances, Lambda functions and machine
   * images stay in the account.
   */
  public static readonly EVENT_PATTERN: events.EventPattern = ECR_SCAN_EVENT_PATTERN;

  /**
   * The finding events a forwarder sends: those of ECR images only (findings of EC2 instances and
   * Lambda functions share the detail type), for the hub's new-findings mails.
   */
  public static readonly FINDING_EVENT_PATTERN: events.EventPattern = {
    source: ['aws.inspector2'],
    detailType: ['Inspector2 Finding'],
    detail: { resources: { type: ['AWS_ECR_CONTAINER_IMAGE'] } },
  };

  /**
   * The default event bus of the hub account, in this stack's region unless `region` is given.
   *
   * @param scope the scope of the imported bus
   * @param id the construct id of the imported bus
   * @param hubAccountId the hub's account id, 12 digits
   * @param region the hub's region; the region of `scope`'s stack when omitted
   */
  public static hubDefaultEventBus(scope: Construct, id: string, hubAccountId: string, region?: string): events.IEventBus {
    validateValue('hubAccountId', hubAccountId, (v) => ACCOUNT_ID.test(v), 'a 12-digit AWS account id');
    const arn = `arn:${Aws.PARTITION}:events:${region ?? Aws.REGION}:${hubAccountId}:event-bus/default`;
    return events.EventBus.fromEventBusArn(scope, id, arn);
  }

  /** The rule that matches the scan events. */
  public readonly rule: events.Rule;

  /** The rule that matches the finding events of ECR images. */
  public readonly findingRule: events.Rule;

  /** The role EventBridge assumes to put the events on the hub bus. */
  public readonly role: iam.IRole;

  /** Where events go that could not be delivered to the hub bus. */
  public readonly deadLetterQueue: sqs.IQueue;

  /** Fires as soon as one event waits in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ScanEventForwarderProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const busAccount = props.hubEventBus.env.account;
    if (!Token.isUnresolved(busAccount) && !Token.isUnresolved(stack.account) && busAccount === stack.account) {
      throw new Error(`hubEventBus is in this stack's account ${stack.account}: the hub account needs no forwarder, `
        + 'its ScanNotifier reads its own default bus. Deploy the forwarder in member accounts only.');
    }

    this.role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: new iam.PrincipalWithConditions(new iam.ServicePrincipal('events.amazonaws.com'), {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      }),
      description: 'Lets EventBridge put this account\'s Amazon Inspector scan events on the scan guard hub\'s event bus.',
    });

    this.deadLetterQueue = props.deadLetterQueue ?? createDeadLetterQueue(this, 'the forwarding rule\'s target');
    this.rule = new events.Rule(this, 'Resource', {
      description: props.description ?? 'Amazon Inspector scan results to the scan guard hub',
      eventPattern: ScanEventForwarder.EVENT_PATTERN,
      targets: [new targets.EventBus(props.hubEventBus, { role: this.role, deadLetterQueue: this.deadLetterQueue })],
    });
    this.findingRule = new events.Rule(this, 'FindingRule', {
      description: 'Amazon Inspector findings of ECR images to the scan guard hub',
      eventPattern: ScanEventForwarder.FINDING_EVENT_PATTERN,
      targets: [new targets.EventBus(props.hubEventBus, { role: this.role, deadLetterQueue: this.deadLetterQueue })],
    });
    this.deadLetterAlarm = thresholdAlarm(this, 'DeadLetterAlarm',
      'A scan or finding event could not be forwarded to the scan guard hub: it is in the dead-letter queue, ready to replay.', deadLettersMetric(this.deadLetterQueue));
    if (props.alarmTopic) this.deadLetterAlarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
  }
}

/** Properties of a `ScanEventForwarderStack`. */
export interface ScanEventForwarderStackProps extends StackProps {
  /**
   * Default of the template's `HubAccountId` parameter.
   *
   * @default - none: `HubAccountId` must be given at deployment
   */
  readonly hubAccountId?: string;

  /**
   * Default of the template's `AlarmTopicArn` parameter: the topic (in the member account) that
   * the dead-letter alarm publishes to. It must accept CloudWatch alarms.
   *
   * @default - none: `AlarmTopicArn` must be given at deployment, so the alarm always has an action
   */
  readonly alarmTopicArn?: string;
}

/**
 * A stack with one `ScanEventForwarder` to the default bus of the account in its
 * `HubAccountId` parameter, in the same region. Its template needs no CDK bootstrap, so a
 * CloudFormation StackSet can deploy it to every member account of an organisation.
 */
export class ScanEventForwarderStack extends Stack {
  /** The forwarder. */
  public readonly forwarder: ScanEventForwarder;

  constructor(scope: Construct, id: string, props: ScanEventForwarderStackProps = {}) {
    super(scope, id, {
      description: 'cdk-ecr-scan-guard forwarder: sends Amazon Inspector scan events to the scan guard hub account',
      ...props,
      synthesizer: props.synthesizer ?? new BootstraplessSynthesizer(),
      analyticsReporting: props.analyticsReporting ?? false,
    });
    validateValue('hubAccountId', props.hubAccountId, (v) => ACCOUNT_ID.test(v), 'a 12-digit AWS account id such as "111111111111"');
    const hubAccountId = new CfnParameter(this, 'HubAccountId', {
      type: 'String',
      default: props.hubAccountId,
      allowedPattern: ACCOUNT_ID.source,
      constraintDescription: 'must be a 12-digit AWS account id',
      description: 'Account of the scan guard hub, whose default event bus receives the scan events (same region).',
    });
    validateValue('alarmTopicArn', props.alarmTopicArn, (v) => TOPIC_ARN.test(v), 'an SNS topic ARN such as "arn:aws:sns:us-east-1:222222222222:ops"');
    const alarmTopicArn = new CfnParameter(this, 'AlarmTopicArn', {
      type: 'String',
      default: props.alarmTopicArn,
      allowedPattern: TOPIC_ARN.source,
      constraintDescription: 'must be an SNS topic ARN such as arn:aws:sns:us-east-1:222222222222:ops',
      description: 'SNS topic of this account that the dead-letter alarm publishes to (it must accept CloudWatch alarms).',
    });
    this.forwarder = new ScanEventForwarder(this, 'Forwarder', {
      hubEventBus: ScanEventForwarder.hubDefaultEventBus(this, 'HubEventBus', hubAccountId.valueAsString),
      alarmTopic: sns.Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn.valueAsString),
    });
  }
}
