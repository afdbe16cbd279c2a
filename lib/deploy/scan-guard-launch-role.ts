import { Aws, BootstraplessSynthesizer, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PARAMETER_PREFIX, TOPIC_ARN, validateValue } from './private/deployment-values';
import { validateEach } from '../private/validation';

/** Properties of a `ScanGuardLaunchRole`. */
export interface ScanGuardLaunchRoleProps {
  /**
   * The role's name. Service Catalog finds a local launch role by name in every account that
   * launches the product, so the portfolio account and each account it is shared with need a
   * role of this name; that is why the name is fixed here rather than generated.
   *
   * @default 'ScanGuardSpokeLaunchRole'
   */
  readonly roleName?: string;

  /**
   * The hub topics spokes may subscribe to. Name them to narrow `sns:Subscribe` to those topics.
   *
   * @default - any topic: the hub topic ARN is a parameter the end user may change
   */
  readonly hubTopicArns?: string[];
}

/**
 * The Service Catalog launch role of the spoke product: what CloudFormation needs to create,
 * update and delete a spoke, and nothing else. It may manage ECR repositories of its account and
 * region, e-mail subscriptions to the hub topic, read the hub's SSM parameters and run
 * Service Catalog's own stacks (`SC-*`). It cannot touch IAM, Lambda or any other service.
 */
export class ScanGuardLaunchRole extends Construct {
  /** The name a spoke launch role has unless told otherwise. */
  public static readonly DEFAULT_ROLE_NAME = 'ScanGuardSpokeLaunchRole';

  /** The launch role. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ScanGuardLaunchRoleProps = {}) {
    super(scope, id);
    const roleName = props.roleName ?? ScanGuardLaunchRole.DEFAULT_ROLE_NAME;
    validateValue('roleName', roleName, (v) => /^[\w+=,.@-]{1,64}$/.test(v), 'an IAM role name of 1 to 64 letters, digits and +=,.@_-');
    validateEach('hubTopicArns', props.hubTopicArns, (v) => TOPIC_ARN.test(v), 'an SNS topic ARN such as "arn:aws:sns:us-east-1:111111111111:hub"');

    const topics = props.hubTopicArns?.length ? props.hubTopicArns : [`arn:${Aws.PARTITION}:sns:*:*:*`];
    this.role = new iam.Role(this, 'Resource', {
      roleName,
      assumedBy: new iam.PrincipalWithConditions(new iam.ServicePrincipal('servicecatalog.amazonaws.com'), {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      }),
      description: 'Service Catalog launch role of the cdk-ecr-scan-guard spoke product: only what a spoke stack needs.',
      inlinePolicies: {
        Spoke: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'ServiceCatalogStacks',
              actions: [
                'cloudformation:CreateStack', 'cloudformation:UpdateStack', 'cloudformation:DeleteStack',
                'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:SetStackPolicy',
                'cloudformation:CreateChangeSet', 'cloudformation:DescribeChangeSet', 'cloudformation:ExecuteChangeSet',
                'cloudformation:DeleteChangeSet', 'cloudformation:TagResource', 'cloudformation:UntagResource',
              ],
              resources: [`arn:${Aws.PARTITION}:cloudformation:${Aws.REGION}:${Aws.ACCOUNT_ID}:stack/SC-*`],
            }),
            new iam.PolicyStatement({
              sid: 'TemplateChecks',
              actions: ['cloudformation:ValidateTemplate', 'cloudformation:GetTemplateSummary'],
              resources: ['*'],
            }),
            new iam.PolicyStatement({
              sid: 'ProvisioningTemplate',
              actions: ['s3:GetObject'],
              resources: ['*'],
              conditions: { StringEquals: { 's3:ExistingObjectTag/servicecatalog:provisioning': 'true' } },
            }),
            new iam.PolicyStatement({
              sid: 'Repository',
              actions: [
                'ecr:CreateRepository', 'ecr:DeleteRepository', 'ecr:DescribeRepositories',
                'ecr:SetRepositoryPolicy', 'ecr:GetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy',
                'ecr:PutLifecyclePolicy', 'ecr:GetLifecyclePolicy', 'ecr:DeleteLifecyclePolicy',
                'ecr:PutImageScanningConfiguration', 'ecr:PutImageTagMutability',
                'ecr:TagResource', 'ecr:UntagResource', 'ecr:ListTagsForResource',
              ],
              resources: [`arn:${Aws.PARTITION}:ecr:${Aws.REGION}:${Aws.ACCOUNT_ID}:repository/*`],
            }),
            new iam.PolicyStatement({
              sid: 'HubSubscription',
              actions: ['sns:Subscribe', 'sns:Unsubscribe', 'sns:GetSubscriptionAttributes', 'sns:SetSubscriptionAttributes'],
              resources: topics,
            }),
            new iam.PolicyStatement({
              sid: 'HubTopicParameter',
              actions: ['ssm:GetParameters'],
              resources: [`arn:${Aws.PARTITION}:ssm:${Aws.REGION}:${Aws.ACCOUNT_ID}:parameter${PARAMETER_PREFIX}/*`],
            }),
          ],
        }),
      },
    });

    const acknowledge = (finding: string, reason: string) =>
      Validations.of(this.role).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`, reason });
    acknowledge('Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/SC-*',
      'Service Catalog names each provisioned product\'s stack SC-<account>-pp-<id>; the id is not known in advance.');
    acknowledge('Resource::*',
      'cloudformation:ValidateTemplate and GetTemplateSummary support no resource-level permissions; s3:GetObject reads the '
      + 'template from Service Catalog\'s own bucket, limited by the servicecatalog:provisioning object tag as AWS documents.');
    acknowledge('Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*',
      'The repository name is a launch parameter the end user chooses; the role is limited to the repositories of its account and region.');
    acknowledge(`Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${PARAMETER_PREFIX}/*`,
      'The hub name in the parameter path is a launch parameter; the role reads only this library\'s parameters.');
    if (!props.hubTopicArns?.length) {
      acknowledge('Resource::arn:<AWS::Partition>:sns:*:*:*',
        'The hub topic ARN is a launch parameter and may be in another account of the organisation; set hubTopicArns to narrow it. '
        + 'The topic\'s own policy decides who may subscribe.');
    }
  }
}

/** Properties of a `ScanGuardLaunchRoleStack`. */
export interface ScanGuardLaunchRoleStackProps extends StackProps, ScanGuardLaunchRoleProps {}

/**
 * A stack with one `ScanGuardLaunchRole` whose template needs no CDK bootstrap, for the
 * accounts a `ScanGuardPortfolio` is shared with: deploy it with a StackSet
 * (`--capabilities CAPABILITY_NAMED_IAM`) so each account has the launch role.
 */
export class ScanGuardLaunchRoleStack extends Stack {
  /** The launch role. */
  public readonly launchRole: ScanGuardLaunchRole;

  constructor(scope: Construct, id: string, props: ScanGuardLaunchRoleStackProps = {}) {
    super(scope, id, {
      description: 'cdk-ecr-scan-guard: the Service Catalog launch role of the spoke product',
      ...props,
      synthesizer: props.synthesizer ?? new BootstraplessSynthesizer(),
      analyticsReporting: props.analyticsReporting ?? false,
    });
    this.launchRole = new ScanGuardLaunchRole(this, 'LaunchRole', props);
  }
}
