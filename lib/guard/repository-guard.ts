import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { guardStatements } from '../private/guard-statements';
import { EXPECTED, isCidr, isNonPublicCidr, isPrincipalArn, isVpcEndpointId, isVpcId, validateEach } from '../private/validation';

/**
 * Who may reach a guarded repository. Every `ecr:*` call is denied unless it matches at
 * least one of these exemptions or one of the built-in ones: the account's Amazon Inspector
 * service-linked role, calls made through CloudFormation (`aws:CalledVia`), and the stack's
 * CloudFormation execution role when the stack's synthesizer knows it. Calls without TLS
 * are always denied.
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
  validateEach('allowedSourceCidrs', props.allowedSourceCidrs, isCidr, EXPECTED.cidr);
  validateEach('allowedPrincipalArns', props.allowedPrincipalArns, isPrincipalArn, EXPECTED.principalArn);

  for (const cidr of props.allowedSourceCidrs ?? []) {
    if (!Token.isUnresolved(cidr) && isNonPublicCidr(cidr)) {
      Annotations.of(scope).addWarningV2('cdk-ecr-scan-guard:privateSourceCidr',
        `allowedSourceCidrs contains ${cidr}, a private or non-public range. aws:SourceIp only carries public addresses, `
        + 'so this exemption never matches: allow traffic from a VPC with allowedVpcEndpointIds or allowedVpcIds instead.');
    }
  }

  const exemptions = [props.allowedVpcEndpointIds, props.allowedSourceCidrs, props.allowedVpcIds, props.allowedPrincipalArns]
    .reduce((count, list) => count + (list?.length ?? 0), 0);
  if (exemptions === 0 && !props.allowLambdaPulls) {
    Annotations.of(scope).addWarningV2('cdk-ecr-scan-guard:noExemptions',
      'The repository guard has no exemption beyond the built-in ones: only CloudFormation deployments and Amazon Inspector '
      + 'can reach the repository. Set allowedVpcEndpointIds, allowedSourceCidrs, allowedVpcIds or allowedPrincipalArns '
      + 'to let your workloads pull and push.');
  }
}
