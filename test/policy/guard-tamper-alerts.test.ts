import { CfnParameter, Duration, LegacyStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { loadConfig, processEvent } from '../../handlers/tamper-alert/index';
import { GuardTamperAlerts } from '../../lib/policy/guard-tamper-alerts';
import { GuardTamperAlertsProps } from '../../lib/policy/guard-tamper-alerts-props';
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

/** Every rule of the stack, resolved as CloudFormation would in 111111111111 / us-east-1. */
function resolvedRules(stack: Stack, parameters: Record<string, string> = {}): Array<{ id: string; name: string; pattern: any }> {
  const template = resolveTemplate(Template.fromStack(stack).toJSON(), parameters);
  return Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule')
    .map(([id, r]) => ({ id, name: r.Properties.Name, pattern: r.Properties.EventPattern }));
}

describe('GuardTamperAlerts defaults', () => {
  const stack = testStack();
  const alerts = new GuardTamperAlerts(stack, 'Tamper', { topic: topicOf(stack) });
  const template = Template.fromStack(stack);
  const rules = resolvedRules(stack);

  test('the first rule watches the ECR calls on any repository or the registry, from CloudTrail', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.ecr'],
        'detail-type': ['AWS API Call via CloudTrail'],
        'detail': {
          eventSource: ['ecr.amazonaws.com'],
          eventName: [
            'SetRepositoryPolicy', 'DeleteRepositoryPolicy', 'DeleteRepository', 'PutImageTagMutability',
            'PutImageScanningConfiguration', 'PutLifecyclePolicy', 'PutRegistryScanningConfiguration',
            'PutReplicationConfiguration', 'PutRegistryPolicy', 'DeleteRegistryPolicy', 'CreatePullThroughCacheRule',
            'UpdatePullThroughCacheRule', 'DeletePullThroughCacheRule', 'CreateRepositoryCreationTemplate',
            'UpdateRepositoryCreationTemplate', 'PutAccountSetting',
          ],
        },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } })],
    });
    expect(alerts.rules[0]).toBe(alerts.rule);
  });

  test('every rule feeds the function with the dead-letter queue and retries, and stays under the pattern limit', () => {
    expect(rules.map((r) => r.id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'TamperAuditTrailRule', 'TamperInspectorRule', 'TamperProtectFunctionRule', 'TamperProtectRepositoryRule', 'TamperProtectRuleRule',
      'TamperProtectRuleTargetsRule', 'TamperProtectSubscriptionRule', 'TamperProtectTableRule', 'TamperProtectTopicRule', 'TamperRule',
    ]);
    expect(alerts.rules).toHaveLength(rules.length);
    template.resourcePropertiesCountIs('AWS::Events::Rule', {
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 } })],
    }, rules.length);
    template.resourceCountIs('AWS::Lambda::Permission', rules.length);
    for (const rule of rules) expect(JSON.stringify(rule.pattern).length).toBeLessThan(4096);
  });

  test('the construct protects its own rules (by their names), function, table and topic', () => {
    const names = rules.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    const ruleRule = rules.find((r) => r.id.startsWith('TamperProtectRuleRule'))!;
    const targetsRule = rules.find((r) => r.id.startsWith('TamperProtectRuleTargetsRule'))!;
    expect([...ruleRule.pattern.detail.requestParameters.name].sort()).toEqual([...names].sort());
    expect([...targetsRule.pattern.detail.requestParameters.rule].sort()).toEqual([...names].sort());
    const fnId = stack.getLogicalId(alerts.handler.node.defaultChild as any);
    const tableId = stack.getLogicalId(alerts.dedupTable.node.defaultChild as any);
    expect(rules.find((r) => r.id.startsWith('TamperProtectFunctionRule'))!.pattern.detail.requestParameters.functionName)
      .toEqual([fnId, { suffix: `:function:${fnId}` }, { wildcard: `*:function:${fnId}:*` }]);
    expect(rules.find((r) => r.id.startsWith('TamperProtectTableRule'))!.pattern.detail.requestParameters.tableName)
      .toEqual([tableId, { suffix: `:table/${tableId}` }]);
    expect(rules.find((r) => r.id.startsWith('TamperProtectTopicRule'))!.pattern.detail.requestParameters.topicArn).toEqual([TOPIC_ARN]);
    expect(rules.find((r) => r.id.startsWith('TamperProtectSubscriptionRule'))!.pattern.detail.requestParameters.subscriptionArn)
      .toEqual([{ prefix: `${TOPIC_ARN}:` }]);
  });

  test('image deletion is watched on every repository until guarded repositories are named', () => {
    expect(rules.find((r) => r.id.startsWith('TamperProtectRepositoryRule'))!.pattern.detail)
      .toEqual({ eventSource: ['ecr.amazonaws.com'], eventName: ['DeleteLifecyclePolicy', 'BatchDeleteImage'] });
  });

  test('the deployment role is named (not ignored), and its ARN resolves to the real bootstrap role', async () => {
    const env = resolvedEnvironment(stack);
    expect(JSON.parse(env.DEPLOYMENT_ROLES)).toEqual(['arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1']);
    expect(JSON.parse(env.IGNORED_PRINCIPALS)).toEqual([]);
    expect(env).toMatchObject({ TOPIC_ARN, SEVERITY: 'HIGH', DEDUP_TTL_SECONDS: '172800' });
    // The handler, configured with that environment, alerts the fixture's CloudFormation call as a deployment.
    const config = loadConfig({ ...env, DEDUP_TABLE: 'Table' });
    const send = jest.fn().mockResolvedValue({ MessageId: 'm' });
    const deps: any = { sns: { send }, dedup: { claim: async () => true, release: async () => undefined }, log: { child: () => deps.log, info: () => undefined } };
    await expect(processEvent(deploymentRole, config, deps)).resolves.toBe('published');
    expect(send.mock.calls[0][0].input.MessageAttributes.actor.StringValue).toBe('deployment');
    await expect(processEvent(setPolicy, config, deps)).resolves.toBe('published');
    expect(send.mock.calls[1][0].input.MessageAttributes.actor.StringValue).toBe('other');
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

describe('GuardTamperAlerts protected resources', () => {
  test('protect... adds the resources to the rules; the same resource twice is added once', () => {
    const stack = testStack();
    const alerts = new GuardTamperAlerts(stack, 'Tamper', { topic: topicOf(stack) });
    const fn = lambda.Function.fromFunctionName(stack, 'Fn', 'formatter');
    alerts.protectFunction(fn);
    alerts.protectFunction(fn);
    alerts.protectRule(events.Rule.fromEventRuleArn(stack, 'R', 'arn:aws:events:us-east-1:111111111111:rule/findings'));
    alerts.protectTable(dynamodb.Table.fromTableName(stack, 'T', 'dedup'));
    alerts.protectParameter(ssm.StringParameter.fromStringParameterName(stack, 'P', '/cdk-ecr-scan-guard/default/topic-arn'));
    alerts.protectTopic(sns.Topic.fromTopicArn(stack, 'Other', 'arn:aws:sns:us-east-1:111111111111:other'));
    alerts.addGuardedRepository(ecr.Repository.fromRepositoryName(stack, 'Repo', 'team/app'));
    const rules = resolvedRules(stack);
    const field = (prefix: string, name: string) => rules.find((r) => r.id.startsWith(prefix))!.pattern.detail.requestParameters[name];
    const ownFn = stack.getLogicalId(alerts.handler.node.defaultChild as any);
    expect(field('TamperProtectFunctionRule', 'functionName').filter((v: unknown) => typeof v === 'string')).toEqual([ownFn, 'formatter']);
    expect(field('TamperProtectRuleRule', 'name')).toContain('findings');
    expect(field('TamperProtectTableRule', 'tableName')).toEqual(expect.arrayContaining(['dedup', { suffix: ':table/dedup' }]));
    expect(field('TamperProtectParameterRule', 'name')).toEqual(['/cdk-ecr-scan-guard/default/topic-arn']);
    expect(field('TamperProtectParametersRule', 'names')).toEqual(['/cdk-ecr-scan-guard/default/topic-arn']);
    expect(field('TamperProtectTopicRule', 'topicArn')).toEqual([TOPIC_ARN, 'arn:aws:sns:us-east-1:111111111111:other']);
    expect(field('TamperProtectRepositoryRule', 'repositoryName')).toEqual(['team/app']);
  });

  test('many resources are split across rules, each under 4,096 characters even with the longest names tokens can take', () => {
    const stack = testStack();
    const alerts = new GuardTamperAlerts(stack, 'Tamper', { topic: topicOf(stack) });
    const literal = Array.from({ length: 40 }, (_, i) => `fn-${String(i).padStart(2, '0')}-${'x'.repeat(58)}`);
    literal.forEach((name, i) => alerts.protectFunction(lambda.Function.fromFunctionName(stack, `L${i}`, name)));
    const parameters: Record<string, string> = {};
    for (let i = 0; i < 40; i++) {
      const name = new CfnParameter(stack, `Name${i}`, { type: 'String' }).valueAsString;
      alerts.protectFunction(lambda.Function.fromFunctionName(stack, `T${i}`, name));
      parameters[`Name${i}`] = `tk-${String(i).padStart(2, '0')}-${'y'.repeat(58)}`;
    }
    const rules = resolvedRules(stack, parameters).filter((r) => r.id.startsWith('TamperProtectFunctionRule'));
    expect(rules.length).toBeGreaterThan(3);
    for (const rule of rules) expect(JSON.stringify(rule.pattern).length).toBeLessThan(4096);
    const covered = rules.flatMap((r) => r.pattern.detail.requestParameters.functionName.filter((v: unknown) => typeof v === 'string'));
    expect(covered.sort()).toEqual([...literal, ...Object.values(parameters), stack.getLogicalId(alerts.handler.node.defaultChild as any)].sort());
    // Every new rule is protected too.
    const names = resolvedRules(stack, parameters).find((r) => r.id.startsWith('TamperProtectRuleRule'))!.pattern.detail.requestParameters.name;
    expect(names).toEqual(expect.arrayContaining(rules.map((r) => r.name)));
  });
});

describe('GuardTamperAlerts options', () => {
  test('ignored principals (narrow wildcards), deployment roles, severity', () => {
    const stack = testStack();
    new GuardTamperAlerts(stack, 'Tamper', {
      topic: topicOf(stack),
      ignoredPrincipalArns: ['arn:aws:iam::111111111111:role/platform-*', 'arn:aws:iam::111111111111:user/break-glass'],
      deploymentRoles: [iam.Role.fromRoleArn(stack, 'Deployer', 'arn:aws:iam::111111111111:role/spoke-deployer')],
      severity: Severity.CRITICAL,
    });
    const env = resolvedEnvironment(stack);
    expect(JSON.parse(env.IGNORED_PRINCIPALS)).toEqual(['arn:aws:iam::111111111111:role/platform-*', 'arn:aws:iam::111111111111:user/break-glass']);
    expect(JSON.parse(env.DEPLOYMENT_ROLES)).toEqual(['arn:aws:iam::111111111111:role/spoke-deployer']);
    expect(env.SEVERITY).toBe('CRITICAL');
  });

  test('a synthesizer without an execution role gives a warning; deploymentRoles: [] silences it', () => {
    // Synthesis prints the warnings of the validation report: capture them, so the test stays quiet.
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const stack = new Stack(testApp(), 'Legacy', { env: TEST_ENV, synthesizer: new LegacyStackSynthesizer() });
    new GuardTamperAlerts(stack, 'Tamper', { topic: topicOf(stack) });
    Annotations.fromStack(stack).hasWarning('/Legacy/Tamper', Match.stringLikeRegexp(
      'names no CloudFormation execution role, so deployments of the guard are alerted with actor = "other".*tamperAlertsDeploymentRoleUnknown'));
    const quiet = new Stack(testApp(), 'Quiet', { env: TEST_ENV, synthesizer: new LegacyStackSynthesizer() });
    new GuardTamperAlerts(quiet, 'Tamper', { topic: topicOf(quiet), deploymentRoles: [] });
    expect(Annotations.fromStack(quiet).findWarning('*', Match.stringLikeRegexp('execution role'))).toEqual([]);
    Template.fromStack(quiet).hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DEPLOYMENT_ROLES: '[]' }) } });
    expect(printed.mock.calls.flat().join('\n')).toMatch(/tamperAlertsDeploymentRoleUnknown/);
    printed.mockRestore();
  });
});

