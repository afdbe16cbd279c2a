import { Duration } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { RepositoryGuard, RepositoryGuardOptions } from './repository-guard';

/** Properties of a `GuardedRepository`: every `ecr.RepositoryProps` field plus the guard's exemptions. */
export interface GuardedRepositoryProps extends ecr.RepositoryProps, RepositoryGuardOptions {}

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
