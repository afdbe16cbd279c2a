import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { libraryVersion } from '../../lib/deploy/private/library-version';
import { ScanGuardLaunchRoleStack } from '../../lib/deploy/scan-guard-launch-role';
import { ScanGuardPortfolio, ScanGuardPortfolioProps } from '../../lib/deploy/scan-guard-portfolio';
import { TEST_ENV, testApp } from '../support/app';
import { complianceFindings } from '../support/compliance';
import { resolveWithParameters } from '../support/parameters';
import { resolveTemplate, SIM_ACCOUNT } from '../support/simulate';

const ORG = 'o-a1b2c3d4e5';

const outdirs: string[] = [];
afterAll(() => outdirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
function tempOutdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-guard-portfolio-'));
  outdirs.push(dir);
  return dir;
}

function catalog(props: ScanGuardPortfolioProps = {}) {
  const outdir = tempOutdir();
  const app = testApp({ outdir });
  const stack = new Stack(app, 'Catalog', { env: TEST_ENV });
  const portfolio = new ScanGuardPortfolio(stack, 'Portfolio', props);
  const assembly = app.synth();
  const productTemplateFile = path.join(assembly.directory, portfolio.productStack.templateFile);
  return { stack, portfolio, template: Template.fromStack(stack), productTemplateFile, productTemplate: JSON.parse(fs.readFileSync(productTemplateFile, 'utf8')) };
}

// The catalog every test shares: shared with an account, an organisation and an OU.
const shared = catalog({
  shareWithAccountIds: ['222222222222'],
  shareWithOrganizationId: ORG,
  shareWithOrganizationalUnitIds: ['ou-ab12-cd34ef56'],
  endUserRoleNamePatterns: ['Developer*'],
});
const resources = (json: any, type: string) => Object.values<any>(json.Resources).filter((r) => r.Type === type);

describe('ScanGuardPortfolio', () => {
  test('synthesizes a portfolio with the spoke product, versioned with the library version', () => {
    const t = shared.template;
    t.resourceCountIs('AWS::ServiceCatalog::Portfolio', 1);
    t.hasResourceProperties('AWS::ServiceCatalog::CloudFormationProduct', {
      ProvisioningArtifactParameters: [Match.objectLike({ Name: `v${libraryVersion()}`, Info: { LoadTemplateFromURL: Match.anyValue() } })],
    });
    expect(shared.portfolio.productVersionName).toBe(`v${libraryVersion()}`);
    expect(libraryVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('productVersionName names the version', () => {
    const { template } = catalog({ productVersionName: '2024-06' });
    template.hasResourceProperties('AWS::ServiceCatalog::CloudFormationProduct', {
      ProvisioningArtifactParameters: [Match.objectLike({ Name: '2024-06' })],
    });
  });

  test('launches with a local launch role, so shared accounts use their own role of the same name', () => {
    shared.template.hasResourceProperties('AWS::ServiceCatalog::LaunchRoleConstraint', { LocalRoleName: { Ref: Match.anyValue() } });
    shared.template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'ScanGuardSpokeLaunchRole',
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'servicecatalog.amazonaws.com' } })] },
    });
  });

  test('createLaunchRole: false sets the constraint by name and creates no role', () => {
    const { template } = catalog({ createLaunchRole: false, launchRoleName: 'OrgSpokeLauncher' });
    template.hasResourceProperties('AWS::ServiceCatalog::LaunchRoleConstraint', { LocalRoleName: 'OrgSpokeLauncher' });
    template.resourceCountIs('AWS::IAM::Role', 0);
  });

  test('shares with the account, the organisation and the OU, principals included', () => {
    shared.template.hasResourceProperties('AWS::ServiceCatalog::PortfolioShare', { AccountId: '222222222222' });
    const calls = resources(shared.template.toJSON(), 'Custom::PortfolioOrganizationShare').map((r) => JSON.parse(r.Properties.Create['Fn::Join'][1].map((p: any) => (typeof p === 'string' ? p : 'ID')).join('')));
    expect(calls.map((c) => [c.action, c.parameters.OrganizationNode, c.parameters.SharePrincipals])).toEqual([
      ['CreatePortfolioShare', { Type: 'ORGANIZATION', Value: ORG }, true],
      ['CreatePortfolioShare', { Type: 'ORGANIZATIONAL_UNIT', Value: 'ou-ab12-cd34ef56' }, true],
    ]);
    shared.template.hasResourceProperties('AWS::ServiceCatalog::PortfolioPrincipalAssociation', {
      PrincipalType: 'IAM_PATTERN',
      PrincipalARN: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam:::role/Developer*']] },
    });
  });

  test('the organisation share may only share this portfolio', () => {
    const policies = resources(resolveTemplate(shared.template.toJSON()), 'AWS::IAM::Policy').flatMap((p) => p.Properties.PolicyDocument.Statement);
    const share = policies.find((s: any) => ([] as string[]).concat(s.Action).includes('servicecatalog:CreatePortfolioShare'));
    expect(share.Resource).toMatch(/^arn:aws:catalog:us-east-1:111111111111:portfolio\//);
  });

  test('end-user roles of this account are associated', () => {
    const app = testApp();
    const stack = new Stack(app, 'C', { env: TEST_ENV });
    const developer = iam.Role.fromRoleArn(stack, 'Dev', 'arn:aws:iam::111111111111:role/Developer');
    new ScanGuardPortfolio(stack, 'P', { endUserRoles: [developer] });
    Template.fromStack(stack).hasResourceProperties('AWS::ServiceCatalog::PortfolioPrincipalAssociation', {
      PrincipalARN: 'arn:aws:iam::111111111111:role/Developer', PrincipalType: 'IAM',
    });
  });
});

