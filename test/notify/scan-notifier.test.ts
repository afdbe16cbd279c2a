import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ScanNotifier } from '../../lib/notify/scan-notifier';
import { ScanNotifierProps } from '../../lib/notify/scan-notifier-props';
import { NotificationLocale, Severity } from '../../lib/notify/severity';
import { testStack } from '../support/app';

const TOPIC_ARN = 'arn:aws:sns:us-east-1:111111111111:ops';
const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';

/** The logical id and resource of the only resource of a type. */
function only(template: Template, type: string): [string, any] {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0];
}

/** Every statement of every identity policy in the template. */
function statements(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

/** Every action any identity policy in the template allows. */
function actions(template: Template): string[] {
  return statements(template).flatMap((s) => [s.Action].flat()).sort();
}

function environmentOf(template: Template): Record<string, unknown> {
  return only(template, 'AWS::Lambda::Function')[1].Properties.Environment.Variables;
}

describe('ScanNotifier defaults', () => {
  const stack = testStack();
  const notifier = new ScanNotifier(stack, 'Notifier');
  const template = Template.fromStack(stack);
  const [topicId, topic] = only(template, 'AWS::SNS::Topic');
  const [queueId, queue] = only(template, 'AWS::SQS::Queue');
  const [functionId, fn] = only(template, 'AWS::Lambda::Function');
  const [ruleId, rule] = only(template, 'AWS::Events::Rule');
  const [logGroupId, logGroup] = only(template, 'AWS::Logs::LogGroup');
  const [tableId, table] = only(template, 'AWS::DynamoDB::Table');

  test('one rule takes the Inspector2 Scan events of ECR images on the default bus (those with a repository-name), with no repository in its pattern', () => {
    expect(rule.Properties.EventPattern).toEqual({ 'source': ['aws.inspector2'], 'detail-type': ['Inspector2 Scan'], 'detail': { 'repository-name': [{ prefix: 'arn:' }] } });
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.Targets).toHaveLength(1);
    expect(rule.Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
  });

  test('the function runs Node.js 22 on arm64 with the documented sizing', () => {
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 30,
      ReservedConcurrentExecutions: 10,
      Handler: 'index.handler',
      LoggingConfig: { LogGroup: { Ref: logGroupId } },
    });
    expect(logGroup.Properties.RetentionInDays).toBe(365);
  });

  test('the environment holds exactly the handler contract defaults', () => {
    expect(environmentOf(template)).toEqual({
      TOPIC_ARN: { Ref: topicId }, LOCALE: 'en', TOP_FINDINGS: '5', DEDUP_TABLE: { Ref: tableId }, DEDUP_TTL_SECONDS: '86400',
    });
  });

  test('a DynamoDB table remembers notified events: pay per request, TTL, point-in-time recovery, encrypted', () => {
    expect(table.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(table.Properties.TableName).toBeUndefined();
    expect(Stack.of(notifier).resolve(notifier.dedupTable.tableName)).toEqual({ Ref: tableId });
  });

  test('the function may write its logs, publish to its topic, fill its DLQ and list findings, nothing more', () => {
    expect(actions(template)).toEqual([
      'dynamodb:DeleteItem', 'dynamodb:PutItem', 'inspector2:ListFindings', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sns:Publish', 'sqs:SendMessage',
    ]);
    const resourceOf = (action: string) => statements(template).find((s) => [s.Action].flat().includes(action)).Resource;
    expect(resourceOf('dynamodb:PutItem')).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
    expect(resourceOf('dynamodb:DeleteItem')).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
    expect(resourceOf('sns:Publish')).toEqual({ Ref: topicId });
    expect(resourceOf('sqs:SendMessage')).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    expect(resourceOf('logs:PutLogEvents')).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    expect(resourceOf('inspector2:ListFindings')).toBe('*');
  });

  test('the role has no managed policy and trusts only Lambda', () => {
    const [, role] = only(template, 'AWS::IAM::Role');
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });

  test('only this rule may invoke the function', () => {
    const [, permission] = only(template, 'AWS::Lambda::Permission');
    expect(permission.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });

  test('EventBridge retries for a day, then puts the event in the dead-letter queue', () => {
    expect(rule.Properties.Targets[0]).toMatchObject({
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
    });
  });

  test('the function retries a failed event twice, then puts it in the same dead-letter queue', () => {
    expect(fn.Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    const [, invokeConfig] = only(template, 'AWS::Lambda::EventInvokeConfig');
    expect(invokeConfig.Properties).toMatchObject({ FunctionName: { Ref: functionId }, MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 });
  });

  test('the dead-letter queue is encrypted, keeps messages 14 days, denies non-TLS and accepts only this rule', () => {
    expect(queue.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    const [, policy] = only(template, 'AWS::SQS::QueuePolicy');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      }),
    ]);
  });

  test('an alarm fires on the first function error and on the first message in the dead-letter queue', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    const common = { Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' };
    expect(alarms).toHaveLength(2);
    expect(alarms).toContainEqual(expect.objectContaining({
      ...common, Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
    }));
    expect(alarms).toContainEqual(expect.objectContaining({
      ...common, Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
    }));
  });

  test('the topic is encrypted with the AWS managed SNS key and denies publishing without TLS', () => {
    expect(topic.Properties.KmsMasterKeyId).toBe('alias/aws/sns');
    const [, policy] = only(template, 'AWS::SNS::TopicPolicy');
    expect(policy.Properties.PolicyDocument.Statement).toEqual([expect.objectContaining({
      Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: { Ref: topicId },
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    })]);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('exposes what it creates', () => {
    expect(Stack.of(notifier).resolve(notifier.topic.topicArn)).toEqual({ Ref: topicId });
    expect(Stack.of(notifier).resolve(notifier.handler.functionArn)).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
    expect(Stack.of(notifier).resolve(notifier.deadLetterQueue.queueArn)).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
    expect(Stack.of(notifier).resolve(notifier.rule.ruleArn)).toEqual({ 'Fn::GetAtt': [ruleId, 'Arn'] });
    expect(notifier.errorsAlarm.node.path).toBe('Test/Notifier/ErrorsAlarm');
    expect(notifier.deadLetterAlarm.node.path).toBe('Test/Notifier/DeadLetterAlarm');
  });

  test('no warning', () => {
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('ScanNotifier options', () => {
  test('topFindings: 0 leaves out every Inspector permission', () => {
    const stack = testStack();
    new ScanNotifier(stack, 'Notifier', { topFindings: 0 });
    const template = Template.fromStack(stack);
    expect(actions(template).filter((a) => a.startsWith('inspector2:'))).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain('inspector2:');
    template.resourceCountIs('AWS::IAM::Policy', 1);
    expect(environmentOf(template).TOP_FINDINGS).toBe('0');
  });

  test('severity, locale, top findings and templates reach the environment', () => {
    const stack = testStack();
    new ScanNotifier(stack, 'Notifier', {
      minimumSeverity: Severity.HIGH,
      locale: NotificationLocale.JA,
      topFindings: 50,
      templates: { subject: '{{repositoryName}}: {{counts.critical}} critical', body: 'Findings: {{counts.total}}\n' },
    });
    const template = Template.fromStack(stack);
    expect(environmentOf(template)).toEqual({
      TOPIC_ARN: { Ref: only(template, 'AWS::SNS::Topic')[0] },
      LOCALE: 'ja',
      MIN_SEVERITY: 'HIGH',
      TOP_FINDINGS: '50',
      TEMPLATE_SUBJECT: '{{repositoryName}}: {{counts.critical}} critical',
      TEMPLATE_BODY: 'Findings: {{counts.total}}\n',
      DEDUP_TABLE: { Ref: only(template, 'AWS::DynamoDB::Table')[0] },
      DEDUP_TTL_SECONDS: '86400',
    });
    expect(actions(template)).toContain('inspector2:ListFindings');
  });

  test('e-mail addresses become e-mail subscriptions', () => {
    const stack = testStack();
    new ScanNotifier(stack, 'Notifier', { emailAddresses: ['ops@example.com', 'sec-team+ecr@example.co.jp'] });
    const template = Template.fromStack(stack);
    const [topicId] = only(template, 'AWS::SNS::Topic');
    const subs = Object.values(template.findResources('AWS::SNS::Subscription')).map((s: any) => s.Properties);
    expect(subs).toEqual([
      { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } },
      { Protocol: 'email', Endpoint: 'sec-team+ecr@example.co.jp', TopicArn: { Ref: topicId } },
    ]);
  });

  test('a topic key encrypts the topic and the function may use it', () => {
    const stack = testStack();
    const key = new kms.Key(stack, 'Key');
    new ScanNotifier(stack, 'Notifier', { topicEncryptionKey: key });
    const template = Template.fromStack(stack);
    const [keyId] = only(template, 'AWS::KMS::Key');
    const [, topic] = only(template, 'AWS::SNS::Topic');
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(statements(template)).toContainEqual(expect.objectContaining({
      Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
    }));
  });

  test('your own topic is used as is: no topic is created, publishing is granted on its ARN', () => {
    const stack = testStack();
    const topic = sns.Topic.fromTopicArn(stack, 'Ops', TOPIC_ARN);
    const notifier = new ScanNotifier(stack, 'Notifier', { topic, emailAddresses: ['ops@example.com'] });
    const template = Template.fromStack(stack);
    expect(notifier.topic).toBe(topic);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
    expect(statements(template)).toContainEqual(expect.objectContaining({ Action: 'sns:Publish', Resource: TOPIC_ARN }));
    expect(actions(template).filter((a) => a.startsWith('kms:'))).toEqual([]);
    expect(environmentOf(template).TOPIC_ARN).toBe(TOPIC_ARN);
    template.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: TOPIC_ARN, Endpoint: 'ops@example.com' });
  });

  test('your own encrypted topic: the function may use its key', () => {
    const stack = testStack();
    const topic = sns.Topic.fromTopicAttributes(stack, 'Ops', { topicArn: TOPIC_ARN, keyArn: KEY_ARN });
    new ScanNotifier(stack, 'Notifier', { topic });
    expect(statements(Template.fromStack(stack))).toContainEqual(expect.objectContaining({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: KEY_ARN,
    }));
  });

  test('log group, concurrency and timeout are configurable', () => {
    const stack = testStack();
    new ScanNotifier(stack, 'Notifier', {
      logGroup: new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.TWO_YEARS }),
      reservedConcurrentExecutions: 2,
      timeout: Duration.minutes(2),
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 2, Timeout: 120, LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^Logs') } },
    });
  });

  test('dedupTtl sets how long notified event ids are remembered', () => {
    const stack = testStack();
    new ScanNotifier(stack, 'Notifier', { dedupTtl: Duration.hours(6) });
    expect(environmentOf(Template.fromStack(stack)).DEDUP_TTL_SECONDS).toBe('21600');
  });

  test('two notifiers in one stack do not collide (no fixed physical names)', () => {
    const stack = testStack();
    new ScanNotifier(stack, 'First');
    new ScanNotifier(stack, 'Second', { topFindings: 0 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    const names = ['AWS::Lambda::Function', 'AWS::SNS::Topic', 'AWS::SQS::Queue', 'AWS::Events::Rule', 'AWS::CloudWatch::Alarm', 'AWS::Logs::LogGroup', 'AWS::DynamoDB::Table']
      .flatMap((type) => Object.values(template.findResources(type)))
      .map((r: any) => r.Properties.FunctionName ?? r.Properties.TopicName ?? r.Properties.QueueName ?? r.Properties.Name ?? r.Properties.AlarmName ?? r.Properties.LogGroupName ?? r.Properties.TableName);
    expect(names.every((n) => n === undefined)).toBe(true);
  });
});

describe('ScanNotifier repositories', () => {
  const imported = (stack: Stack, count: number) =>
    Array.from({ length: count }, (_, i) => ecr.Repository.fromRepositoryName(stack, `Repo${i}`, `team/service-${String(i).padStart(3, '0')}`));

  /** Logical ids of the stack's resources, after adding `count` repositories after construction. */
  function resourceIds(count: number): { ids: string[]; env: Record<string, unknown> } {
    const stack = testStack();
    const notifier = new ScanNotifier(stack, 'Notifier');
    imported(stack, count).forEach((r) => notifier.addRepository(r));
    const template = Template.fromStack(stack);
    return { ids: Object.keys(template.toJSON().Resources).sort(), env: environmentOf(template) };
  }

  test('without repositories every repository is notified: no REPOSITORY_NAMES', () => {
    expect(resourceIds(0).env.REPOSITORY_NAMES).toBeUndefined();
  });

  test('the 1st and the 100th repository add no CloudFormation resource, and the rule pattern stays the same', () => {
    const none = resourceIds(0);
    const one = resourceIds(1);
    const hundred = resourceIds(100);
    expect(one.ids).toEqual(none.ids);
    expect(hundred.ids).toEqual(none.ids);
    expect(JSON.parse(one.env.REPOSITORY_NAMES as string)).toEqual(['team/service-000']);
    const names = JSON.parse(hundred.env.REPOSITORY_NAMES as string);
    expect(names).toHaveLength(100);
    expect(names[99]).toBe('team/service-099');
  });

  test('repositories in props and addRepository() later add up; a repository added twice is listed once', () => {
    const stack = testStack();
    const [a, b] = imported(stack, 2);
    const notifier = new ScanNotifier(stack, 'Notifier', { repositories: [a] });
    notifier.addRepository(b);
    notifier.addRepository(a);
    expect(JSON.parse(environmentOf(Template.fromStack(stack)).REPOSITORY_NAMES as string)).toEqual(['team/service-000', 'team/service-001']);
  });

  test('a repository of the same stack is filtered by its name (a Ref), not its ARN, and adds no resource itself', () => {
    const build = (add: boolean) => {
      const stack = testStack();
      const repo = new ecr.Repository(stack, 'Repo');
      const notifier = new ScanNotifier(stack, 'Notifier');
      if (add) notifier.addRepository(repo);
      return Template.fromStack(stack);
    };
    const template = build(true);
    const [repoId] = only(template, 'AWS::ECR::Repository');
    expect(environmentOf(template).REPOSITORY_NAMES).toEqual({ 'Fn::Join': ['', ['["', { Ref: repoId }, '"]']] });
    expect(Object.keys(template.toJSON().Resources).sort()).toEqual(Object.keys(build(false).toJSON().Resources).sort());
  });

  test('names past Lambda\'s 4 KB environment limit fail the synth and point to one notifier with filter policies', () => {
    const stack = testStack();
    new ScanNotifier(stack, 'Notifier', { repositories: imported(stack, 300) });
    expect(() => Template.fromStack(stack)).toThrow(
      /at least \d+ bytes \(REPOSITORY_NAMES: \d+ bytes for 300 repositories\), over Lambda's limit of 4096 bytes\. Use one ScanNotifier for all repositories .*SNS subscription filter policies on the "repository" message attribute/,
    );
  });

  test('custom templates count against the same limit', () => {
    const stack = testStack();
    new ScanNotifier(stack, 'Notifier', { templates: { body: 'x'.repeat(4100) } });
    expect(() => Template.fromStack(stack)).toThrow(/TEMPLATE_BODY: 4\d{3} bytes\), over Lambda's limit of 4096 bytes.*keep custom templates short/);
  });

  test('the limit counts every variable, DEDUP_TABLE and DEDUP_TTL_SECONDS included', () => {
    // A body that would just fit beside TOPIC_ARN, LOCALE and TOP_FINDINGS alone (a token counted as 1 character).
    const others = Buffer.byteLength(JSON.stringify({ TOPIC_ARN: 'x', LOCALE: 'en', TOP_FINDINGS: '5', TEMPLATE_BODY: '' }));
    const body = 'x'.repeat(4096 - others - 4);
    const stack = testStack();
    new ScanNotifier(stack, 'Notifier', { templates: { body } });
    expect(() => Template.fromStack(stack)).toThrow(/takes at least 41\d\d bytes .*over Lambda's limit of 4096 bytes/);
  });

  test('many names known only at deploy time warn that the limit may be exceeded', () => {
    const stack = testStack();
    const notifier = new ScanNotifier(stack, 'Notifier');
    for (let i = 0; i < 20; i++) notifier.addRepository(new ecr.Repository(stack, `Repo${i}`));
    Template.fromStack(stack);
    Annotations.fromStack(stack).hasWarning('/Test/Notifier', Match.stringLikeRegexp(
      'takes \\d+ to \\d+ bytes, depending on repository names known only at deploy time.*subscription filter policies',
    ));
  });

  test('a few names known only at deploy time do not warn', () => {
    const stack = testStack();
    const notifier = new ScanNotifier(stack, 'Notifier');
    for (let i = 0; i < 5; i++) notifier.addRepository(new ecr.Repository(stack, `Repo${i}`));
    Template.fromStack(stack);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('ScanNotifier validation', () => {
  const build = (props: (stack: Stack) => ScanNotifierProps) => {
    const stack = testStack();
    return () => new ScanNotifier(stack, 'Notifier', props(stack));
  };

  test.each<[string, (stack: Stack) => ScanNotifierProps, RegExp]>([
    ['a key with your own topic', (s) => ({ topic: sns.Topic.fromTopicArn(s, 'T', TOPIC_ARN), topicEncryptionKey: kms.Key.fromKeyArn(s, 'K', KEY_ARN) }),
      /topicEncryptionKey is set together with topic: the key applies only to the topic ScanNotifier creates/],
    ['a FIFO topic', (s) => ({ topic: new sns.Topic(s, 'Fifo', { fifo: true }) }), /topic is a FIFO topic \(Test\/Fifo\): expected a standard topic/],
    ['a malformed e-mail address', () => ({ emailAddresses: ['ops@example.com', 'ops at example.com'] }),
      /emailAddresses\[1\] is "ops at example.com": expected an e-mail address such as "ops@example.com"/],
    ['an address without a domain dot', () => ({ emailAddresses: ['root@localhost'] }), /emailAddresses\[0\] is "root@localhost"/],
    ['an address listed twice', () => ({ emailAddresses: ['a@example.com', 'b@example.com', 'a@example.com'] }),
      /emailAddresses\[2\] is "a@example.com", which is listed twice/],
    ['an empty repository list', () => ({ repositories: [] }), /repositories is \[\]: expected at least one repository\. Omit repositories/],
    ['51 top findings', () => ({ topFindings: 51 }), /topFindings is 51: expected an integer from 0 to 50/],
    ['negative top findings', () => ({ topFindings: -1 }), /topFindings is -1: expected an integer from 0 to 50/],
    ['fractional top findings', () => ({ topFindings: 2.5 }), /topFindings is 2.5: expected an integer/],
    ['no reserved concurrency', () => ({ reservedConcurrentExecutions: 0 }), /reservedConcurrentExecutions is 0: expected an integer of at least 1/],
    ['fractional reserved concurrency', () => ({ reservedConcurrentExecutions: 1.5 }), /reservedConcurrentExecutions is 1.5/],
    ['a timeout under a second', () => ({ timeout: Duration.millis(500) }), /timeout is 500 millis: expected 30 seconds to 15 minutes/],
    ['a timeout below the handler\'s 29 s worst case', () => ({ timeout: Duration.seconds(20) }), /timeout is 20 seconds: expected 30 seconds to 15 minutes\. The handler bounds every AWS call/],
    ['a timeout over 15 minutes', () => ({ timeout: Duration.minutes(16) }), /timeout is 16 minutes: expected 30 seconds to 15 minutes/],
    ['an empty subject template', () => ({ templates: { subject: '' } }), /templates\.subject is "": expected mustache text; omit it/],
    ['a blank body template', () => ({ templates: { body: ' \n' } }), /templates\.body is " \\n": expected mustache text/],
    ['a dedup TTL under an hour', () => ({ dedupTtl: Duration.minutes(30) }), /dedupTtl is 30 minutes: expected 1 hour to 365 days/],
    ['a dedup TTL over a year', () => ({ dedupTtl: Duration.days(400) }), /dedupTtl is 400 days: expected 1 hour to 365 days/],
  ])('%s throws', (_name, props, message) => {
    expect(build(props)).toThrow(message);
  });

  test('values known only at deploy time are not validated', () => {
    const stack = testStack();
    const address = new CfnParameter(stack, 'Address').valueAsString;
    expect(() => new ScanNotifier(stack, 'Notifier', { emailAddresses: [address] })).not.toThrow();
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', { Endpoint: { Ref: 'Address' } });
  });
});
