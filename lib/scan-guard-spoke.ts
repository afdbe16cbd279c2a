import { Annotations, Aws, BootstraplessSynthesizer, CfnCondition, CfnOutput, CfnParameter, Duration, Fn, Stack, StackProps, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DeployTimeValues, parameterisedGuardStatements } from './private/guard-statements';
import {
  EMAIL_PATTERN, OPTIONAL_IP_PATTERN, OPTIONAL_VPC_ENDPOINT_PATTERN, REPOSITORY_NAME_PATTERN, SSM_PARAMETER_NAME,
  TOPIC_ARN, TOPIC_ARN_PATTERN, isIpOrCidr, matchesPattern, topicArnParameterName, validateValue,
} from './private/deployment-values';
import { EXPECTED, isNonPublicCidr, isPrincipalArn, isVpcId, validateEach } from './private/validation';
import { Severity } from './severity';

/**
 * Default values of the spoke template's CloudFormation parameters. Whoever deploys the
 * template can override each of them; `repositoryName` and `email` have no default unless
 * given here, so a deployment must pass them.
 */
export interface ScanGuardSpokeParameterDefaults {
  /**
   * Default of `RepositoryName`.
   *
   * @default - none: the parameter must be given at deployment
   */
  readonly repositoryName?: string;

  /**
   * Default of `EMail`, the address that receives the scan notifications of the repository.
   *
   * @default - none: the parameter must be given at deployment
   */
  readonly email?: string;

  /**
   * Default of `EcrApiVpcEndpointId`, the `com.amazonaws.<region>.ecr.api` endpoint.
   *
   * @default - empty: no endpoint exemption
   */
  readonly ecrApiVpcEndpointId?: string;

  /**
   * Default of `EcrDkrVpcEndpointId`, the `com.amazonaws.<region>.ecr.dkr` endpoint.
   *
   * @default - empty: no endpoint exemption
   */
  readonly ecrDkrVpcEndpointId?: string;

  /**
   * Default of `MyIP`, a public address or CIDR block (`aws:SourceIp`).
   *
   * @default - empty: no source address exemption
   */
  readonly myIp?: string;

  /**
   * Default of `AdditionalSourceCidrs`, more public CIDR blocks.
   *
   * @default - empty
   */
  readonly additionalSourceCidrs?: string[];

  /**
   * Default of `AllowedVpcIds` (`aws:SourceVpc`).
   *
   * @default - empty
   */
  readonly allowedVpcIds?: string[];

  /**
   * Default of `AllowedPrincipalArns` (`aws:PrincipalArn`, wildcards allowed).
   *
   * @default - empty
   */
  readonly allowedPrincipalArns?: string[];

  /**
   * Default of `MinimumSeverity`: mail only scans whose worst finding is at least this severe.
   *
   * @default - empty: every scan of the repository is mailed
   */
  readonly minimumSeverity?: Severity;
}

/** Properties of a {@link ScanGuardSpoke}. */
export interface ScanGuardSpokeProps {
  /**
   * Default values of the template's parameters.
   *
   * @default - `RepositoryName` and `EMail` must be given; every other parameter is empty
   */
  readonly parameterDefaults?: ScanGuardSpokeParameterDefaults;

  /**
   * The hub topic's ARN, known when the template is synthesized. The `HubTopicArn`
   * parameter is then a plain `String` with this default, which suits accounts that do not
   * hold the hub's SSM parameter (member accounts reached through StackSets).
   *
   * @default - `HubTopicArn` is an `AWS::SSM::Parameter::Value<String>` parameter that reads `hubTopicArnParameterName`
   */
  readonly hubTopicArn?: string;

  /**
   * The SSM parameter that holds the hub topic's ARN, the default of `HubTopicArn`.
   * Ignored with `hubTopicArn`.
   *
   * @default '/cdk-ecr-scan-guard/default/topic-arn' - what a hub named "default" writes
   */
  readonly hubTopicArnParameterName?: string;

  /**
   * Principals always exempt from the guard, whatever the parameters say: the roles that
   * deploy and update the stack through a CloudFormation service role (a Service Catalog
   * launch role), whose calls carry no `aws:CalledVia`.
   *
   * @default - only the built-in exemptions
   */
  readonly exemptPrincipalArns?: string[];

  /**
   * Let the `lambda.amazonaws.com` service principal pull images of this account and region.
   *
   * @default false
   */
  readonly allowLambdaPulls?: boolean;
}

