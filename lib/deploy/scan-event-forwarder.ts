import { Aws, BootstraplessSynthesizer, CfnParameter, Stack, StackProps, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ECR_SCAN_EVENT_PATTERN } from '../private/scan-event-pattern';
import { ACCOUNT_ID, validateValue } from './private/deployment-values';

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
   * Where events go that EventBridge could not deliver to the hub bus.
   *
   * @default - no dead-letter queue: EventBridge retries for 24 hours, then drops the event
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * A description of the rule.
   *
   * @default 'Amazon Inspector scan results to the scan guard hub'
   */
  readonly description?: string;
}

/**
 * Runs in a member account: sends the account's `Inspector2 Scan` events of ECR images (which
 * stay in the account and region where the image lives) to the hub account's event bus, where the hub's
 * notifier formats them. Events keep their `account` field, so the notifications' `account`
 * attribute names the member account. The construct creates no asset and no function.
 */
export class ScanEventForwarder extends Construct {
  /**
   * The events a forwarder sends: the Amazon Inspector scan results of the account's ECR images
   * (events with `detail.repository-name`); scans of EC2 instances, Lambda functions and machine
   * images stay in the account.
   */
  public static readonly EVENT_PATTERN: events.EventPattern = ECR_SCAN_EVENT_PATTERN;

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

  /** The role EventBridge assumes to put the events on the hub bus. */
  public readonly role: iam.IRole;

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

    this.rule = new events.Rule(this, 'Resource', {
      description: props.description ?? 'Amazon Inspector scan results to the scan guard hub',
      eventPattern: ScanEventForwarder.EVENT_PATTERN,
      targets: [new targets.EventBus(props.hubEventBus, { role: this.role, deadLetterQueue: props.deadLetterQueue })],
    });
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
    this.forwarder = new ScanEventForwarder(this, 'Forwarder', {
      hubEventBus: ScanEventForwarder.hubDefaultEventBus(this, 'HubEventBus', hubAccountId.valueAsString),
    });
  }
}
