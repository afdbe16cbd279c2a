import { CfnParameter } from 'aws-cdk-lib';
import { Severity } from '../notify/severity';

/**
 * Default values of the spoke template's CloudFormation parameters. Whoever deploys the
 * template can override each of them; `repositoryName` and `email` have no default unless
 * given here, so a deployment must pass them.
 */
export interface ScanGuardSpokeParameterDefaults {
  /**
   * Default of `RepositoryName`. A required parameter: set a default only for a template
   * made for one repository.
   *
   * @default - none: the parameter must be given at deployment
   */
  readonly repositoryName?: string;

  /**
   * Default of `EMail`, the address that receives the scan notifications of the repository.
   * A required parameter: set a default only for a template made for one team.
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
   * Default of `CloudFormationPrincipalArns`: the principals whose calls through CloudFormation
   * with their own credentials (`aws:CalledVia`) are exempt, such as whoever runs
   * `aws cloudformation deploy` for the spoke. `*` (any principal) only with `allowAnyCloudFormationCaller`.
   *
   * @default - empty: calls through CloudFormation are exempt only for the built-in and `exemptPrincipalArns` principals
   */
  readonly cloudFormationPrincipalArns?: string[];

  /**
   * Default of `MinimumSeverity`: mail only scans whose worst finding is at least this severe.
   *
   * @default - empty: every scan of the repository is mailed
   */
  readonly minimumSeverity?: Severity;
}

/** Properties of a `ScanGuardSpoke`. */
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

  /**
   * Accept `*` in `CloudFormationPrincipalArns`, which exempts calls through CloudFormation by any
   * principal of the account, from any network (the behaviour of earlier versions). Leave it off
   * for a Service Catalog product, whose end users choose the parameter values.
   *
   * @default false
   */
  readonly allowAnyCloudFormationCaller?: boolean;
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
  /** `CloudFormationPrincipalArns`. */
  readonly cloudFormationPrincipalArns: CfnParameter;
  /** `MinimumSeverity`. */
  readonly minimumSeverity: CfnParameter;
  /** `HubTopicArn`. */
  readonly hubTopicArn: CfnParameter;
}