/** The CloudFormation parameters of a spoke, by their template names. */
export interface ScanGuardSpokeParameters {
  /** `RepositoryName`. */
  readonly repositoryName: CfnParameter;
  /** `EMail`. */
  readonly email: CfnParameter;
  /** `EcrApiVpcEndpointId`. */
  readonly ecrApiVpcEndpointId: CfnParameter;
  /** `EcrDkrVpcEndpointId`. */
  readonly ecrDkrVpcEndpointId: CfnParameter;
  /** `MyIP`. */
  readonly myIp: CfnParameter;
  /** `AdditionalSourceCidrs`. */
  readonly additionalSourceCidrs: CfnParameter;
  /** `AllowedVpcIds`. */
  readonly allowedVpcIds: CfnParameter;
  /** `AllowedPrincipalArns`. */
  readonly allowedPrincipalArns: CfnParameter;
  /** `MinimumSeverity`. */
  readonly minimumSeverity: CfnParameter;
  /** `HubTopicArn`. */
  readonly hubTopicArn: CfnParameter;
}

/** Severities a spoke may filter on, worst first. */
const SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFORMATIONAL, Severity.UNTRIAGED];

/** How long untagged images are kept (as in `GuardedRepository`). */
const UNTAGGED_IMAGE_EXPIRY = Duration.days(14);

const SPOKE_SYMBOL = Symbol.for('cdk-ecr-scan-guard.ScanGuardSpoke');

/**
 * One guarded, notified repository whose settings are CloudFormation parameters, so the
 * synthesized template deploys with plain `aws cloudformation deploy`, as a Service Catalog
 * product or through StackSets:
 *
 * - an ECR repository with the guard's policy (as `GuardedRepository`), whose exemptions come
 *   from the parameters `EcrApiVpcEndpointId`, `EcrDkrVpcEndpointId`, `MyIP`,
 *   `AdditionalSourceCidrs`, `AllowedVpcIds` and `AllowedPrincipalArns`. An empty
 *   parameter removes its condition from the policy;
 * - an e-mail subscription of `EMail` to the hub topic (`HubTopicArn`), filtered on the
 *   `repository` and `account` message attributes (and `severity` with `MinimumSeverity`),
 *   so a team gets mail for its own repository only.
 *
 * The parameters are created at the stack's top level with their template names, so a stack
 * holds at most one spoke. The construct creates no asset and no Lambda function.
 */
export class ScanGuardSpoke extends Construct {
  /** Whether `x` is a `ScanGuardSpoke`. */
  public static isScanGuardSpoke(x: unknown): x is ScanGuardSpoke {
    return typeof x === 'object' && x !== null && SPOKE_SYMBOL in x;
  }

  /** The guarded repository. */
  public readonly repository: ecr.IRepository;

  /** The e-mail subscription to the hub topic. */
  public readonly subscription: sns.CfnSubscription;

  /** The template's parameters. */
  public readonly parameters: ScanGuardSpokeParameters;

