import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { AlertDeps } from '../../../handlers/shared/alert';
import { dynamoDedupStore } from '../../../handlers/shared/dedup';
import { createLogger } from '../../../handlers/shared/logger';
import {
  Actor, actorOf, arnMatches, buildAlert, handler, ignoredBy, loadConfig, parseApiCall, processEvent, TamperConfig,
} from '../../../handlers/tamper-alert/index';
import deleteDenied from '../../fixtures/cloudtrail-delete-repository-denied.json';
import deploymentRole from '../../fixtures/cloudtrail-deployment-role.json';
import inspectorDisable from '../../fixtures/cloudtrail-inspector2-disable.json';
import setPolicy from '../../fixtures/cloudtrail-set-repository-policy.json';
import { LocalDynamoDb } from '../../support/dynamodb';

const TOPIC = 'arn:aws:sns:us-east-1:111111111111:alerts';
const DEPLOY_ROLE = 'arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-us-east-1';
const ENV = {
  TOPIC_ARN: TOPIC, DEDUP_TABLE: 'TamperDedup',
  DEPLOYMENT_ROLES: JSON.stringify([DEPLOY_ROLE]),
  IGNORED_PRINCIPALS: JSON.stringify(['arn:aws:iam::111111111111:role/platform-*']),
};
const config: TamperConfig = loadConfig(ENV);
const copy = (e: unknown, mutate: (e: any) => void = () => undefined): any => {
  const c = JSON.parse(JSON.stringify(e));
  mutate(c);
  return c;
};

const sns = mockClient(SNSClient);
let db: LocalDynamoDb;
let ddb: DynamoDBClient;
let clock = Date.UTC(2026, 10, 23, 12);
const lines: string[] = [];
const deps = (): AlertDeps => ({
  sns: new SNSClient({}),
  dedup: dynamoDedupStore(ddb, config.tableName, config.dedupTtlSeconds, () => clock),
  log: createLogger({ write: (line) => lines.push(line) }),
});

beforeAll(async () => {
  db = await LocalDynamoDb.start();
  ddb = db.client();
});

afterAll(() => db.close());

beforeEach(async () => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  await db.resetTable(config.tableName);
  lines.length = 0;
  clock = Date.UTC(2026, 10, 23, 12);
});

