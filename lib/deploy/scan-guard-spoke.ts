import { Aws, BootstraplessSynthesizer, CfnCondition, CfnParameter, Duration, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DeployTimeValues, parameterisedGuardStatements } from '../private/guard-statements';
import { ScanGuardSpokeParameters, ScanGuardSpokeProps } from './scan-guard-spoke-props';
import { createParameters, output, parameterInterface, severityFilter } from './private/spoke-parameters';
import { validateSpokeProps } from './private/spoke-validation';


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
 *   parameter removes its condition from the policy. Calls through CloudFormation with the
 *   caller's own credentials are exempt only for `CloudFormationPrincipalArns`;
 * - an e-mail subscription of `EMail` to the hub topic (`HubTopicArn`), filtered on the
 *   `repository` and `account` message attributes (and `severity` with `MinimumSeverity`),
 *   so a team gets mail for its own repository only.
 *
 * The parameters are created at the stack's top level with their template names, so a stack
 * holds at most one spoke. The construct creates no asset and no Lambda function.
 */
export class ScanGuardSpoke extends Construct {
  /**
   * Whether `x` is a `ScanGuardSpoke`.
   *
   * @param x any object
   */
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
    const hasCfnPrincipals = notEmpty('CloudFormationPrincipalArns', p.cloudFormationPrincipalArns, true);

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
      cloudFormationPrincipalArns: [{ values: p.cloudFormationPrincipalArns.valueAsList, isList: true, condition: hasCfnPrincipals }],
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

/** Properties of a `ScanGuardSpokeStack`. */
export interface ScanGuardSpokeStackProps extends StackProps, ScanGuardSpokeProps {}

/**
 * A stack with one `ScanGuardSpoke` whose template needs no CDK bootstrap: no
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