  constructor(scope: Construct, id: string, props: ScanGuardSpokeProps = {}) {
    super(scope, id);
    Object.defineProperty(this, SPOKE_SYMBOL, { value: true });
    const stack = Stack.of(this);
    const other = stack.node.findAll().find((c) => c !== this && ScanGuardSpoke.isScanGuardSpoke(c));
    if (other) {
      throw new Error(`Stack ${stack.node.path} already has a ScanGuardSpoke (${other.node.path}): the spoke's parameters `
        + 'are named for the template, so put each spoke in its own stack (one stack per repository).');
    }
    validateSpokeProps(this, props);

    this.parameters = createParameters(stack, props);
    const p = this.parameters;
    const notEmpty = (name: string, param: CfnParameter, isList = false) => new CfnCondition(stack, `Has${name}`, {
      expression: Fn.conditionNot(Fn.conditionEquals(isList ? Fn.join('', param.valueAsList) : param.valueAsString, '')),
    });
    const hasApi = notEmpty('EcrApiVpcEndpointId', p.ecrApiVpcEndpointId);
    const hasDkr = notEmpty('EcrDkrVpcEndpointId', p.ecrDkrVpcEndpointId);
    const hasMyIp = notEmpty('MyIP', p.myIp);
    const hasCidrs = notEmpty('AdditionalSourceCidrs', p.additionalSourceCidrs, true);
    const hasVpcs = notEmpty('AllowedVpcIds', p.allowedVpcIds, true);
    const hasPrincipals = notEmpty('AllowedPrincipalArns', p.allowedPrincipalArns, true);

    const repository = new ecr.Repository(this, 'Repository', {
      repositoryName: p.repositoryName.valueAsString,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: true,
      encryption: ecr.RepositoryEncryption.AES_256,
      lifecycleRules: [{
        description: `Expire untagged images after ${UNTAGGED_IMAGE_EXPIRY.toDays()} days`,
        tagStatus: ecr.TagStatus.UNTAGGED,
        maxImageAge: UNTAGGED_IMAGE_EXPIRY,
      }],
    });
    const cfnRepository = repository.node.defaultChild as ecr.CfnRepository;
    cfnRepository.overrideLogicalId('Repository');
    const fixed = (values: string[] | undefined): DeployTimeValues[] => (values?.length ? [{ values }] : []);
    const statements = parameterisedGuardStatements(stack, {
      vpcEndpointIds: [
        { values: [p.ecrApiVpcEndpointId.valueAsString], condition: hasApi },
        { values: [p.ecrDkrVpcEndpointId.valueAsString], condition: hasDkr },
      ],
      sourceCidrs: [
        { values: [p.myIp.valueAsString], condition: hasMyIp },
        { values: p.additionalSourceCidrs.valueAsList, isList: true, condition: hasCidrs },
      ],
      vpcIds: [{ values: p.allowedVpcIds.valueAsList, isList: true, condition: hasVpcs }],
      principalArns: [
        ...fixed(props.exemptPrincipalArns),
        { values: p.allowedPrincipalArns.valueAsList, isList: true, condition: hasPrincipals },
      ],
      allowLambdaPulls: props.allowLambdaPulls ?? false,
    });
    statements.forEach((statement) => repository.addToResourcePolicy(statement));
    this.repository = repository;

    this.subscription = new sns.CfnSubscription(this, 'Subscription', {
      topicArn: p.hubTopicArn.valueAsString,
      // A subscription is made in the topic's region: the fourth field of its ARN.
      region: Fn.select(3, Fn.split(':', p.hubTopicArn.valueAsString)),
      protocol: sns.SubscriptionProtocol.EMAIL,
      endpoint: p.email.valueAsString,
      filterPolicyScope: 'MessageAttributes',
      filterPolicy: {
        repository: [p.repositoryName.valueAsString],
        account: [Aws.ACCOUNT_ID],
        severity: severityFilter(stack, p.minimumSeverity),
      },
    });
    this.subscription.overrideLogicalId('EmailSubscription');

    output(stack, 'RepositoryUri', repository.repositoryUri, 'URI to tag and push images to.');
    output(stack, 'RepositoryArn', repository.repositoryArn, 'ARN of the guarded repository.');
    output(stack, 'SubscriptionArn', this.subscription.ref, 'The e-mail subscription (pending until the address confirms it).');
    stack.templateOptions.metadata = { ...stack.templateOptions.metadata, 'AWS::CloudFormation::Interface': parameterInterface() };
  }
}

/** Properties of a {@link ScanGuardSpokeStack}. */
export interface ScanGuardSpokeStackProps extends StackProps, ScanGuardSpokeProps {}

/**
 * A stack with one {@link ScanGuardSpoke} whose template needs no CDK bootstrap: no
 * `BootstrapVersion` parameter or rule, no assets, no `CDKMetadata` resource. Synthesize it
 * once and deploy `cdk.out/<stack>.template.json` with `aws cloudformation deploy`, through
 * StackSets or as a Service Catalog product.
 */
export class ScanGuardSpokeStack extends Stack {
  /** The spoke. */
  public readonly spoke: ScanGuardSpoke;

  constructor(scope: Construct, id: string, props: ScanGuardSpokeStackProps = {}) {
    super(scope, id, {
      description: 'cdk-ecr-scan-guard spoke: a network-guarded ECR repository and e-mail scan notifications from the hub topic',
      ...props,
      synthesizer: props.synthesizer ?? new BootstraplessSynthesizer(),
      analyticsReporting: props.analyticsReporting ?? false,
    });
    this.spoke = new ScanGuardSpoke(this, 'Spoke', props);
  }
}

