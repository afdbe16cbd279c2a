import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ImagePolicy } from '../../lib/policy/image-policy';
import { RuntimeThreatAlerts } from '../../lib/policy/runtime-threat-alerts';
import { RuntimeThreatAlertsProps } from '../../lib/policy/runtime-threat-alerts-props';
import { Severity } from '../../lib/notify/severity';
import { TEST_ENV, testStack } from '../support/app';
import { complianceFindings, DOCUMENTED_EXCEPTIONS } from '../support/compliance';
import { matchesEventPattern } from '../support/event-pattern';
import { resolveTemplate, SIM_ACCOUNT } from '../support/simulate';
import { fixture } from '../handlers/runtime-threat/support';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:111111111111:alerts';
const ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/5C5A1F0E2D34C5B8A9F0E1D2C3B4A59D';
const PROVIDER_ARN = `arn:aws:iam::111111111111:oidc-provider/${ISSUER}`;
const OTHER_ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/0THER0C1USTER0000000000000000000';
const provider = (stack: Stack) => iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Oidc', PROVIDER_ARN);
const topicOf = (stack: Stack) => sns.Topic.fromTopicArn(stack, 'Topic', TOPIC_ARN);

function build(props: Partial<RuntimeThreatAlertsProps> = {}, falco = true) {
  const stack = testStack();
  const alerts = new RuntimeThreatAlerts(stack, 'Runtime', {
    topic: topicOf(stack),
    ...(falco ? { falcosidekick: { openIdConnectProvider: provider(stack) } } : {}),
    ...props,
  });
  return { stack, alerts, template: Template.fromStack(stack) };
}

function resources(template: any, type: string): any[] {
  return Object.values(template.Resources).filter((r: any) => r.Type === type);
}