describe('the product template', () => {
  const t = shared.productTemplate;

  test('has no assets, no bootstrap version check and no CDKMetadata', () => {
    expect(t.Parameters.BootstrapVersion).toBeUndefined();
    expect(t.Rules).toBeUndefined();
    expect(resources(t, 'AWS::CDK::Metadata')).toEqual([]);
    expect(JSON.stringify(t)).not.toMatch(/AssetParameters|cdk-hnb659fds-assets|aws:asset/);
    expect(resources(t, 'AWS::ECR::Repository')).toHaveLength(1);
    expect(resources(t, 'AWS::SNS::Subscription')).toHaveLength(1);
  });

  test('asks end users for the spoke parameters', () => {
    expect(Object.keys(t.Parameters)).toEqual(expect.arrayContaining(['RepositoryName', 'EMail', 'EcrApiVpcEndpointId', 'EcrDkrVpcEndpointId', 'MyIP']));
  });

  test('exempts the launch role, with which CloudFormation updates and deletes the repository', () => {
    const resolved = resolveWithParameters(t, { RepositoryName: 'team/app', EMail: 'team@example.com', HubTopicArn: 'arn:aws:sns:us-east-1:111111111111:hub' });
    const deny = resolved.Resources.Repository.Properties.RepositoryPolicyText.Statement.find((s: any) => s.Sid === 'DenyOutsideApprovedNetworks');
    expect(deny.Condition.ArnNotLike['aws:PrincipalArn']).toContain(`arn:aws:iam::${SIM_ACCOUNT}:role/ScanGuardSpokeLaunchRole`);
  });

  test('passes cdk-nag and the Control Tower cfn-guard rules', () => {
    const findings = complianceFindings((app) => {
      new CfnInclude(new Stack(app, 'Product', { env: TEST_ENV }), 'Template', { templateFile: shared.productTemplateFile });
    });
    expect(findings).toEqual([]);
  });

  test('Noncompliance: the same check reports a plain repository in a product', () => {
    const { productTemplateFile } = (() => {
      const app = testApp({ outdir: tempOutdir() });
      const portfolio = new ScanGuardPortfolio(new Stack(app, 'Bad', { env: TEST_ENV }), 'Portfolio');
      new ecr.Repository(portfolio.productStack, 'Plain');
      const assembly = app.synth();
      return { productTemplateFile: path.join(assembly.directory, portfolio.productStack.templateFile) };
    })();
    const findings = complianceFindings((app) => {
      new CfnInclude(new Stack(app, 'Product', { env: TEST_ENV }), 'Template', { templateFile: productTemplateFile });
    });
    expect(findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['ecr_private_tag_immutability_enabled_check']));
  });
});

