import { App, Stack } from 'aws-cdk-lib';
import {
  ACCOUNT_ID, EMAIL_PATTERN, HUB_NAME, OPTIONAL_IP_PATTERN, OPTIONAL_PRINCIPAL_ARN_PATTERN, ORGANIZATION_ID, REPOSITORY_NAME_PATTERN, TOPIC_ARN,
  isIpOrCidr, matchesPattern,
} from '../lib/deploy/private/deployment-values';
import { isVpcEndpointId } from '../lib/private/validation';
import { ScanEventForwarderStack } from '../lib/deploy/scan-event-forwarder';
import { ScanGuardHubStack } from '../lib/deploy/scan-guard-hub';
import { ScanGuardLaunchRoleStack } from '../lib/deploy/scan-guard-launch-role';
import { ScanGuardPortfolio } from '../lib/deploy/scan-guard-portfolio';
import { ScanGuardSpokeStack } from '../lib/deploy/scan-guard-spoke';
import { Severity } from '../lib/notify/severity';

/** The spoke stack's name when no `repositoryName` is given. */
export const GENERIC_SPOKE_STACK_NAME = 'ScanGuardSpoke';

/** The deployment settings read from the context (`-c key=value` or cdk.json), validated. */
export interface DeploymentContext {
  /** The spoke's `RepositoryName` default; none (a required parameter) unless given. */
  readonly repositoryName?: string;
  /** The spoke's `EMail` default; none (a required parameter) unless given. */
  readonly email?: string;
  /** ecr.api first, then ecr.dkr. */
  readonly vpcEndpointIds: string[];
  /** The first becomes `MyIP`, the others `AdditionalSourceCidrs`. */
  readonly allowedCidrs: string[];
  /** The spoke's `CloudFormationPrincipalArns` default. */
  readonly cloudFormationPrincipalArns: string[];
  readonly minimumSeverity?: Severity;
  readonly hubName?: string;
  readonly hubTopicArn?: string;
  readonly hubAccountId?: string;
  readonly organizationId?: string;
  readonly memberAccountIds: string[];
  readonly shareWithAccountIds: string[];
  readonly shareWithOrganizationId?: string;
}

/** The stacks of the app. */
export interface DeploymentStacks {
  readonly hub: ScanGuardHubStack;
  readonly spoke: ScanGuardSpokeStack;
  readonly catalog: Stack;
  readonly portfolio: ScanGuardPortfolio;
  readonly forwarder: ScanEventForwarderStack;
  readonly launchRole: ScanGuardLaunchRoleStack;
}

/** A bad context value: `bin/app.ts` prints its message alone, without a stack trace. */
export class ContextValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContextValueError';
  }
}

function fail(key: string, value: unknown, expected: string): never {
  throw new ContextValueError(`Context value ${key} is ${JSON.stringify(value)}: expected ${expected} (set it with -c ${key.replace(/\[\d+\]$/, '')}=...).`);
}

function stringValue(app: App, key: string, fallback?: string): string | undefined {
  const value = app.node.tryGetContext(key);
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') fail(key, value, 'a string');
  return value.trim() === '' ? undefined : value.trim();
}

function listValue(app: App, key: string, fallback = ''): string[] {
  const value = app.node.tryGetContext(key) ?? fallback;
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : fail(key, value, 'a comma-separated list');
  return items.map((item: unknown) => String(item).trim()).filter((item: string) => item !== '');
}

function check(key: string, value: string | undefined, isValid: (v: string) => boolean, expected: string): void {
  if (value !== undefined && !isValid(value)) fail(key, value, expected);
}

function checkEach(key: string, values: string[], isValid: (v: string) => boolean, expected: string): void {
  values.forEach((value, i) => check(`${key}[${i}]`, value, isValid, expected));
}

/**
 * Reads and validates the context values. A bad value throws an error that names the
 * context key, shows the value and says what is expected.
 */