describe('loadConfig', () => {
  test('reads the environment, with defaults', () => {
    expect(config).toEqual({
      topicArn: TOPIC, tableName: 'TamperDedup', dedupTtlSeconds: 172800, severity: 'HIGH',
      deploymentRoles: [DEPLOY_ROLE],
      ignoredPrincipals: ['arn:aws:iam::111111111111:role/platform-*'],
    });
    expect(loadConfig({ TOPIC_ARN: TOPIC, DEDUP_TABLE: 'TamperDedup' })).toMatchObject({ ignoredPrincipals: [], deploymentRoles: [] });
  });
  test.each([
    [{ TOPIC_ARN: 'arn:aws:sqs:us-east-1:111111111111:q' }, /TOPIC_ARN is "arn:aws:sqs.*GuardTamperAlerts construct sets it/],
    [{ IGNORED_PRINCIPALS: '["role/x"]' }, /IGNORED_PRINCIPALS is .*"role\/x" is not an IAM role, user or root ARN/],
    [{ IGNORED_PRINCIPALS: '"arn:aws:iam::111111111111:role/x"' }, /IGNORED_PRINCIPALS is .*not a list of ARNs/],
    [{ IGNORED_PRINCIPALS: '["arn:aws:iam::111111111111:role/*"]' }, /has a wildcard that matches every name/],
    [{ IGNORED_PRINCIPALS: '["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*"]' }, /has a wildcard that matches every name/],
    [{ DEPLOYMENT_ROLES: '["arn:aws:iam::111111111111:role/cdk-*"]' }, /DEPLOYMENT_ROLES is .*not a role ARN without wildcards/],
    [{ IGNORED_PRINCIPALS: 'arn:aws:iam::1:role/x' }, /IGNORED_PRINCIPALS .*expected JSON/],
  ])('%j throws a clear error', (change, message) => {
    expect(() => loadConfig({ ...ENV, ...change })).toThrow(message);
  });
});

describe('parseApiCall', () => {
  test('an SSO administrator setting a repository policy', () => {
    expect(parseApiCall(setPolicy)).toMatchObject({
      eventName: 'SetRepositoryPolicy',
      eventSource: 'ecr.amazonaws.com',
      eventId: '0e4b2c7a-9d1f-4a3b-8c5d-6e7f8a9b0c1d',
      identityType: 'AssumedRole',
      who: 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com',
      roleArn: 'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef',
      sourceIPAddress: '198.51.100.23',
      repositoryName: 'team/app',
      errorCode: undefined,
    });
  });

  test('a denied call by an IAM user, and a root call without a repository', () => {
    expect(parseApiCall(deleteDenied)).toMatchObject({ who: 'arn:aws:iam::111111111111:user/build-bot', roleArn: undefined, errorCode: 'AccessDenied' });
    expect(parseApiCall(inspectorDisable)).toMatchObject({ who: 'arn:aws:iam::111111111111:root', repositoryName: undefined, eventSource: 'inspector2.amazonaws.com' });
  });

  test.each([
    ['another detail-type', (e: any) => { e['detail-type'] = 'Inspector2 Scan'; }, /detail-type is string "Inspector2 Scan"; expected "AWS API Call via CloudTrail"/],
    ['no userIdentity', (e: any) => delete e.detail.userIdentity, /detail\.userIdentity is missing; expected an object/],
    ['no eventID', (e: any) => delete e.detail.eventID, /detail\.eventID is missing/],
    ['a numeric eventName', (e: any) => { e.detail.eventName = 3; }, /detail\.eventName is number 3/],
    ['a string sessionIssuer', (e: any) => { e.detail.userIdentity.sessionContext.sessionIssuer = 'x'; }, /detail\.userIdentity\.sessionContext\.sessionIssuer is string "x"; expected an object/],
    ['a list as requestParameters', (e: any) => { e.detail.requestParameters = []; }, /detail\.requestParameters is an array; expected an object/],
  ])('%s is rejected with the field named, and nothing is published', async (_name, mutate, message) => {
    await expect(processEvent(copy(setPolicy, mutate), config, deps())).rejects.toThrow(message);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(db.requestsOf('PutItem')).toHaveLength(0);
  });

  test('null requestParameters (some calls have none) are accepted', () => {
    expect(parseApiCall(copy(inspectorDisable, (e) => { e.detail.requestParameters = null; })).requestParameters).toBeUndefined();
  });
});

describe('ignored principals', () => {
  test('arnMatches supports * and ? and nothing else', () => {
    expect(arnMatches('arn:aws:iam::111111111111:role/platform-*', 'arn:aws:iam::111111111111:role/platform-ci')).toBe(true);
    expect(arnMatches('arn:aws:iam::111111111111:role/ci-?', 'arn:aws:iam::111111111111:role/ci-1')).toBe(true);
    expect(arnMatches('arn:aws:iam::111111111111:role/ci-?', 'arn:aws:iam::111111111111:role/ci-12')).toBe(false);
    expect(arnMatches('arn:aws:iam::111111111111:role/a.b', 'arn:aws:iam::111111111111:role/aXb')).toBe(false);
  });

  test('an ignored principal is matched through its session issuer', () => {
    const platform = copy(deploymentRole, (e) => { e.detail.userIdentity.sessionContext.sessionIssuer.arn = 'arn:aws:iam::111111111111:role/platform-ci'; });
    expect(ignoredBy(config, parseApiCall(platform))).toBe('arn:aws:iam::111111111111:role/platform-*');
    expect(ignoredBy(config, parseApiCall(setPolicy))).toBeUndefined();
  });

  test('calls by an ignored principal publish nothing and write nothing', async () => {
    const platform = copy(deploymentRole, (e) => { e.detail.userIdentity.sessionContext.sessionIssuer.arn = 'arn:aws:iam::111111111111:role/platform-ci'; });
    await expect(processEvent(platform, config, deps())).resolves.toBe('ignored');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(db.requestsOf('PutItem')).toHaveLength(0);
  });

  test('the deployment role is alerted, labelled actor = deployment; others are actor = other', async () => {
    expect(actorOf(config, parseApiCall(deploymentRole))).toBe(Actor.DEPLOYMENT);
    expect(actorOf(config, parseApiCall(setPolicy))).toBe(Actor.OTHER);
    await expect(processEvent(deploymentRole, config, deps())).resolves.toBe('published');
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.MessageAttributes!.actor).toEqual({ DataType: 'String', StringValue: 'deployment' });
    expect(input.Subject).toBe('[Guard deployment] ecr:PutImageTagMutability on team/app by cdk-hnb659fds-cfn-exec-role-11111111...');
    expect(JSON.parse(input.Message!).email).toContain('A change by the deployment role (shared by every CDK stack of the account) was made.');
  });

  test('a role whose ARN only starts like the deployment role is not a deployment', () => {
    const lookalike = copy(deploymentRole, (e) => { e.detail.userIdentity.sessionContext.sessionIssuer.arn = `${DEPLOY_ROLE}-evil`; });
    expect(actorOf(config, parseApiCall(lookalike))).toBe(Actor.OTHER);
  });
});

