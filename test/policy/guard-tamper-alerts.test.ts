import { Duration, LegacyStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { loadConfig, processEvent } from '../../handlers/tamper-alert/index';
import { GuardTamperAlerts, GuardTamperAlertsProps } from '../../lib/policy/guard-tamper-alerts';
import { Severity } from '../../lib/notify/severity';
import deploymentRole from '../fixtures/cloudtrail-deployment-role.json';
import setPolicy from '../fixtures/cloudtrail-set-repository-policy.json';
import { TEST_ENV, testApp, testStack } from '../support/app';
import { complianceFindings, DOCUMENTED_EXCEPTIONS } from '../support/compliance';
import { resolveTemplate } from '../support/simulate';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:111111111111:alerts';
const topicOf = (stack: Stack) => sns.Topic.fromTopicArn(stack, 'Topic', TOPIC_ARN);

/** The function environment as CloudFormation resolves it in account 111111111111, us-east-1. */
function resolvedEnvironment(stack: Stack): Record<string, string> {
  const template = resolveTemplate(Template.fromStack(stack).toJSON());
  const fn: any = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::Lambda::Function');
  return fn.Properties.Environment.Variables;
}

describe('GuardTamperAlerts defaults', () => {
  const stack = testStack();
  const alerts = new GuardTamperAlerts(stack, 'Tamper', { topic: topicOf(stack) });
  const template = Template.fromStack(stack);

  test('the rule matches exactly the calls that weaken the guard, from CloudTrail', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.ecr', 'aws.inspector2'],
        'detail-type': ['AWS API Call via CloudTrail'],
        'detail': {
          eventSource: ['ecr.amazonaws.com', 'inspector2.amazonaws.com'],
          eventName: [
            'SetRepositoryPolicy', 'DeleteRepositoryPolicy', 'DeleteRepository', 'PutImageTagMutability',
            'PutImageScanningConfiguration', 'PutRegistryScanningConfiguration', 'PutLifecyclePolicy',
            'Disable', 'DisableDelegatedAdminAccount',
          ],
        },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } })],
    });
    expect(alerts.rule).toBeDefined();
  });

  test('the deployment role is ignored, and its ARN resolves to the real bootstrap role', async () => {
    const env = resolvedEnvironment(stack);
    expect(JSON.parse(env.IGNORED_PRINCIPALS)).toEqual(['arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1']);
    expect(env).toMatchObject({ TOPIC_ARN, SEVERITY: 'HIGH', DEDUP_TTL_SECONDS: '172800' });
    // The handler, configured with that environment, skips the fixture's CloudFormation call and alerts the others.
    const config = loadConfig({ ...env, DEDUP_TABLE: 'Table' });
    const deps: any = { sns: { send: jest.fn() }, dedup: { claim: async () => true, release: async () => undefined }, log: { child: () => deps.log, info: () => undefined } };
    await expect(processEvent(deploymentRole, config, deps)).resolves.toBe('ignored');
    deps.sns.send.mockResolvedValue({ MessageId: 'm' });
    await expect(processEvent(setPolicy, config, deps)).resolves.toBe('published');
  });

  test('the role may write logs, publish, put and delete dedup items; no wildcard resource', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements.flatMap((s: any) => [s.Action].flat()).sort())
      .toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sns:Publish', 'sqs:SendMessage']);
    expect(statements.find((s: any) => s.Action === 'sns:Publish').Resource).toBe(TOPIC_ARN);
    expect(statements.every((s: any) => s.Resource !== '*')).toBe(true);
  });

  test('the dedup table keeps event ids with a TTL, on demand, with point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });
});

describe('GuardTamperAlerts options', () => {
  test('more ignored principals, severity; wildcards pass through', () => {
    const stack = testStack();
    new GuardTamperAlerts(stack, 'Tamper', {
      topic: topicOf(stack),
      ignoredPrincipalArns: ['arn:aws:iam::111111111111:role/platform-*', 'arn:aws:iam::111111111111:user/break-glass'],
      severity: Severity.CRITICAL,
    });
    const env = resolvedEnvironment(stack);
    expect(JSON.parse(env.IGNORED_PRINCIPALS)).toEqual([
      'arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1',
      'arn:aws:iam::111111111111:role/platform-*',
      'arn:aws:iam::111111111111:user/break-glass',
    ]);
    expect(env.SEVERITY).toBe('CRITICAL');
  });

  test('ignoreDeploymentRole: false alerts deployments too', () => {
    const stack = testStack();
    new GuardTamperAlerts(stack, 'Tamper', { topic: topicOf(stack), ignoreDeploymentRole: false });
    expect(JSON.parse(resolvedEnvironment(stack).IGNORED_PRINCIPALS)).toEqual([]);
  });

  test('a synthesizer without an execution role gives a warning', () => {
    const stack = new Stack(testApp(), 'Legacy', { env: TEST_ENV, synthesizer: new LegacyStackSynthesizer() });
    new GuardTamperAlerts(stack, 'Tamper', { topic: topicOf(stack) });
    Annotations.fromStack(stack).hasWarning('/Legacy/Tamper', Match.stringLikeRegexp(
      'names no CloudFormation execution role, so deployments of the guard raise tamper alerts.*tamperAlertsDeploymentRoleUnknown'));
    const quiet = new Stack(testApp(), 'Quiet', { env: TEST_ENV, synthesizer: new LegacyStackSynthesizer() });
    new GuardTamperAlerts(quiet, 'Tamper', { topic: topicOf(quiet), ignoreDeploymentRole: false });
    expect(Annotations.fromStack(quiet).findWarning('*', Match.stringLikeRegexp('execution role'))).toEqual([]);
  });
});

describe('GuardTamperAlerts validation', () => {
  test.each<[string, Partial<GuardTamperAlertsProps>, RegExp]>([
    ['no topic', { topic: undefined }, /topic is missing/],
    ['a role name instead of an ARN', { ignoredPrincipalArns: ['platform-admin'] }, /ignoredPrincipalArns\[0\] is "platform-admin": expected an IAM role or user ARN/],
    ['an STS session ARN', { ignoredPrincipalArns: ['arn:aws:iam::111111111111:role/ok', 'arn:aws:sts::111111111111:assumed-role/x/y'] }, /ignoredPrincipalArns\[1\] is "arn:aws:sts::/],
  ])('%s throws', (_name, change, message) => {
    const stack = testStack();
    expect(() => new GuardTamperAlerts(stack, 'Tamper', { topic: topicOf(stack), ...change } as GuardTamperAlertsProps)).toThrow(message);
  });

  test('a dedup TTL beyond a year throws', () => {
    const stack = testStack();
    expect(() => new GuardTamperAlerts(stack, 'Tamper', { topic: topicOf(stack), dedupTtl: Duration.days(400) })).toThrow(/dedupTtl is 400 days: expected 1 hour to 365 days/);
  });
});

describe('GuardTamperAlerts compliance', () => {
  test('no unacknowledged cdk-nag or cfn-guard finding but the alarm actions left to the application', () => {
    const findings = complianceFindings((app) => {
      const stack = new Stack(app, 'Tamper', { env: TEST_ENV });
      new GuardTamperAlerts(stack, 'Tamper', { topic: topicOf(stack) });
    }, {
      ...DOCUMENTED_EXCEPTIONS,
      'cdk-validator-cfnguard::cloudwatch_alarm_action_check': 'GuardTamperAlerts exposes errorsAlarm and deadLetterAlarm for the application to route.',
    });
    expect(findings).toEqual([]);
  });
});