function createParameters(stack: Stack, props: ScanGuardSpokeProps): ScanGuardSpokeParameters {
  const d = props.parameterDefaults ?? {};
  const optional = (id: string, description: string, pattern: string | undefined, value: string | undefined, constraint?: string) =>
    new CfnParameter(stack, id, { type: 'String', default: value ?? '', description, allowedPattern: pattern, constraintDescription: constraint });
  const list = (id: string, description: string, value: string[] | undefined) =>
    new CfnParameter(stack, id, { type: 'CommaDelimitedList', default: (value ?? []).join(','), description });
  const hubTopicArn = props.hubTopicArn !== undefined
    ? new CfnParameter(stack, 'HubTopicArn', {
      type: 'String',
      default: props.hubTopicArn,
      allowedPattern: TOPIC_ARN_PATTERN,
      constraintDescription: 'must be an SNS topic ARN such as arn:aws:sns:us-east-1:111111111111:scan-notifications',
      description: 'ARN of the hub\'s scan notification topic.',
    })
    : new CfnParameter(stack, 'HubTopicArn', {
      type: 'AWS::SSM::Parameter::Value<String>',
      default: props.hubTopicArnParameterName ?? topicArnParameterName(),
      description: 'SSM parameter holding the ARN of the hub\'s scan notification topic (the hub stack writes it).',
    });
  return {
    repositoryName: new CfnParameter(stack, 'RepositoryName', {
      type: 'String',
      default: d.repositoryName,
      minLength: 2,
      maxLength: 256,
      allowedPattern: REPOSITORY_NAME_PATTERN,
      constraintDescription: 'must be an ECR repository name: lowercase letters, digits, ".", "_", "-" and "/" (for example team/app)',
      description: 'Name of the ECR repository to create.',
    }),
    email: new CfnParameter(stack, 'EMail', {
      type: 'String',
      default: d.email,
      allowedPattern: EMAIL_PATTERN,
      constraintDescription: 'must be an e-mail address such as team@example.com',
      description: 'E-mail address that receives the repository\'s scan notifications (it must confirm the subscription).',
    }),
    ecrApiVpcEndpointId: optional('EcrApiVpcEndpointId', 'Interface endpoint com.amazonaws.<region>.ecr.api allowed to reach the repository (empty: none).',
      OPTIONAL_VPC_ENDPOINT_PATTERN, d.ecrApiVpcEndpointId, 'must be empty or a VPC endpoint id such as vpce-0123456789abcdef0'),
    ecrDkrVpcEndpointId: optional('EcrDkrVpcEndpointId', 'Interface endpoint com.amazonaws.<region>.ecr.dkr allowed to reach the repository (empty: none).',
      OPTIONAL_VPC_ENDPOINT_PATTERN, d.ecrDkrVpcEndpointId, 'must be empty or a VPC endpoint id such as vpce-0123456789abcdef0'),
    myIp: optional('MyIP', 'Public IP address or CIDR block allowed to reach the repository, matched against aws:SourceIp (empty: none).',
      OPTIONAL_IP_PATTERN, d.myIp, 'must be empty or an IP address or CIDR block such as 203.0.113.0/24'),
    additionalSourceCidrs: list('AdditionalSourceCidrs', 'More public IP addresses or CIDR blocks, comma separated without spaces (empty: none).', d.additionalSourceCidrs),
    allowedVpcIds: list('AllowedVpcIds', 'VPC ids whose requests through any VPC endpoint are allowed (aws:SourceVpc), comma separated (empty: none).', d.allowedVpcIds),
    allowedPrincipalArns: list('AllowedPrincipalArns', 'IAM role or user ARNs allowed from anywhere (aws:PrincipalArn, * wildcards allowed), comma separated (empty: none).',
      d.allowedPrincipalArns),
    minimumSeverity: new CfnParameter(stack, 'MinimumSeverity', {
      type: 'String',
      default: d.minimumSeverity ?? '',
      allowedValues: ['', ...SEVERITY_ORDER],
      description: 'Mail only scans whose worst finding is at least this severe (empty: every scan, including clean ones).',
    }),
    hubTopicArn,
  };
}

/**
 * The `severity` filter: with `MinimumSeverity` set, the severities at least as bad; with it
 * empty, `AWS::NoValue`, which removes the key from the filter policy.
 */
function severityFilter(stack: Stack, minimum: CfnParameter): unknown {
  let value: unknown = Aws.NO_VALUE;
  for (let i = SEVERITY_ORDER.length - 1; i >= 0; i--) {
    const condition = new CfnCondition(stack, `MinimumSeverityIs${SEVERITY_ORDER[i]}`, {
      expression: Fn.conditionEquals(minimum.valueAsString, SEVERITY_ORDER[i]),
    });
    value = Fn.conditionIf(condition.logicalId, SEVERITY_ORDER.slice(0, i + 1), value);
  }
  return value;
}

