import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { RepositoryGuard, RepositoryGuardOptions } from './repository-guard';

/**
 * Properties of a `GuardedRepository`: the fields of `ecr.RepositoryProps` (all but the
 * deprecated `autoDeleteImages`), stated here with the defaults this construct uses, plus the
 * guard's exemptions.
 */
export interface GuardedRepositoryProps extends RepositoryGuardOptions {
  /**
   * Name of the repository.
   *
   * @default - a name CloudFormation generates
   */
  readonly repositoryName?: string;

  /**
   * Whether tags may be overwritten.
   *
   * @default ecr.TagMutability.IMMUTABLE (`ecr.Repository` defaults to MUTABLE)
   */
  readonly imageTagMutability?: ecr.TagMutability;

  /**
   * Tag filters exempt from `imageTagMutability`.
   *
   * @default - none
   */
  readonly imageTagMutabilityExclusionFilters?: ecr.ImageTagMutabilityExclusionFilter[];

  /**
   * Whether ECR's basic scan runs on every push. With enhanced scanning (`EnhancedScanning`) the
   * registry's scanning configuration decides instead.
   *
   * @default true (`ecr.Repository` defaults to false)
   */
  readonly imageScanOnPush?: boolean;

  /**
   * Lifecycle rules of the repository.
   *
   * @default - one rule that expires untagged images 14 days after push (`ecr.Repository` has none)
   */
  readonly lifecycleRules?: ecr.LifecycleRule[];

  /**
   * The registry the lifecycle rules apply to.
   *
   * @default - the registry of the stack's account
   */
  readonly lifecycleRegistryId?: string;

  /**
   * How the images are encrypted.
   *
   * @default - `ecr.RepositoryEncryption.KMS` when `encryptionKey` is given, else
   *   `ecr.RepositoryEncryption.AES_256`, stated in the template
   */
  readonly encryption?: ecr.RepositoryEncryption;

  /**
   * The KMS key of `ecr.RepositoryEncryption.KMS` encryption.
   *
   * @default - the AWS managed key for ECR when `encryption` is KMS; none otherwise
   */
  readonly encryptionKey?: kms.IKeyRef;

  /**
   * What happens to the repository when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Whether the images are deleted when the stack deletes the repository. Needs
   * `removalPolicy: RemovalPolicy.DESTROY`.
   *
   * @default false
   */
  readonly emptyOnDelete?: boolean;
}

/** How long untagged images are kept by the default lifecycle rule. */
const DEFAULT_UNTAGGED_IMAGE_EXPIRY = Duration.days(14);

/**
 * An `ecr.Repository` whose resource policy denies every `ecr:*` call that does not come
 * from an approved VPC endpoint, source CIDR, VPC or principal.
 *
 * The account's Amazon Inspector service-linked role, calls made through CloudFormation and
 * the stack's CloudFormation execution role are always exempt, so enhanced scanning keeps
 * working and deployments cannot lock themselves out. Calls without TLS are always denied.
 *
 * Defaults differ from `ecr.Repository` where a security team expects it: tags are immutable,
 * scan on push is on, untagged images expire after 14 days, and images are encrypted with
 * AES256. Every default can be overridden with the usual `ecr.RepositoryProps` field.
 */
export class GuardedRepository extends ecr.Repository {
  /** The guard that wrote the deny statements into this repository's policy. */
  public readonly guard: RepositoryGuard;

  constructor(scope: Construct, id: string, props: GuardedRepositoryProps = {}) {
    super(scope, id, {
      ...props,
      imageTagMutability: props.imageTagMutability ?? ecr.TagMutability.IMMUTABLE,
      imageScanOnPush: props.imageScanOnPush ?? true,
      encryption: props.encryption ?? (props.encryptionKey ? ecr.RepositoryEncryption.KMS : ecr.RepositoryEncryption.AES_256),
      lifecycleRules: props.lifecycleRules ?? [{
        description: `Expire untagged images after ${DEFAULT_UNTAGGED_IMAGE_EXPIRY.toDays()} days`,
        tagStatus: ecr.TagStatus.UNTAGGED,
        maxImageAge: DEFAULT_UNTAGGED_IMAGE_EXPIRY,
      }],
    });
    const cfn = this.node.defaultChild as ecr.CfnRepository;
    if (!cfn.encryptionConfiguration) {
      // ecr.Repository leaves AES256 implicit; state it, so the template shows the encryption in force.
      cfn.encryptionConfiguration = { encryptionType: 'AES256' };
    }
    this.guard = new RepositoryGuard(this, 'Guard', {
      repository: this,
      allowedVpcEndpointIds: props.allowedVpcEndpointIds,
      allowedSourceCidrs: props.allowedSourceCidrs,
      allowedVpcIds: props.allowedVpcIds,
      allowedPrincipalArns: props.allowedPrincipalArns,
      allowLambdaPulls: props.allowLambdaPulls,
    });
  }
}
