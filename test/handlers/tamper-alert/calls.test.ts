/**
 * Every watched call, end to end: its real-shaped CloudTrail event (test/fixtures/cloudtrail-*.json)
 * goes through the event patterns of the synthesized rules, resolved as CloudFormation would
 * resolve them, and through the BUILT handler (dist/handlers/tamper-alert/index.js, what the
 * construct deploys) with its real SNS and DynamoDB clients against local fakes; the alert is read
 * off the wire.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { GuardTamperAlerts } from '../../../lib/policy/guard-tamper-alerts';
import cloudtrailCalls from '../../fixtures/cloudtrail-cloudtrail-calls.json';
import deleteDenied from '../../fixtures/cloudtrail-delete-repository-denied.json';
import deploymentRole from '../../fixtures/cloudtrail-deployment-role.json';
import ecrRegistry from '../../fixtures/cloudtrail-ecr-registry.json';
import inspectorCalls from '../../fixtures/cloudtrail-inspector2-calls.json';
import inspectorDisable from '../../fixtures/cloudtrail-inspector2-disable.json';
import libraryResources from '../../fixtures/cloudtrail-library-resources.json';
import setPolicy from '../../fixtures/cloudtrail-set-repository-policy.json';
import { testStack } from '../../support/app';
import { matchesEventPattern } from '../../support/event-pattern';
import { FakeAws, snsMessageAttributes } from '../../support/fake-aws';
import { LocalDynamoDb } from '../../support/dynamodb';
import { resolveTemplate } from '../../support/simulate';

const ROOT = path.join(__dirname, '..', '..', '..');
const BUNDLE = path.join(ROOT, 'dist', 'handlers', 'tamper-alert', 'index.js');
const TOPIC = 'arn:aws:sns:us-east-1:111111111111:scan-guard-hub';
const copy = (e: unknown): any => JSON.parse(JSON.stringify(e));

/** Each watched call and the resource its alert names. */
const WATCHED: Array<[string, any, string]> = [
  ...(ecrRegistry as any[]).map((e): [string, any, string] => {
    const p = e.detail.requestParameters ?? {};
    return [e.detail.eventName, e, p.repositoryName ?? p.ecrRepositoryPrefix ?? p.prefix ?? p.name ?? 'a registry-wide setting'];
  }),
  ...(inspectorCalls as any[]).filter((e) => e.detail.requestParameters.action !== 'NONE').map((e): [string, any, string] => {
    const p = e.detail.requestParameters;
    return [e.detail.eventName, e, p.name ?? p.filterArn ?? p.accountId ?? 'an account-wide setting'];
  }),
  ...(cloudtrailCalls as any[]).map((e): [string, any, string] => [e.detail.eventName, e, e.detail.requestParameters.trailName ?? e.detail.requestParameters.name]),
  ...(libraryResources as any[]).map((e): [string, any, string] => [e.detail.eventName, e, 'scan-guard']),
  ['SetRepositoryPolicy', setPolicy, 'team/app'],
  ['DeleteRepository (denied)', deleteDenied, 'team/app'],
  ['Disable', inspectorDisable, 'an account-wide setting'],
];

let patterns: Array<{ id: string; pattern: Record<string, unknown> }>;
let environment: Record<string, string>;
let fake: FakeAws;
let table: LocalDynamoDb;
let putItemFault: string | undefined;
let handler: (event: unknown) => Promise<string>;
const logs: string[] = [];
const ENV = { ...process.env };

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'bundle-handlers.mjs')], { cwd: ROOT, stdio: 'pipe' });
  const stack = testStack('Hub');
  const alerts = new GuardTamperAlerts(stack, 'Tamper', { topic: sns.Topic.fromTopicArn(stack, 'HubTopic', TOPIC) });
  alerts.protectFunction(lambda.Function.fromFunctionName(stack, 'Formatter', 'scan-guard-formatter'));
  alerts.protectRule(events.Rule.fromEventRuleArn(stack, 'Findings', 'arn:aws:events:us-east-1:111111111111:rule/scan-guard-findings'));
  alerts.protectTable(dynamodb.Table.fromTableName(stack, 'Dedup', 'scan-guard-dedup'));
  alerts.protectParameter(ssm.StringParameter.fromStringParameterName(stack, 'TopicArn', '/cdk-ecr-scan-guard/default/topic-arn'));
  alerts.addGuardedRepository(ecr.Repository.fromRepositoryName(stack, 'App', 'team/app'));
  const template = resolveTemplate(Template.fromStack(stack).toJSON());
  patterns = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule')
    .map(([id, r]) => ({ id, pattern: r.Properties.EventPattern }));
  environment = (Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function')).Properties.Environment.Variables;

  fake = await FakeAws.start();
  table = await LocalDynamoDb.start({ fault: (operation) => (operation === 'PutItem' && putItemFault ? { status: 400, errorType: putItemFault } : undefined) });
  await table.createTable(environment.DEDUP_TABLE);
  jest.spyOn(process.stdout, 'write').mockImplementation((line) => { logs.push(String(line)); return true; });
  Object.assign(process.env, fake.env('us-east-1'), table.env(), environment);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  jest.isolateModules(() => { handler = require(BUNDLE).handler; });
}, 120_000);