describe('GuardTamperAlerts validation', () => {
  test.each<[string, Partial<GuardTamperAlertsProps>, RegExp]>([
    ['no topic', { topic: undefined }, /topic is missing/],
    ['a role name instead of an ARN', { ignoredPrincipalArns: ['platform-admin'] }, /ignoredPrincipalArns\[0\] is "platform-admin": expected an IAM role or user ARN/],
    ['an STS session ARN', { ignoredPrincipalArns: ['arn:aws:iam::111111111111:role/ok', 'arn:aws:sts::111111111111:assumed-role/x/y'] }, /ignoredPrincipalArns\[1\] is "arn:aws:sts::/],
    ['a wildcard that matches every role', { ignoredPrincipalArns: ['arn:aws:iam::111111111111:role/*'] }, /ignoredPrincipalArns\[0\] is "arn:aws:iam::111111111111:role\/\*".*never "role\/\*"/],
    ['a wildcard for every SSO role', { ignoredPrincipalArns: ['arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*'] }, /ignoredPrincipalArns\[0\].*so no pattern matches everyone/],
    ['a lone "?" wildcard', { ignoredPrincipalArns: ['arn:aws:iam::111111111111:user/?*'] }, /ignoredPrincipalArns\[0\]/],
    ['a deployment role with a wildcard', { deploymentRoles: [{ roleArn: 'arn:aws:iam::111111111111:role/cdk-*' } as any] },
      /deploymentRoles\[0\] is "arn:aws:iam::111111111111:role\/cdk-\*": expected the ARN of an IAM role, without wildcards/],
    ['the removed ignoreDeploymentRole', { ignoreDeploymentRole: true } as any, /ignoreDeploymentRole is no longer supported: calls by the deployment role are always alerted/],
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