describe('buildAlert', () => {
  test('says who, which call, from where, on which repository', () => {
    const alert = buildAlert(config, parseApiCall(setPolicy));
    expect(alert.subject).toBe('[Guard tamper] ecr:SetRepositoryPolicy on team/app by AWSReservedSSO_AdministratorAccess_0123456789abcdef');
    expect(alert.text).toContain('Call:        ecr.amazonaws.com SetRepositoryPolicy');
    expect(alert.text).toContain('Result:      succeeded');
    expect(alert.text).toContain('Resource:    team/app');
    expect(alert.text).toContain('Who:         arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com');
    expect(alert.text).toContain('Source:      198.51.100.23');
    expect(alert.text).toContain('"policyText": "{\\"Version\\":\\"2012-10-17\\"');
    expect(alert.text).toContain('https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/0e4b2c7a-9d1f-4a3b-8c5d-6e7f8a9b0c1d');
    expect(alert.text).not.toMatch(/&quot;|&#x2F;/);
    expect(alert.attributes).toEqual({ kind: 'tamper', severity: 'HIGH', repository: 'team/app', account: '111111111111', actor: 'other' });
  });

  test('says that a call failed, and why', () => {
    const alert = buildAlert(config, parseApiCall(deleteDenied));
    expect(alert.subject).toBe('[Guard tamper] ecr:DeleteRepository on team/app by build-bot (failed: AccessDenied)');
    expect(alert.text).toContain('was made, and it FAILED.');
    expect(alert.text).toContain('Result:      failed: AccessDenied: User: arn:aws:iam::111111111111:user/build-bot is not authorized');
    expect(alert.data).toMatchObject({ failed: true, errorCode: 'AccessDenied' });
  });

  test('an account-wide Inspector call has repository "unknown"', () => {
    const alert = buildAlert({ ...config, severity: 'CRITICAL' }, parseApiCall(inspectorDisable));
    expect(alert.subject).toBe('[Guard tamper] inspector2:Disable on the account by root');
    expect(alert.text).toContain('Resource:    none (an account-wide setting)');
    expect(alert.attributes).toEqual({ kind: 'tamper', severity: 'CRITICAL', repository: 'unknown', account: '111111111111', actor: 'other' });
  });

  test('long request parameters are shortened', () => {
    const big = copy(setPolicy, (e) => { e.detail.requestParameters.policyText = 'x'.repeat(10000); });
    expect(buildAlert(config, parseApiCall(big)).text).toMatch(/\[\.\.\. \d+ more characters\]/);
  });
});

describe('processEvent', () => {
  test('one alert per CloudTrail event, however often it is delivered', async () => {
    expect(await processEvent(setPolicy, config, deps())).toBe('published');
    expect(await processEvent(copy(setPolicy, (e) => { e.id = 'redelivered'; }), config, deps())).toBe('duplicate');
    expect(await processEvent(deleteDenied, config, deps())).toBe('published');
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0].args[0].input.MessageAttributes!.kind.StringValue).toBe('tamper');
    expect(db.requestsOf('PutItem')[0].Item.pk.S).toBe('cloudtrail#0e4b2c7a-9d1f-4a3b-8c5d-6e7f8a9b0c1d');
    expect((await db.keys(config.tableName)).sort()).toEqual([`cloudtrail#${deleteDenied.detail.eventID}`, 'cloudtrail#0e4b2c7a-9d1f-4a3b-8c5d-6e7f8a9b0c1d'].sort());
  });

  test('a key past its expiry counts as new (TTL deletes lazily)', async () => {
    await processEvent(setPolicy, config, deps());
    clock += (config.dedupTtlSeconds + 1) * 1000;
    expect(await processEvent(setPolicy, config, deps())).toBe('published');
  });

  test('an SNS failure throws, and the retry publishes', async () => {
    sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('Topic not found'), { name: 'NotFoundException' })).resolves({ MessageId: 'm-2' });
    await expect(processEvent(setPolicy, config, deps())).rejects.toThrow('Topic not found');
    await expect(processEvent(setPolicy, config, deps())).resolves.toBe('published');
  });
});

describe('handler', () => {
  const saved = { ...process.env };
  afterAll(() => { process.env = saved; });
  // The handler logs one JSON line per event to stdout, as Lambda wants: captured and checked.
  let logged: any[] = [];
  beforeEach(() => {
    logged = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((line) => { logged.push(JSON.parse(String(line))); return true; });
  });
  afterEach(() => jest.restoreAllMocks());

  test('reads the environment and alerts the deployment role', async () => {
    Object.assign(process.env, ENV, db.env());
    await expect(handler(deploymentRole)).resolves.toBe('published');
    await expect(handler(inspectorDisable)).resolves.toBe('published');
    await expect(handler({})).rejects.toThrow(/detail-type is missing/);
    expect(logged.map((l) => [l.level, l.message])).toEqual([['INFO', 'alert published'], ['INFO', 'alert published'], ['ERROR', 'event not processed']]);
  });
});
