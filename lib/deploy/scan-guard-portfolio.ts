import { Aws, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ACCOUNT_ID, ORGANIZATION_ID, ORGANIZATIONAL_UNIT_ID, validateValue } from './private/deployment-values';
import { libraryVersion } from './private/library-version';
import { validateEach } from '../private/validation';
import { ScanGuardLaunchRole } from './scan-guard-launch-role';
import { ScanGuardSpoke } from './scan-guard-spoke';
import { ScanGuardSpokeProps } from './scan-guard-spoke-props';

/** Properties of a `ScanGuardPortfolio`. */
export interface ScanGuardPortfolioProps {
  /**
   * The portfolio's display name.
   *
   * @default 'Guarded container registries'
   */
  readonly displayName?: string;

  /**
   * Who provides the portfolio.
   *
   * @default 'Platform team'
   */
  readonly providerName?: string;

  /**
   * The product's name.
   *
   * @default 'Guarded ECR repository with scan notifications'
   */
  readonly productName?: string;

  /**
   * The product's owner.
   *
   * @default - the provider name
   */
  readonly productOwner?: string;

  /**
   * The name of the product version this app provides. Change it whenever the spoke template
   * changes (a new library version, new spoke props): Service Catalog then offers the new
   * version beside the old ones, and provisioned products update to it on request.
   *
   * @default - `v` and the version of this library, such as `v0.1.0`
   */
  readonly productVersionName?: string;

  /**
   * Settings of the spoke the product provisions (parameter defaults, the hub topic).
   * The launch role is always added to its `exemptPrincipalArns`: CloudFormation acts as that
   * role without `aws:CalledVia`, and must be able to update and delete the repository.
   *
   * @default - a spoke that reads the hub topic ARN from `/cdk-ecr-scan-guard/default/topic-arn`
   */
  readonly spoke?: ScanGuardSpokeProps;

  /**
   * The name of the launch role, in this account and in every account the portfolio is
   * shared with (a local launch role constraint).
   *
   * @default 'ScanGuardSpokeLaunchRole'
   */
  readonly launchRoleName?: string;

  /**
   * Create the launch role in this stack. Turn it off when a `ScanGuardLaunchRoleStack`
   * StackSet already creates it in this account.
   *
   * @default true
   */
  readonly createLaunchRole?: boolean;

  /**
   * Roles of this account whose users may launch the product.
   *
   * @default - none: associate principals later with `portfolio.giveAccessToRole(...)`
   */
  readonly endUserRoles?: iam.IRole[];

  /**
   * Role names (`Developer`, or with wildcards `Team*`) whose users may launch the product in
   * every account, this one and those the portfolio is shared with, as IAM_PATTERN
   * principal associations shared with the organisation.
   *
   * @default - none
   */
  readonly endUserRoleNamePatterns?: string[];

  /**
   * Accounts to share the portfolio with. Each must accept the share
   * (`aws servicecatalog accept-portfolio-share`) and hold the launch role.
   *
   * @default - no account share
   */
  readonly shareWithAccountIds?: string[];

  /**
   * An AWS Organizations id (`o-...`) to share the portfolio with, principals included.
   * Only the management account or a Service Catalog delegated administrator can create
   * organisation shares, after `aws servicecatalog enable-aws-organizations-access`.
   *
   * @default - no organisation share
   */
  readonly shareWithOrganizationId?: string;

  /**
   * Organizational units (`ou-...`) to share the portfolio with, principals included.
   *
   * @default - no organizational unit share
   */
  readonly shareWithOrganizationalUnitIds?: string[];
}

/**
 * A Service Catalog portfolio with one product, the spoke: end users launch a guarded,
 * notified repository by filling in its parameters (`RepositoryName`, `EMail`,
 * `EcrApiVpcEndpointId`, `EcrDkrVpcEndpointId`, `MyIP`, ...). The product is a
 * `ProductStack` without assets, versioned with the library version; a local launch role
 * constraint makes Service Catalog deploy it with `ScanGuardLaunchRole`, so end users
 * need no ECR or SNS permission of their own. The portfolio can be shared with accounts,
 * an organisation or organizational units.
 */