afterAll(async () => {
  jest.restoreAllMocks();
  process.env = ENV;
  await fake?.close();
  await table?.close();
});

beforeEach(() => {
  fake.reset();
  putItemFault = undefined;
  logs.length = 0;
});

const matching = (event: any) => patterns.filter(({ pattern }) => matchesEventPattern(pattern, event)).map(({ id }) => id);
const lastPublish = () => fake.requestsOf('sns').pop()!.form!;

describe('the synthesized rules', () => {
  test('every event pattern stays under the 4,096-character limit, as deployed', () => {
    expect(patterns.length).toBeGreaterThan(5);
    for (const { id, pattern } of patterns) expect([id, JSON.stringify(pattern).length < 4096]).toEqual([id, true]);
  });

  test('the environment names the deployment role, and no ignored principal', () => {
    expect(JSON.parse(environment.DEPLOYMENT_ROLES)).toEqual(['arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1']);
    expect(JSON.parse(environment.IGNORED_PRINCIPALS)).toEqual([]);
  });
});

describe.each(WATCHED)('%s', (_name, event, resource) => {
  test('matches exactly one rule, and the built handler publishes one alert naming the call and the resource', async () => {
    expect(matching(event)).toHaveLength(1);
    await expect(handler(copy(event))).resolves.toBe('published');
    const form = lastPublish();
    expect(form.Subject).toContain(`:${event.detail.eventName} on `);
    expect(snsMessageAttributes(form)).toMatchObject({ kind: { StringValue: 'tamper' }, actor: { StringValue: 'other' } });
    const message = JSON.parse(form.Message);
    expect(message.email).toContain(`Call:        ${event.detail.eventSource} ${event.detail.eventName}`);
    expect(message.email).toContain(resource);
    const data = JSON.parse(message.sqs);
    expect(data.eventId).toBe(event.detail.eventID);
    expect(data.requestParameters).toEqual(event.detail.requestParameters ?? undefined);
  });
});

describe('unrelated calls stay quiet', () => {
  test('an Inspector filter with action NONE (a saved view) hides nothing', () => {
    const none = (inspectorCalls as any[]).find((e) => e.detail.requestParameters.action === 'NONE');
    expect(matching(none)).toEqual([]);
  });

  test.each((libraryResources as any[]).map((e) => [e.detail.eventName, e]))('%s on another resource than the library\'s', (_name, event) => {
    const other = JSON.parse(JSON.stringify(event).replace(/scan-guard-/g, 'other-app-').replace(/\/cdk-ecr-scan-guard\/default\/topic-arn/g, '/other/app'));
    expect(matching(event)).toHaveLength(1);
    expect(matching(other)).toEqual([]);
  });

  test('image deletion in a repository that is not guarded', () => {
    for (const name of ['DeleteLifecyclePolicy', 'BatchDeleteImage']) {
      const event = copy((ecrRegistry as any[]).find((e) => e.detail.eventName === name));
      event.detail.requestParameters.repositoryName = 'sandbox/scratch';
      expect(matching(event)).toEqual([]);
    }
  });

  test('a Lambda call that is not a change (GetFunction) on the library\'s function', () => {
    const event = copy((libraryResources as any[]).find((e) => e.detail.eventName.startsWith('UpdateFunctionCode')));
    event.detail.eventName = 'GetFunction20150331v2';
    expect(matching(event)).toEqual([]);
  });
});

describe('the built handler', () => {
  test('the deployment role is alerted, with actor = deployment', async () => {
    expect(matching(deploymentRole)).toHaveLength(1);
    await expect(handler(copy(deploymentRole))).resolves.toBe('published');
    expect(snsMessageAttributes(lastPublish()).actor.StringValue).toBe('deployment');
    expect(lastPublish().Subject).toMatch(/^\[Guard deployment\] ecr:PutImageTagMutability on team\/app/);
  });

  test('a duplicate delivery is alerted once', async () => {
    const event = copy(setPolicy);
    event.detail.eventID = 'a-fresh-event-id-for-dedup';
    await expect(handler(event)).resolves.toBe('published');
    await expect(handler(event)).resolves.toBe('duplicate');
    expect(fake.requestsOf('sns')).toHaveLength(1);
  });

  test('fail open: the dedup table was deleted, the alert still goes out', async () => {
    putItemFault = 'ResourceNotFoundException';
    const event = copy(setPolicy);
    event.detail.eventID = 'an-event-while-the-table-is-gone';
    await expect(handler(event)).resolves.toBe('published');
    expect(fake.requestsOf('sns')).toHaveLength(1);
    expect(logs.join('')).toMatch(/"level":"WARN".*dedup table failed.*ResourceNotFoundException/);
  });
});