export function readDeploymentContext(app: App): DeploymentContext {
  const repositoryName = stringValue(app, 'repositoryName');
  check('repositoryName', repositoryName, (v) => v.length >= 2 && v.length <= 256 && matchesPattern(REPOSITORY_NAME_PATTERN, v),
    'an ECR repository name of lowercase letters, digits, ".", "_", "-" and "/", such as "team/app"');
  const email = stringValue(app, 'email');
  check('email', email, (v) => matchesPattern(EMAIL_PATTERN, v), 'an e-mail address such as "team@example.com"');
  const vpcEndpointIds = listValue(app, 'vpcEndpointIds');
  if (vpcEndpointIds.length > 2) {
    fail('vpcEndpointIds', vpcEndpointIds.join(','), 'at most two VPC endpoint ids: the ecr.api endpoint, then the ecr.dkr endpoint');
  }
  checkEach('vpcEndpointIds', vpcEndpointIds, isVpcEndpointId, 'a VPC endpoint id such as "vpce-0123456789abcdef0"');
  const allowedCidrs = listValue(app, 'allowedCidrs');
  checkEach('allowedCidrs', allowedCidrs, (v) => isIpOrCidr(v) && matchesPattern(OPTIONAL_IP_PATTERN, v),
    'a public IP address or CIDR block no broader than a /16 (IPv4) or /32 (IPv6), such as "203.0.113.0/24"');
  const cloudFormationPrincipalArns = listValue(app, 'cloudFormationPrincipalArns');
  checkEach('cloudFormationPrincipalArns', cloudFormationPrincipalArns, (v) => matchesPattern(OPTIONAL_PRINCIPAL_ARN_PATTERN, v),
    'an IAM role or user ARN such as "arn:aws:iam::111111111111:role/deployer" (wildcards only beside literal characters of the name)');
  const minimumSeverity = stringValue(app, 'minimumSeverity');
  check('minimumSeverity', minimumSeverity, (v) => (Object.values(Severity) as string[]).includes(v), `one of ${Object.values(Severity).join(', ')}`);
  const hubName = stringValue(app, 'hubName');
  check('hubName', hubName, (v) => HUB_NAME.test(v), 'a hub name of letters, digits, "_", "." or "-", such as "default"');
  const hubTopicArn = stringValue(app, 'hubTopicArn');
  check('hubTopicArn', hubTopicArn, (v) => TOPIC_ARN.test(v), 'an SNS topic ARN such as "arn:aws:sns:us-east-1:111111111111:hub"');
  const hubAccountId = stringValue(app, 'hubAccountId');
  check('hubAccountId', hubAccountId, (v) => ACCOUNT_ID.test(v), 'a 12-digit AWS account id');
  const organizationId = stringValue(app, 'organizationId');
  check('organizationId', organizationId, (v) => ORGANIZATION_ID.test(v), 'an AWS Organizations id such as "o-a1b2c3d4e5"');
  const memberAccountIds = listValue(app, 'memberAccountIds');
  checkEach('memberAccountIds', memberAccountIds, (v) => ACCOUNT_ID.test(v), 'a 12-digit AWS account id');
  const shareWithAccountIds = listValue(app, 'shareWithAccountIds');
  checkEach('shareWithAccountIds', shareWithAccountIds, (v) => ACCOUNT_ID.test(v), 'a 12-digit AWS account id');
  const shareWithOrganizationId = stringValue(app, 'shareWithOrganizationId');
  check('shareWithOrganizationId', shareWithOrganizationId, (v) => ORGANIZATION_ID.test(v), 'an AWS Organizations id such as "o-a1b2c3d4e5"');
  return {
    repositoryName, email, vpcEndpointIds, allowedCidrs, cloudFormationPrincipalArns, minimumSeverity: minimumSeverity as Severity | undefined,
    hubName, hubTopicArn, hubAccountId, organizationId, memberAccountIds, shareWithAccountIds, shareWithOrganizationId,
  };
}

/** The spoke stack's name for a repository: `ScanGuardSpoke-team-app` for `team/app`. */
export function spokeStackName(repositoryName: string): string {
  return `ScanGuardSpoke-${repositoryName.replace(/[^A-Za-z0-9-]/g, '-')}`;
}

/**
 * Builds the deployment app from the context:
 * - `ScanGuardHub`: the hub (notifier, enhanced scanning, the topic ARN in SSM), deployed with `cdk deploy`;
 * - `ScanGuardSpoke` (or `ScanGuardSpoke-<repository>` with `repositoryName`): one repository's spoke,
 *   a template for `aws cloudformation deploy`;
 * - `ScanGuardCatalog`: the Service Catalog portfolio with the spoke product;
 * - `ScanGuardForwarder` and `ScanGuardLaunchRole`: templates for StackSets over member accounts.
 */
export function buildApp(app: App): DeploymentStacks {
  const ctx = readDeploymentContext(app);
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const hubTopicArnParameterName = ctx.hubName ? ScanGuardHubStack.topicArnParameterName(ctx.hubName) : undefined;

  const hub = new ScanGuardHubStack(app, 'ScanGuardHub', {
    env,
    hubName: ctx.hubName,
    organizationId: ctx.organizationId,
    memberAccountIds: ctx.memberAccountIds.length ? ctx.memberAccountIds : undefined,
  });

  const spokeProps = { hubTopicArn: ctx.hubTopicArn, hubTopicArnParameterName };
  // RepositoryName and EMail are required parameters: they get a default only from the context.
  const spoke = new ScanGuardSpokeStack(app, ctx.repositoryName ? spokeStackName(ctx.repositoryName) : GENERIC_SPOKE_STACK_NAME, {
    ...spokeProps,
    parameterDefaults: {
      repositoryName: ctx.repositoryName,
      email: ctx.email,
      ecrApiVpcEndpointId: ctx.vpcEndpointIds[0],
      ecrDkrVpcEndpointId: ctx.vpcEndpointIds[1],
      myIp: ctx.allowedCidrs[0],
      additionalSourceCidrs: ctx.allowedCidrs.slice(1),
      cloudFormationPrincipalArns: ctx.cloudFormationPrincipalArns,
      minimumSeverity: ctx.minimumSeverity,
    },
  });

  const catalog = new Stack(app, 'ScanGuardCatalog', {
    env,
    description: 'cdk-ecr-scan-guard: Service Catalog portfolio with the guarded repository product',
  });
  const portfolio = new ScanGuardPortfolio(catalog, 'Portfolio', {
    spoke: spokeProps,
    shareWithAccountIds: ctx.shareWithAccountIds,
    shareWithOrganizationId: ctx.shareWithOrganizationId,
  });

  const forwarder = new ScanEventForwarderStack(app, 'ScanGuardForwarder', { hubAccountId: ctx.hubAccountId });
  const launchRole = new ScanGuardLaunchRoleStack(app, 'ScanGuardLaunchRole', {
    hubTopicArns: ctx.hubTopicArn ? [ctx.hubTopicArn] : undefined,
  });
  return { hub, spoke, catalog, portfolio, forwarder, launchRole };
}