export class ScanGuardPortfolio extends Construct {
  /** The portfolio. */
  public readonly portfolio: servicecatalog.Portfolio;

  /** The spoke product. */
  public readonly product: servicecatalog.CloudFormationProduct;

  /** The stack the product is made of. */
  public readonly productStack: servicecatalog.ProductStack;

  /** The spoke inside the product stack. */
  public readonly spoke: ScanGuardSpoke;

  /** The launch role, when `createLaunchRole` is on. */
  public readonly launchRole?: ScanGuardLaunchRole;

  /** The product version this app provides. */
  public readonly productVersionName: string;

  constructor(scope: Construct, id: string, props: ScanGuardPortfolioProps = {}) {
    super(scope, id);
    validateEach('shareWithAccountIds', props.shareWithAccountIds, (v) => ACCOUNT_ID.test(v), 'a 12-digit AWS account id such as "222222222222"');
    validateValue('shareWithOrganizationId', props.shareWithOrganizationId, (v) => ORGANIZATION_ID.test(v), 'an AWS Organizations id such as "o-a1b2c3d4e5"');
    validateEach('shareWithOrganizationalUnitIds', props.shareWithOrganizationalUnitIds, (v) => ORGANIZATIONAL_UNIT_ID.test(v),
      'an organizational unit id such as "ou-ab12-cd34ef56"');
    validateEach('endUserRoleNamePatterns', props.endUserRoleNamePatterns, (v) => /^[\w+=,.@*?-]{1,64}$/.test(v),
      'an IAM role name, wildcards allowed, such as "Developer" or "Team*"');
    const providerName = props.providerName ?? 'Platform team';
    const launchRoleName = props.launchRoleName ?? ScanGuardLaunchRole.DEFAULT_ROLE_NAME;
    this.productVersionName = props.productVersionName ?? `v${libraryVersion()}`;

    // Not 'Resource': Portfolio's own aspect looks for a construct with its id and would find its CfnPortfolio child.
    this.portfolio = new servicecatalog.Portfolio(this, 'Portfolio', {
      displayName: props.displayName ?? 'Guarded container registries',
      providerName,
      description: 'Network-guarded Amazon ECR repositories whose owners get an e-mail for every Amazon Inspector scan.',
    });

    this.productStack = new servicecatalog.ProductStack(this, 'SpokeProduct', {
      description: 'cdk-ecr-scan-guard spoke: a network-guarded ECR repository and e-mail scan notifications from the hub topic',
      analyticsReporting: false,
    });
    const launchRoleArn = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${launchRoleName}`;
    this.spoke = new ScanGuardSpoke(this.productStack, 'Spoke', {
      ...props.spoke,
      exemptPrincipalArns: [...(props.spoke?.exemptPrincipalArns ?? []), launchRoleArn],
    });

    this.product = new servicecatalog.CloudFormationProduct(this, 'Product', {
      productName: props.productName ?? 'Guarded ECR repository with scan notifications',
      owner: props.productOwner ?? providerName,
      description: 'An ECR repository reachable only from your VPC endpoints, addresses and roles, with Amazon Inspector scan results mailed to you.',
      productVersions: [{
        productVersionName: this.productVersionName,
        description: `cdk-ecr-scan-guard ${libraryVersion()}`,
        cloudFormationTemplate: servicecatalog.CloudFormationTemplate.fromProductStack(this.productStack),
      }],
    });

    if (props.createLaunchRole ?? true) {
      this.launchRole = new ScanGuardLaunchRole(this, 'LaunchRole', {
        roleName: launchRoleName,
        hubTopicArns: props.spoke?.hubTopicArn ? [props.spoke.hubTopicArn] : undefined,
      });
      this.portfolio.setLocalLaunchRole(this.product, this.launchRole.role);
    } else {
      // Not setLocalLaunchRoleName: it would create a role of that name here, beside the one that already exists.
      this.portfolio.addProduct(this.product);
      const constraint = new servicecatalog.CfnLaunchRoleConstraint(this, 'LaunchRoleConstraint', {
        portfolioId: this.portfolio.portfolioId,
        productId: this.product.productId,
        localRoleName: launchRoleName,
        description: `Launched as the local role ${launchRoleName}`,
      });
      this.portfolio.node.children
        .filter((c) => c instanceof servicecatalog.CfnPortfolioProductAssociation)
        .forEach((association) => constraint.node.addDependency(association));
    }

    for (const role of props.endUserRoles ?? []) this.portfolio.giveAccessToRole(role);
    (props.endUserRoleNamePatterns ?? []).forEach((pattern, i) => {
      new servicecatalog.CfnPortfolioPrincipalAssociation(this, `EndUserPattern${i}`, {
        portfolioId: this.portfolio.portfolioId,
        principalArn: `arn:${Aws.PARTITION}:iam:::role/${pattern}`,
        principalType: 'IAM_PATTERN',
      });
    });
    for (const account of props.shareWithAccountIds ?? []) this.portfolio.shareWithAccount(account);

    const nodes = [
      ...(props.shareWithOrganizationId ? [{ Type: 'ORGANIZATION', Value: props.shareWithOrganizationId }] : []),
      ...(props.shareWithOrganizationalUnitIds ?? []).map((ou) => ({ Type: 'ORGANIZATIONAL_UNIT', Value: ou })),
    ];
    if (nodes.length) this.shareWithOrganizationNodes(nodes);
  }

  /**
   * Organisation shares have no CloudFormation resource (`AWS::ServiceCatalog::PortfolioShare`
   * takes an account id only), so a custom resource calls `CreatePortfolioShare` for each node.
   */
  private shareWithOrganizationNodes(nodes: Array<{ Type: string; Value: string }>): void {
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'OrganizationShareLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const role = new iam.Role(this, 'OrganizationShareRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    const portfolioArn = stack.formatArn({ service: 'catalog', resource: 'portfolio', resourceName: this.portfolio.portfolioId });
    nodes.forEach((node, i) => {
      const parameters = { PortfolioId: this.portfolio.portfolioId, OrganizationNode: node };
      const share = new cr.AwsCustomResource(this, `OrganizationShare${i}`, {
        resourceType: 'Custom::PortfolioOrganizationShare',
        onCreate: {
          service: 'ServiceCatalog', action: 'CreatePortfolioShare',
          parameters: { ...parameters, SharePrincipals: true },
          physicalResourceId: cr.PhysicalResourceId.of(`${node.Type}-${node.Value}`),
        },
        onUpdate: {
          service: 'ServiceCatalog', action: 'UpdatePortfolioShare',
          parameters: { ...parameters, SharePrincipals: true },
          physicalResourceId: cr.PhysicalResourceId.of(`${node.Type}-${node.Value}`),
        },
        onDelete: { service: 'ServiceCatalog', action: 'DeletePortfolioShare', parameters },
        installLatestAwsSdk: false,
        logGroup,
        role,
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({
            actions: ['servicecatalog:CreatePortfolioShare', 'servicecatalog:UpdatePortfolioShare', 'servicecatalog:DeletePortfolioShare'],
            resources: [portfolioArn],
          }),
          new iam.PolicyStatement({ actions: ['organizations:DescribeOrganization'], resources: ['*'] }),
        ]),
      });
      share.node.addDependency(this.portfolio);
      Validations.of(share).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'organizations:DescribeOrganization supports no resource-level permissions; the share actions are limited to the portfolio.',
      });
    });
  }
}
