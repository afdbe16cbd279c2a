import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { EnhancedScanning, GuardedRepository } from '../lib';
import { TEST_ENV } from './support/app';
import { complianceFindings } from './support/compliance';

/**
 * cdk-nag's AwsSolutions pack and the cfn-guard Control Tower rules over a stack with every
 * construct. Acknowledged rules carry a written reason, in the library or in
 * DOCUMENTED_EXCEPTIONS (the README's "Compliance" section).
 */
describe('Compliance', () => {
  test('a stack with every construct has no unacknowledged cdk-nag or cfn-guard finding', () => {
    const findings = complianceFindings((app) => {
      const stack = new Stack(app, 'Everything', { env: TEST_ENV });
      new EnhancedScanning(stack, 'Scanning', { disableInspectorOnDelete: true });
      new GuardedRepository(stack, 'Repo', { allowedVpcEndpointIds: ['vpce-0123456789abcdef0'], allowLambdaPulls: true });
    });
    expect(findings).toEqual([]);
  });
});

describe('Noncompliance', () => {
  test('the checks run: a plain ecr.Repository fails the Control Tower ECR rules', () => {
    const findings = complianceFindings((app) => {
      const stack = new Stack(app, 'Plain', { env: TEST_ENV });
      new ecr.Repository(stack, 'Repo');
    });
    const rules = findings.map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining([
      'ecr_private_lifecycle_policy_configured_check',
      'ecr_private_image_scanning_enabled_check',
      'ecr_private_tag_immutability_enabled_check',
    ]));
  });
});