describe('RuntimeThreatAlerts defaults', () => {
  const { alerts, template, stack } = build();

  test('the rule takes every GuardDuty Runtime Monitoring finding type, at every severity by default', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'], 'detail': { type: [{ wildcard: '*:Runtime/*' }] } },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue() })],
    });
  });

  test('real GuardDuty events: the runtime findings match, a port probe does not', () => {
    const pattern = resources(template.toJSON(), 'AWS::Events::Rule')[0].Properties.EventPattern;
    for (const name of ['guardduty-runtime-eks.json', 'guardduty-runtime-ecs.json', 'guardduty-runtime-ec2.json']) {
      expect(matchesEventPattern(pattern, fixture(name))).toBe(true);
    }
    expect(matchesEventPattern(pattern, fixture('guardduty-recon-portprobe.json'))).toBe(false);
    expect(matchesEventPattern(pattern, fixture('guardduty-runtime-eks.json', (e) => { e.detail.type = 'Execution:Kubernetes/ExecInKubeSystemPod'; }))).toBe(false);
    expect(matchesEventPattern(pattern, fixture('guardduty-runtime-eks.json', (e) => { e.source = 'aws.securityhub'; }))).toBe(false);
  });

  test('the function gets its settings, a 15-minute window and Inspector read access', () => {
    const fn = resources(resolveTemplate(template.toJSON()), 'AWS::Lambda::Function')[0];
    expect(fn.Properties.Environment.Variables).toMatchObject({ TOPIC_ARN, MIN_SEVERITY: 'LOW', TOP_FINDINGS: '5', DEDUP_TTL_SECONDS: '900' });
    expect(fn.Properties.Environment.Variables.IMAGE_POLICY).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['inspector2:ListFindingAggregations', 'inspector2:ListFindings'], Resource: '*' }] },
    });
  });

  test('Falcosidekick publishes to an encrypted topic that feeds the function, with the dead-letter queue behind the subscription', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.stringLikeRegexp('alias/aws/sns') });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: stack.resolve(alerts.falcoTopic!.topicArn),
      Endpoint: stack.resolve((alerts.handler as any).functionArn),
      RedrivePolicy: { deadLetterTargetArn: stack.resolve(alerts.deadLetterQueue.queueArn) },
    });
  });

  test('exposes the public fields', () => {
    expect(alerts.handler).toBeDefined();
    expect(alerts.rule).toBeDefined();
    expect(alerts.dedupTable).toBeDefined();
    expect(alerts.errorsAlarm).toBeDefined();
    expect(alerts.deadLetterAlarm).toBeDefined();
    expect(alerts.logGroup).toBeDefined();
    expect(alerts.falcoTopic).toBeDefined();
    expect(alerts.falcoRole).toBeDefined();
  });
});

describe('RuntimeThreatAlerts options', () => {
  test.each([
    [Severity.MEDIUM, 4], [Severity.HIGH, 7], [Severity.CRITICAL, 9],
  ])('minimumSeverity %s filters GuardDuty findings below %d in the rule', (minimumSeverity, floor) => {
    const { template } = build({ minimumSeverity }, false);
    const pattern = resources(template.toJSON(), 'AWS::Events::Rule')[0].Properties.EventPattern;
    expect(pattern.detail.severity).toEqual([{ numeric: ['>=', floor] }]);
    expect(matchesEventPattern(pattern, fixture('guardduty-runtime-eks.json', (e) => { e.detail.severity = floor; }))).toBe(true);
    expect(matchesEventPattern(pattern, fixture('guardduty-runtime-eks.json', (e) => { e.detail.severity = floor - 0.1; }))).toBe(false);
  });

  test('without falcosidekick: no topic, no role', () => {
    const { alerts, template } = build({}, false);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    expect(alerts.falcoTopic).toBeUndefined();
    expect(alerts.falcoRole).toBeUndefined();
  });

  test('image policy, window, top findings and a log group of your own', () => {
    const stack = testStack();
    const logGroup = new logs.LogGroup(stack, 'Logs');
    new RuntimeThreatAlerts(stack, 'Runtime', {
      topic: topicOf(stack),
      imagePolicy: new ImagePolicy({ allowedPrefixes: ['111111111111.dkr.ecr.us-east-1.amazonaws.com/'] }),
      dedupWindow: Duration.hours(1),
      topFindings: 0,
      minimumSeverity: Severity.INFORMATIONAL,
      logGroup,
    });
    const template = Template.fromStack(stack);
    const fn = resources(template.toJSON(), 'AWS::Lambda::Function')[0];
    expect(fn.Properties.Environment.Variables).toMatchObject({
      IMAGE_POLICY: '{"allowedPrefixes":["111111111111.dkr.ecr.us-east-1.amazonaws.com/"]}', DEDUP_TTL_SECONDS: '3600', TOP_FINDINGS: '0', MIN_SEVERITY: 'INFORMATIONAL',
    });
    expect(fn.Properties.LoggingConfig.LogGroup).toEqual(stack.resolve(logGroup.logGroupName));
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
  });

  test('a provider created in the app: the trust conditions are resolved at deploy time', () => {
    const stack = testStack();
    const created = new iam.OpenIdConnectProvider(stack, 'Provider', { url: 'https://oidc.eks.us-east-1.amazonaws.com/id/ABC', clientIds: ['sts.amazonaws.com'] });
    new RuntimeThreatAlerts(stack, 'Runtime', { topic: topicOf(stack), falcosidekick: { openIdConnectProvider: created, namespace: 'security', serviceAccountName: 'sidekick' } });
    const template = Template.fromStack(stack);
    const json = JSON.stringify(resources(template.toJSON(), 'Custom::AWSCDKCfnJson')[0].Properties.Value);
    expect(json).toContain('system:serviceaccount:security:sidekick');
    expect(json).toContain('sts.amazonaws.com');
  });

  test('a window over a day warns', () => {
    const stack = testStack();
    new RuntimeThreatAlerts(stack, 'Runtime', { topic: topicOf(stack), dedupWindow: Duration.days(2) });
    // Synthesis prints the warning it is about to be asserted: keep the test output quiet.
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      Annotations.fromStack(stack).hasWarning('/Test/Runtime', Match.stringLikeRegexp('dedupWindow is 2 days: a rule that fires again'));
    } finally {
      printed.mockRestore();
    }
  });

  test.each([
    ['no topic', { topic: undefined }, /topic is missing/],
    ['UNTRIAGED', { minimumSeverity: Severity.UNTRIAGED }, /minimumSeverity is UNTRIAGED: runtime alerts have no untriaged level/],
    ['21 findings', { topFindings: 21 }, /topFindings is 21: expected a whole number from 0 to 20/],
    ['1.5 findings', { topFindings: 1.5 }, /topFindings is 1.5/],
    ['a 30-second window', { dedupWindow: Duration.seconds(30) }, /dedupWindow is 30 seconds: expected 1 minute to 7 days/],
    ['an 8-day window', { dedupWindow: Duration.days(8) }, /dedupWindow is 8 days/],
    ['a huge policy', { imagePolicy: new ImagePolicy({ allowedPrefixes: Array.from({ length: 80 }, (_v, i) => `111111111111.dkr.ecr.us-east-1.amazonaws.com/team-${i}/service-name-long/`) }) },
      /imagePolicy takes \d+ bytes as JSON, over the 3072 bytes/],
  ])('%s is refused', (_name, change, message) => {
    expect(() => build(change as any, false)).toThrow(message);
  });

  test.each([
    ['no provider', { openIdConnectProvider: undefined }, /falcosidekick.openIdConnectProvider is missing/],
    ['a wildcard namespace', { namespace: '*' }, /falcosidekick.namespace is "\*": expected a Kubernetes namespace/],
    ['an upper-case namespace', { namespace: 'Falco' }, /falcosidekick.namespace is "Falco"/],
    ['a wildcard service account', { serviceAccountName: 'falco-*' }, /falcosidekick.serviceAccountName is "falco-\*"/],
    ['a service account with a colon', { serviceAccountName: 'falco:other' }, /falcosidekick.serviceAccountName is "falco:other"/],
  ])('falcosidekick with %s is refused', (_name, change, message) => {
    const stack = testStack();
    expect(() => new RuntimeThreatAlerts(stack, 'Runtime', {
      topic: topicOf(stack),
      falcosidekick: { openIdConnectProvider: provider(stack), ...change } as any,
    })).toThrow(message);
  });
});

describe('the Falcosidekick role, simulated', () => {
  const { template } = build({ falcosidekick: undefined });
  const FALCO_TOPIC_ARN = `arn:aws:sns:us-east-1:${SIM_ACCOUNT}:Test-RuntimeFalcoTopic1E78D3AB-AbCdEf`;
  const roleArn = `arn:aws:iam::${SIM_ACCOUNT}:role/Test-RuntimeFalcoRole-AbCdEf`;
  const falco = build();
  const topicId = falco.stack.getLogicalId(falco.alerts.falcoTopic!.node.defaultChild as any);
  const roleId = falco.stack.getLogicalId(falco.alerts.falcoRole!.node.defaultChild as any);
  // References resolve to logical ids: put the ARNs CloudFormation would give in their place.
  const resolved = JSON.parse(JSON.stringify(resolveTemplate(falco.template.toJSON()))
    .split(`"${roleId}.Arn"`).join(JSON.stringify(roleArn))
    .split(`"${topicId}"`).join(JSON.stringify(FALCO_TOPIC_ARN)));
  const role = resolved.Resources[roleId];
  const rolePolicy = resources(resolved, 'AWS::IAM::Policy').find((p) => p.Properties.Roles.includes(roleId));
  const topicArn = FALCO_TOPIC_ARN;
  const topicPolicy = resources(resolved, 'AWS::SNS::TopicPolicy')[0].Properties.PolicyDocument;

  async function simulate(request: { principal: string; action: string; resource: string; context?: Record<string, string> }, identity?: any, resourcePolicy?: any) {
    const result = await runSimulation({
      request: { principal: request.principal, action: request.action, resource: { resource: request.resource, accountId: SIM_ACCOUNT }, contextVariables: request.context ?? {} },
      identityPolicies: identity ? [{ name: 'p', policy: identity }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    }, {});
    if (result.resultType !== 'single') throw new Error(JSON.stringify(result));
    return { decision: result.overallResult, ignored: result.result.ignoredContextKeys ?? [] };
  }
  async function decide(request: { principal: string; action: string; resource: string; context?: Record<string, string> }, identity?: any, resourcePolicy?: any) {
    const { decision, ignored } = await simulate(request, identity, resourcePolicy);
    expect(ignored).toEqual([]);
    return decision;
  }
  /**
   * The simulator evaluates web-identity condition keys only for the providers its IAM data names
   * (accounts.google.com:sub, cognito-identity.amazonaws.com:aud ...) and ignores EKS's
   * (oidc.eks.<region>.amazonaws.com/id/<id>:sub). Renaming each EKS issuer to one of those, the
   * same way in the policy, the principal and the request, keeps StringEquals' meaning; `decide`
   * checks that no key is ignored, so the outcome is the policy's.
   */
  const RENAMES: Record<string, string> = { [ISSUER]: 'accounts.google.com', [OTHER_ISSUER]: 'cognito-identity.amazonaws.com' };
  const renameIssuers = (text: string) => Object.entries(RENAMES).reduce((t, [from, to]) => t.split(from).join(to), text);

  test('the trust policy names the exact subject and audience with StringEquals (no wildcard match)', () => {
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: PROVIDER_ARN },
      Condition: { StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:falco:falco-falcosidekick', [`${ISSUER}:aud`]: 'sts.amazonaws.com' } },
    }]);
  });

  test('the template without Falco has no web-identity role', () => {
    expect(resources(template.toJSON(), 'AWS::IAM::Role').some((r) => JSON.stringify(r).includes('AssumeRoleWithWebIdentity'))).toBe(false);
  });

  test.each([
    ['the topic', 'sns:Publish', () => topicArn, 'Allowed'],
    ['the alerts topic', 'sns:Publish', () => TOPIC_ARN, 'ImplicitlyDenied'],
    ['another topic', 'sns:Publish', () => 'arn:aws:sns:us-east-1:111111111111:other', 'ImplicitlyDenied'],
    ['subscribing to the topic', 'sns:Subscribe', () => topicArn, 'ImplicitlyDenied'],
    ['changing the topic policy', 'sns:SetTopicAttributes', () => topicArn, 'ImplicitlyDenied'],
    ['invoking the function', 'lambda:InvokeFunction', () => 'arn:aws:lambda:us-east-1:111111111111:function:x', 'ImplicitlyDenied'],
  ])('its identity policy: %s', async (_name, action, resource, expected) => {
    expect(await decide({ principal: roleArn, action, resource: resource() }, rolePolicy.Properties.PolicyDocument)).toBe(expected);
  });

  test.each([
    ['the named service account', `system:serviceaccount:falco:falco-falcosidekick`, 'sts.amazonaws.com', PROVIDER_ARN, 'Allowed'],
    ['another service account of the namespace', 'system:serviceaccount:falco:default', 'sts.amazonaws.com', PROVIDER_ARN, 'ImplicitlyDenied'],
    ['the same name in another namespace', 'system:serviceaccount:attacker:falco-falcosidekick', 'sts.amazonaws.com', PROVIDER_ARN, 'ImplicitlyDenied'],
    ['another audience', 'system:serviceaccount:falco:falco-falcosidekick', 'https://example.com', PROVIDER_ARN, 'ImplicitlyDenied'],
    ['another cluster\'s provider', 'system:serviceaccount:falco:falco-falcosidekick', 'sts.amazonaws.com', `arn:aws:iam::111111111111:oidc-provider/${OTHER_ISSUER}`, 'ImplicitlyDenied'],
  ])('its trust policy: %s', async (_name, sub, aud, federated, expected) => {
    const issuer = renameIssuers(federated.split('oidc-provider/')[1]);
    expect(await decide({
      principal: renameIssuers(federated),
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: roleArn,
      context: { [`${issuer}:sub`]: sub, [`${issuer}:aud`]: aud },
    }, undefined, JSON.parse(renameIssuers(JSON.stringify(role.Properties.AssumeRolePolicyDocument))))).toBe(expected);
  });

  test.each([
    ['the Falcosidekick role', roleArn, 'Allowed'],
    ['another principal of the account allowed sns:Publish on *', `arn:aws:iam::${SIM_ACCOUNT}:role/admin`, 'ExplicitlyDenied'],
  ])('the topic policy: %s publishing', async (_name, caller, expected) => {
    expect(await decide({ principal: caller, action: 'sns:Publish', resource: topicArn, context: { 'aws:PrincipalArn': caller, 'aws:SecureTransport': 'true' } },
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: '*' }] }, topicPolicy)).toBe(expected);
  });

  test('the topic policy refuses publishing without TLS, even by the role', async () => {
    expect(await decide({ principal: roleArn, action: 'sns:Publish', resource: topicArn, context: { 'aws:PrincipalArn': roleArn, 'aws:SecureTransport': 'false' } },
      rolePolicy.Properties.PolicyDocument, topicPolicy)).toBe('ExplicitlyDenied');
  });
});

describe('RuntimeThreatAlerts compliance', () => {
  const ALARM_ACTION_EXCEPTION = {
    'cdk-validator-cfnguard::cloudwatch_alarm_action_check': 'RuntimeThreatAlerts exposes errorsAlarm and deadLetterAlarm for the application to route (addAlarmAction).',
  };
  test('no unacknowledged cdk-nag or cfn-guard finding, Falcosidekick included', () => {
    const findings = complianceFindings((app) => {
      const stack = new Stack(app, 'Runtime', { env: TEST_ENV });
      new RuntimeThreatAlerts(stack, 'Runtime', {
        topic: sns.Topic.fromTopicAttributes(stack, 'Topic', { topicArn: TOPIC_ARN, keyArn: 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555' }),
        falcosidekick: { openIdConnectProvider: provider(stack) },
      });
    }, { ...DOCUMENTED_EXCEPTIONS, ...ALARM_ACTION_EXCEPTION });
    expect(findings).toEqual([]);
  });
});