describe('the launch role is least privilege', () => {
  const role = resources(resolveTemplate(shared.template.toJSON()), 'AWS::IAM::Role').find((r) => r.Properties.RoleName === 'ScanGuardSpokeLaunchRole');
  const policy = role.Properties.Policies[0].PolicyDocument;

  async function decide(action: string, resource: string, context: Record<string, string> = {}): Promise<string> {
    const result = await runSimulation({
      request: {
        principal: `arn:aws:iam::${SIM_ACCOUNT}:role/ScanGuardSpokeLaunchRole`,
        action,
        resource: { resource, accountId: resource.split(':')[4] || SIM_ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: [{ name: 'Spoke', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    }, {});
    if (result.resultType !== 'single') throw new Error(JSON.stringify(result));
    return result.overallResult;
  }

  test('has no action wildcard and touches no IAM, Lambda or KMS', () => {
    const actions = policy.Statement.flatMap((s: any) => ([] as string[]).concat(s.Action));
    expect(actions.filter((a: string) => a.includes('*'))).toEqual([]);
    expect(actions.filter((a: string) => /^(iam|lambda|kms|sts|organizations):/.test(a))).toEqual([]);
  });

  test.each([
    ['creates the repository of a spoke', 'ecr:CreateRepository', `arn:aws:ecr:us-east-1:${SIM_ACCOUNT}:repository/team/app`, {}, 'Allowed'],
    ['sets its policy', 'ecr:SetRepositoryPolicy', `arn:aws:ecr:us-east-1:${SIM_ACCOUNT}:repository/team/app`, {}, 'Allowed'],
    ['subscribes to the hub topic (another account\'s hub also needs its topic policy, see the hub tests)', 'sns:Subscribe', `arn:aws:sns:us-east-1:${SIM_ACCOUNT}:hub`, {}, 'Allowed'],
    ['reads the hub parameter', 'ssm:GetParameters', `arn:aws:ssm:us-east-1:${SIM_ACCOUNT}:parameter/cdk-ecr-scan-guard/default/topic-arn`, {}, 'Allowed'],
    ['runs a Service Catalog stack', 'cloudformation:CreateStack', `arn:aws:cloudformation:us-east-1:${SIM_ACCOUNT}:stack/SC-111111111111-pp-abc/1`, {}, 'Allowed'],
    ['reads the provisioning template', 's3:GetObject', 'arn:aws:s3:::cf-templates-sc/x.json', { 's3:ExistingObjectTag/servicecatalog:provisioning': 'true' }, 'Allowed'],
    ['a stack that is not Service Catalog\'s', 'cloudformation:CreateStack', `arn:aws:cloudformation:us-east-1:${SIM_ACCOUNT}:stack/Other/1`, {}, 'ImplicitlyDenied'],
    ['any other S3 object', 's3:GetObject', 'arn:aws:s3:::some-bucket/secret.txt', {}, 'ImplicitlyDenied'],
    ['a repository in another region', 'ecr:CreateRepository', `arn:aws:ecr:eu-west-1:${SIM_ACCOUNT}:repository/team/app`, {}, 'ImplicitlyDenied'],
    ['another SSM parameter', 'ssm:GetParameters', `arn:aws:ssm:us-east-1:${SIM_ACCOUNT}:parameter/prod/db-password`, {}, 'ImplicitlyDenied'],
    ['publishing to the hub topic', 'sns:Publish', `arn:aws:sns:us-east-1:${SIM_ACCOUNT}:hub`, {}, 'ImplicitlyDenied'],
    ['pushing images', 'ecr:PutImage', `arn:aws:ecr:us-east-1:${SIM_ACCOUNT}:repository/team/app`, {}, 'ImplicitlyDenied'],
    ['creating a role', 'iam:CreateRole', `arn:aws:iam::${SIM_ACCOUNT}:role/x`, {}, 'ImplicitlyDenied'],
  ])('%s: %s on %s', async (_name, action, resource, context, expected) => {
    expect(await decide(action, resource, context)).toBe(expected);
  });

  test('hubTopicArn in the spoke props narrows sns:Subscribe to that topic', () => {
    const { template } = catalog({ spoke: { hubTopicArn: 'arn:aws:sns:us-east-1:999999999999:hub' } });
    const statements = resources(template.toJSON(), 'AWS::IAM::Role')[0].Properties.Policies[0].PolicyDocument.Statement;
    expect(statements.find((s: any) => s.Sid === 'HubSubscription').Resource).toBe('arn:aws:sns:us-east-1:999999999999:hub');
  });
});

describe('ScanGuardPortfolio validation', () => {
  test.each<[string, ScanGuardPortfolioProps, RegExp]>([
    ['shareWithAccountIds', { shareWithAccountIds: ['2222'] }, /shareWithAccountIds\[0\] is "2222": expected a 12-digit AWS account id/],
    ['shareWithOrganizationId', { shareWithOrganizationId: 'r-abcd' }, /shareWithOrganizationId is "r-abcd": expected an AWS Organizations id/],
    ['shareWithOrganizationalUnitIds', { shareWithOrganizationalUnitIds: ['ou-1'] }, /shareWithOrganizationalUnitIds\[0\] is "ou-1": expected an organizational unit id/],
    ['endUserRoleNamePatterns', { endUserRoleNamePatterns: ['role/Dev'] }, /endUserRoleNamePatterns\[0\] is "role\/Dev": expected an IAM role name/],
    ['launchRoleName', { launchRoleName: 'bad name' }, /roleName is "bad name": expected an IAM role name/],
  ])('a bad %s throws, naming it and the value', (_name, props, message) => {
    expect(() => new ScanGuardPortfolio(new Stack(testApp(), 'C', { env: TEST_ENV }), 'P', props)).toThrow(message);
  });
});

describe('Compliance', () => {
  test('the catalog stack, shared with an account and an organisation, has no unacknowledged cdk-nag or Control Tower finding', () => {
    const findings = complianceFindings((app) => {
      new ScanGuardPortfolio(new Stack(app, 'Catalog', { env: TEST_ENV }), 'Portfolio', {
        shareWithAccountIds: ['222222222222'], shareWithOrganizationId: ORG,
      });
    });
    expect(findings).toEqual([]);
  });

  test('the launch role stack for shared accounts stands alone and is cdk-nag clean', () => {
    const app = testApp();
    const stack = new ScanGuardLaunchRoleStack(app, 'LaunchRole');
    const artifact = app.synth().getStackByName(stack.stackName);
    expect(artifact.assets).toEqual([]);
    expect(artifact.template.Parameters?.BootstrapVersion).toBeUndefined();
    const findings = complianceFindings((capp) => {
      new ScanGuardLaunchRoleStack(capp, 'LaunchRole');
    });
    expect(findings).toEqual([]);
  });
});
