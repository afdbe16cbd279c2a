import { Annotations, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { deploymentRoleArn, guardStatements } from '../private/guard-statements';
import { EXPECTED, isCidr, isVpcEndpointId, isVpcId, validateEach, validatePrincipalArns, validateSourceCidrs } from '../private/validation';

/**
 * Who may reach a guarded repository. Every `ecr:*` call is denied unless it matches at
 * least one of these exemptions or one of the built-in ones: the account's Amazon Inspector
 * service-linked role and the stack's CloudFormation execution role when the stack's
 * synthesizer knows it (the CDK bootstrap `cfn-exec` role). Calls without TLS are always denied.
 * Calls made through CloudFormation with the caller's own credentials (`aws:CalledVia`) are
 * exempt only for `cloudFormationPrincipalArns`, or for anyone with `allowAnyCloudFormationCaller`.
 */
export interface RepositoryGuardOptions {
  /**
   * VPC endpoint ids (`vpce-...`) whose requests are allowed, matched against
   * `aws:SourceVpce`. List both the `ecr.api` and the `ecr.dkr` endpoints.
   *
   * @default - no VPC endpoint is exempt
   * @see https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
   */
  readonly allowedVpcEndpointIds?: string[];

  /**
   * Public source CIDR blocks (IPv4 or IPv6) whose requests are allowed, matched against
   * `aws:SourceIp`. Private ranges never appear in `aws:SourceIp`: use
   * `allowedVpcEndpointIds` or `allowedVpcIds` for traffic from a VPC.
   *
   * @default - no source address is exempt
   */
  readonly allowedSourceCidrs?: string[];

  /**
   * VPC ids (`vpc-...`) whose requests through a VPC endpoint are allowed, matched
   * against `aws:SourceVpc`.
   *
   * @default - no VPC is exempt
   */
  readonly allowedVpcIds?: string[];

  /**
   * IAM principal ARNs (roles, users or `:root`) allowed from anywhere, matched against
   * `aws:PrincipalArn` with `ArnNotLike`, so `*` and `?` work in the name part
   * (for example `arn:aws:iam::111111111111:role/ci-*`).
   *
   * @default - no principal is exempt beyond the built-in ones
   */
  readonly allowedPrincipalArns?: string[];

  /**
   * Let the `lambda.amazonaws.com` service principal pull images (`ecr:BatchGetImage` and
   * `ecr:GetDownloadUrlForLayer` only, from functions of this account and region), so
   * Lambda functions built from the repository keep working.
   *
   * @default false
   */
  readonly allowLambdaPulls?: boolean;

  /**
   * Principals (roles or users, `*` and `?` allowed in the name) whose calls made through
   * CloudFormation alone (`aws:CalledVia` = `cloudformation.amazonaws.com`, from any network)
   * are exempt: who deploys the stack with `cdk deploy` or `aws cloudformation deploy` without a
   * CloudFormation service role. A chain through any other service stays denied. A deployment
   * through a service role (the CDK bootstrap `cfn-exec` role, a Service Catalog launch role)
   * carries no `aws:CalledVia`: exempt that role with `allowedPrincipalArns` unless it is the
   * stack's own synthesizer role, which is exempt already.
   *
   * @default - calls through CloudFormation get no exemption of their own
   */
  readonly cloudFormationPrincipalArns?: string[];

  /**
   * Exempt calls made through CloudFormation alone by any principal, from any network: the
   * behaviour of earlier versions. Anyone with CloudFormation and ECR permissions in the account
   * can then rewrite the repository policy or delete the repository through a stack. Prefer
   * `cloudFormationPrincipalArns`.
   *
   * @default false
   */
  readonly allowAnyCloudFormationCaller?: boolean;
}

/** Properties of a `RepositoryGuard`. */
export interface RepositoryGuardProps extends RepositoryGuardOptions {
  /**
   * The repository to guard. It must be defined in this app (an `ecr.Repository`):
   * an imported repository's policy cannot be changed from here.
   */
  readonly repository: ecr.IRepository;
}

/**
 * Adds the guard's deny statements to the resource policy of an existing repository
 * defined in the app. `GuardedRepository` uses it for its own policy.
 *
 * @example
 * import { App, Stack } from 'aws-cdk-lib';
 * import * as ecr from 'aws-cdk-lib/aws-ecr';
 * import { RepositoryGuard } from 'cdk-ecr-scan-guard';
 *
 * const stack = new Stack(new App(), 'Legacy');
 * const legacy = new ecr.Repository(stack, 'Legacy');
 * new RepositoryGuard(stack, 'LegacyGuard', { repository: legacy, allowedVpcEndpointIds: ['vpce-0123456789abcdef0'] });
 */
export class RepositoryGuard extends Construct {
  /** The guarded repository. */
  public readonly repository: ecr.IRepository;

  constructor(scope: Construct, id: string, props: RepositoryGuardProps) {
    super(scope, id);
    validateGuardOptions(this, props);
    this.repository = props.repository;

    const stack = Stack.of(this);
    const statements = guardStatements(stack, {
      vpcEndpointIds: props.allowedVpcEndpointIds ?? [],
      sourceCidrs: props.allowedSourceCidrs ?? [],
      vpcIds: props.allowedVpcIds ?? [],
      principalArns: props.allowedPrincipalArns ?? [],
      allowLambdaPulls: props.allowLambdaPulls ?? false,
      cloudFormationPrincipalArns: props.cloudFormationPrincipalArns ?? [],
      allowAnyCloudFormationCaller: props.allowAnyCloudFormationCaller ?? false,
    });
    for (const statement of statements) {
      const result = props.repository.addToResourcePolicy(statement);
      if (!result.statementAdded) {
        throw new Error(`repository ${props.repository.node.path} is imported, so its resource policy cannot be changed here: `
          + 'define it with new GuardedRepository(...) or new ecr.Repository(...) in the app, or guard it in the stack that owns it.');
      }
    }
  }
}

/**
 * Validates the exemption props: throws for malformed values, warns for settings that
 * are legal but do not do what they seem to.
 */
function validateGuardOptions(scope: Construct, props: RepositoryGuardOptions): void {
  validateEach('allowedVpcEndpointIds', props.allowedVpcEndpointIds, isVpcEndpointId, EXPECTED.vpcEndpointId);
  validateEach('allowedVpcIds', props.allowedVpcIds, isVpcId, EXPECTED.vpcId);
  validateSourceCidrs(scope, 'allowedSourceCidrs', props.allowedSourceCidrs, isCidr, EXPECTED.cidr);
  validatePrincipalArns('allowedPrincipalArns', props.allowedPrincipalArns);
  validatePrincipalArns('cloudFormationPrincipalArns', props.cloudFormationPrincipalArns);
  if (props.allowAnyCloudFormationCaller && props.cloudFormationPrincipalArns?.length) {
    throw new Error(`cloudFormationPrincipalArns is ${JSON.stringify(props.cloudFormationPrincipalArns)} while allowAnyCloudFormationCaller is true: `
      + 'the principals would be ignored. Drop allowAnyCloudFormationCaller to limit CloudFormation to those principals.');
  }
  if (props.allowAnyCloudFormationCaller) {
    Annotations.of(scope).addWarningV2('cdk-ecr-scan-guard:anyCloudFormationCaller',
      'allowAnyCloudFormationCaller lets anyone with CloudFormation and ECR permissions, from any network, rewrite the repository '
      + 'policy or delete the repository through a stack. Name the deploying principals in cloudFormationPrincipalArns instead.');
  } else if (!props.cloudFormationPrincipalArns?.length && !deploymentRoleArn(Stack.of(scope))) {
    Annotations.of(scope).addWarningV2('cdk-ecr-scan-guard:noDeploymentExemption',
      `The stack's synthesizer names no CloudFormation execution role, so no deployment principal is exempt: a deployment with the `
      + 'caller\'s own credentials cannot update or delete the repository once its policy is in place. Name the deploying principals '
      + 'in cloudFormationPrincipalArns, or the service role in allowedPrincipalArns.');
  }

  const exemptions = [props.allowedVpcEndpointIds, props.allowedSourceCidrs, props.allowedVpcIds, props.allowedPrincipalArns]
    .reduce((count, list) => count + (list?.length ?? 0), 0);
  if (exemptions === 0 && !props.allowLambdaPulls) {
    Annotations.of(scope).addWarningV2('cdk-ecr-scan-guard:noExemptions',
      'The repository guard has no exemption beyond the built-in ones: only deployments and Amazon Inspector '
      + 'can reach the repository. Set allowedVpcEndpointIds, allowedSourceCidrs, allowedVpcIds or allowedPrincipalArns '
      + 'to let your workloads pull and push.');
  }
}