function output(stack: Stack, id: string, value: string, description: string): void {
  new CfnOutput(stack, id, { value, description });
}

/** Groups and labels of the parameters, as the CloudFormation console and Service Catalog show them. */
function parameterInterface(): unknown {
  return {
    ParameterGroups: [
      { Label: { default: 'Repository and notifications' }, Parameters: ['RepositoryName', 'EMail', 'MinimumSeverity', 'HubTopicArn'] },
      { Label: { default: 'Who may reach the repository' }, Parameters: ['EcrApiVpcEndpointId', 'EcrDkrVpcEndpointId', 'MyIP', 'AdditionalSourceCidrs', 'AllowedVpcIds', 'AllowedPrincipalArns'] },
    ],
    ParameterLabels: {
      EMail: { default: 'E-mail address for scan notifications' },
      MyIP: { default: 'Allowed public IP or CIDR' },
      HubTopicArn: { default: 'Hub topic ARN (or the SSM parameter that holds it)' },
    },
  };
}

function validateSpokeProps(scope: Construct, props: ScanGuardSpokeProps): void {
  const d = props.parameterDefaults ?? {};
  validateValue('parameterDefaults.repositoryName', d.repositoryName, (v) => v.length >= 2 && v.length <= 256 && matchesPattern(REPOSITORY_NAME_PATTERN, v),
    'an ECR repository name of 2 to 256 lowercase letters, digits, ".", "_", "-" and "/", such as "team/app"');
  validateValue('parameterDefaults.email', d.email, (v) => matchesPattern(EMAIL_PATTERN, v), 'an e-mail address such as "team@example.com"');
  for (const prop of ['ecrApiVpcEndpointId', 'ecrDkrVpcEndpointId'] as const) {
    validateValue(`parameterDefaults.${prop}`, d[prop], (v) => matchesPattern(OPTIONAL_VPC_ENDPOINT_PATTERN, v),
      `${EXPECTED.vpcEndpointId}, or "" for none`);
  }
  validateValue('parameterDefaults.myIp', d.myIp, (v) => v === '' || isIpOrCidr(v),
    'a public IP address or CIDR block such as "203.0.113.0/24", or "" for none');
  validateEach('parameterDefaults.additionalSourceCidrs', d.additionalSourceCidrs, isIpOrCidr,
    'a public IP address or CIDR block such as "203.0.113.0/24"');
  validateEach('parameterDefaults.allowedVpcIds', d.allowedVpcIds, isVpcId, EXPECTED.vpcId);
  validateEach('parameterDefaults.allowedPrincipalArns', d.allowedPrincipalArns, isPrincipalArn, EXPECTED.principalArn);
  validateEach('exemptPrincipalArns', props.exemptPrincipalArns, isPrincipalArn,
    'an IAM role, user or root ARN such as "arn:aws:iam::111111111111:role/ScanGuardSpokeLaunchRole"');
  validateValue('hubTopicArn', props.hubTopicArn, (v) => TOPIC_ARN.test(v), 'an SNS topic ARN such as "arn:aws:sns:us-east-1:111111111111:scan-notifications"');
  validateValue('hubTopicArnParameterName', props.hubTopicArnParameterName, (v) => SSM_PARAMETER_NAME.test(v),
    'an SSM parameter name such as "/cdk-ecr-scan-guard/default/topic-arn"');
  if (props.hubTopicArn !== undefined && Token.isUnresolved(props.hubTopicArn)) {
    throw new Error('hubTopicArn is a deploy-time value: the spoke template stands alone, so it cannot reference another stack. '
      + 'Pass the topic ARN as a literal string, or leave hubTopicArn out and let the template read the hub\'s SSM parameter.');
  }
  for (const cidr of [d.myIp, ...(d.additionalSourceCidrs ?? [])]) {
    if (cidr && !Token.isUnresolved(cidr) && isNonPublicCidr(cidr)) {
      Annotations.of(scope).addWarningV2('cdk-ecr-scan-guard:privateSourceCidr',
        `parameterDefaults has the source address ${cidr}, a private or non-public range. aws:SourceIp only carries public addresses, `
        + 'so this exemption never matches: allow traffic from a VPC with the VPC endpoint or VPC id parameters instead.');
    }
  }
}
