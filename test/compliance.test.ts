import { Aspects, Stack } from 'aws-cdk-lib';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DeployedImageMonitor } from '../lib/policy/deployed-image-monitor';
import { EnhancedScanning } from '../lib/guard/enhanced-scanning';
import { GuardTamperAlerts } from '../lib/policy/guard-tamper-alerts';
import { GuardedRepository } from '../lib/guard/guarded-repository';
import { ImagePolicy } from '../lib/policy/image-policy';
import { ImagePolicyChecker } from '../lib/policy/image-policy-aspect';
import { ScanNotifier } from '../lib/notify/scan-notifier';
import { TEST_ENV } from './support/app';
import { complianceFindings } from './support/compliance';

/**
 * cdk-nag's AwsSolutions pack and the cfn-guard Control Tower rules over a stack with every
 * construct, wired as a production user would (alarms routed to an on-call topic). Acknowledged
 * rules carry a written reason, in the library or in DOCUMENTED_EXCEPTIONS (the README's
 * "Compliance" section).
 */
describe('Compliance', () => {
  test('a stack with every construct has no unacknowledged cdk-nag or cfn-guard finding', () => {
    const findings = complianceFindings((app) => {
      const stack = new Stack(app, 'Everything', { env: TEST_ENV });
      new EnhancedScanning(stack, 'Scanning', { disableInspectorOnDelete: true });
      const repo = new GuardedRepository(stack, 'Repo', { allowedVpcEndpointIds: ['vpce-0123456789abcdef0'], allowLambdaPulls: true });
      const notifier = new ScanNotifier(stack, 'Notifier', { emailAddresses: ['security@example.com'], repositories: [repo] });
      const policy = new ImagePolicy({ allowedPrefixes: [ImagePolicy.ecrRegistryOf(stack)] });
      const monitor = new DeployedImageMonitor(stack, 'Monitor', { policy, topic: notifier.topic });
      const tamper = new GuardTamperAlerts(stack, 'Tamper', { topic: notifier.topic });

      Aspects.of(app).add(new ImagePolicyChecker({ policy }));

      // Alarms routed as in production: CloudWatch cannot publish to a topic under the AWS managed key.
      const onCall = new sns.Topic(stack, 'OnCall', { enforceSSL: true });
      notifier.addAlarmAction(new cwActions.SnsAction(onCall));
      for (const alarm of [monitor.errorsAlarm, monitor.deadLetterAlarm, tamper.errorsAlarm, tamper.deadLetterAlarm]) {
        alarm.addAlarmAction(new cwActions.SnsAction(onCall));
      }
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
