import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as sns from 'aws-cdk-lib/aws-sns';
import { NewFindingsNotifier } from '../../lib/notify/new-findings-notifier';
import { ScanNotifier } from '../../lib/notify/scan-notifier';
import { NotificationLocale, Severity } from '../../lib/notify/severity';
import { testStack } from '../support/app';

function build(props: Partial<ConstructorParameters<typeof NewFindingsNotifier>[2]> = {}) {
  const stack = testStack();
  const topic = new sns.Topic(stack, 'Topic');
  const notifier = new NewFindingsNotifier(stack, 'NewFindings', { topic, ...props });
  return { stack, topic, notifier, get template() { return Template.fromStack(stack); } };
}

/** The statements of the policies attached to the role of `fn`. */
function statementsOf(template: Template, stack: any, fn: any): any[] {
  const roleId = stack.getLogicalId(fn.role.node.defaultChild);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}
const actionsOf = (statements: any[]) => statements.flatMap((s) => [s.Action].flat()).sort();

describe('NewFindingsNotifier', () => {
  const built = build();
  const { stack, notifier } = built;
  const template = built.template;
  const id = (c: any) => stack.getLogicalId(c.node.defaultChild);

  test('a rule on Inspector2 Finding events of ECR images only feeds the tracker', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.inspector2'], 'detail-type': ['Inspector2 Finding'], 'detail': { resources: { type: ['AWS_ECR_CONTAINER_IMAGE'] } } },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(notifier.handler), 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(notifier.deadLetterQueue), 'Arn'] } } })],
    });
  });

  test('the state table survives redeploys: RETAIN, point-in-time recovery, TTL', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
      }),
    });
  });

  test('the digest queue redrives to a dead-letter queue after 5 receives, and feeds the digest with partial batch failures', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [id(notifier.digestDeadLetterQueue), 'Arn'] }, maxReceiveCount: 5 },
      VisibilityTimeout: 360,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id(notifier.digestQueue), 'Arn'] },
      FunctionName: { Ref: id(notifier.digestHandler) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('least privilege: the tracker reads and writes the table and schedules digests; only the digest publishes', () => {
    const tracker = statementsOf(template, stack, notifier.handler);
    expect(actionsOf(tracker)).toEqual(expect.arrayContaining(['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    expect(actionsOf(tracker)).not.toContain('sns:Publish');
    expect(actionsOf(tracker)).not.toContain('dynamodb:Query');
    const digest = statementsOf(template, stack, notifier.digestHandler);
    expect(actionsOf(digest)).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:UpdateItem', 'sns:Publish']));
    expect(actionsOf(digest)).not.toContain('dynamodb:PutItem');
    for (const s of [...tracker, ...digest]) expect(s.Resource).not.toBe('*');
  });

  test('the environment carries the defaults: 5 minutes, closures not reported, English', () => {
    const fns = template.findResources('AWS::Lambda::Function');
    const env = fns[id(notifier.digestHandler)].Properties.Environment.Variables;
    expect(env).toMatchObject({ WINDOW_SECONDS: '300', NOTIFY_CLOSED: 'false', LOCALE: 'en' });
    expect(env.MIN_SEVERITY).toBeUndefined();
    expect(fns[id(notifier.handler)].Properties.Environment.Variables.TOPIC_ARN).toBeUndefined();
  });

  test('options reach both functions; repositories reach the tracker', () => {
    const b = build({ window: Duration.minutes(15), notifyClosed: true, minimumSeverity: Severity.HIGH, locale: NotificationLocale.JA });
    const repo = ecr.Repository.fromRepositoryName(b.stack, 'Repo', 'team/app');
    b.notifier.addRepository(repo);
    const fns = b.template.findResources('AWS::Lambda::Function');
    const tracker = fns[b.stack.getLogicalId(b.notifier.handler.node.defaultChild as any)].Properties.Environment.Variables;
    expect(tracker).toMatchObject({ WINDOW_SECONDS: '900', NOTIFY_CLOSED: 'true', MIN_SEVERITY: 'HIGH', LOCALE: 'ja', REPOSITORY_NAMES: '["team/app"]' });
  });

  test.each([
    [Duration.seconds(0), /window is 0 seconds: expected whole seconds from 1 second to 15 minutes/],
    [Duration.minutes(16), /window is 16 minutes/],
    [Duration.millis(1500), /window is 1 second 500 millis/],
  ])('a window of %s is rejected', (window, message) => {
    expect(() => build({ window })).toThrow(message);
  });

  test('addAlarmAction routes all four alarms', () => {
    const b = build();
    b.notifier.addAlarmAction(new cwActions.SnsAction(b.topic));
    b.template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: b.stack.getLogicalId(b.topic.node.defaultChild as any) }] }, 4);
  });
});

describe('ScanNotifier and new findings', () => {
  test('on by default, sharing the topic; the repositories filter the tracker too', () => {
    const stack = testStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'team/app');
    const n = new ScanNotifier(stack, 'Notifier', { repositories: [repo], notifyClosed: true });
    expect(n.newFindings).toBeDefined();
    expect(n.alarms).toHaveLength(6);
    const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    const tracker = fns[stack.getLogicalId(n.newFindings!.handler.node.defaultChild as any)].Properties.Environment.Variables;
    expect(tracker.REPOSITORY_NAMES).toBe('["team/app"]');
    expect(tracker.NOTIFY_CLOSED).toBe('true');
  });

  test('newFindings: false leaves it out; its options without it are an error', () => {
    const stack = testStack();
    const n = new ScanNotifier(stack, 'Notifier', { newFindings: false });
    expect(n.newFindings).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 1);
    expect(() => new ScanNotifier(testStack(), 'N', { newFindings: false, notifyClosed: true })).toThrow(/notifyClosed is set while newFindings is false/);
    expect(() => new ScanNotifier(testStack(), 'N', { newFindings: false, newFindingsWindow: Duration.minutes(1) })).toThrow(/newFindingsWindow is set while newFindings is false/);
    expect(() => new ScanNotifier(testStack(), 'N', { newFindingsWindow: Duration.hours(1) })).toThrow(/newFindingsWindow is 1 hour/);
  });
});
