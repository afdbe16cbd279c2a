import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  buildAlert, findViolations, handler, loadConfig, MonitorConfig, parseTaskStateChange, processEvent,
} from '../../../handlers/deployed-image-monitor/index';
import { AlertDeps } from '../../../handlers/shared/alert';
import { dynamoDedupStore } from '../../../handlers/shared/dedup';
import { createLogger } from '../../../handlers/shared/logger';
import fixture from '../../fixtures/ecs-task-state-change.json';
import { LocalDynamoDb } from '../../support/dynamodb';

const TOPIC = 'arn:aws:sns:us-west-2:111111111111:alerts';
const POLICY = { allowedPrefixes: ['111111111111.dkr.ecr.us-west-2.amazonaws.com/'] };
const ENV = { TOPIC_ARN: TOPIC, DEDUP_TABLE: 'Dedup-Table_1', IMAGE_POLICY: JSON.stringify(POLICY) };
const config: MonitorConfig = loadConfig(ENV);
const event = (mutate: (e: any) => void = () => undefined): any => {
  const copy = JSON.parse(JSON.stringify(fixture));
  mutate(copy);
  return copy;
};

const sns = mockClient(SNSClient);
let db: LocalDynamoDb;
let ddb: DynamoDBClient;
const lines: string[] = [];
const deps = (): AlertDeps => ({
  sns: new SNSClient({}),
  dedup: dynamoDedupStore(ddb, config.tableName, config.dedupTtlSeconds, () => Date.UTC(2026, 10, 23, 10, 0, 0)),
  log: createLogger({ write: (line) => lines.push(line), level: 'debug' }),
});

beforeAll(async () => {
  db = await LocalDynamoDb.start();
  ddb = db.client();
});

afterAll(() => db.close());

beforeEach(async () => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  db.configure({});
  await db.resetTable(config.tableName);
  lines.length = 0;
});

describe('loadConfig', () => {
  test('reads the defaults', () => {
    expect(config).toEqual({ topicArn: TOPIC, tableName: 'Dedup-Table_1', dedupTtlSeconds: 2592000, policy: POLICY, severity: 'HIGH' });
    expect(loadConfig({ ...ENV, SEVERITY: 'CRITICAL', DEDUP_TTL_SECONDS: '60' })).toMatchObject({ severity: 'CRITICAL', dedupTtlSeconds: 60 });
  });
  test.each([
    [{ TOPIC_ARN: undefined }, /TOPIC_ARN is not set; expected the ARN of a standard SNS topic.*DeployedImageMonitor construct sets it/],
    [{ DEDUP_TABLE: 'x' }, /DEDUP_TABLE is "x"; expected the name of a DynamoDB table/],
    [{ IMAGE_POLICY: '{' }, /IMAGE_POLICY is "\{"; expected JSON/],
    [{ IMAGE_POLICY: '{"allowedPrefixes":[]}' }, /IMAGE_POLICY .*allowedPrefixes is not a non-empty list of strings/],
    [{ IMAGE_POLICY: '{"allowedPrefixes":["a/"],"namingPattern":"("}' }, /namingPattern is not a valid regular expression/],
    [{ IMAGE_POLICY: '{"allowedPrefixes":["a/"],"requireDigest":"yes"}' }, /requireDigest is not a boolean/],
    [{ IMAGE_POLICY: '{"allowedPrefixes":["a/"],"rejectedPrefixes":"b/"}' }, /rejectedPrefixes is not a list of strings/],
    [{ IMAGE_POLICY: '{"allowedPrefixes":["a/"],"rejectedPrefixes":[""]}' }, /rejectedPrefixes is not a list of strings/],
    [{ SEVERITY: 'SEVERE' }, /SEVERITY is "SEVERE"; expected one of CRITICAL, HIGH/],
    [{ DEDUP_TTL_SECONDS: '-1' }, /DEDUP_TTL_SECONDS is "-1"; expected a positive integer/],
  ])('%j throws a clear error', (change, message) => {
    expect(() => loadConfig({ ...ENV, ...change })).toThrow(message);
  });
});

describe('parseTaskStateChange and findViolations', () => {
  test('reads the task and its containers from a real event', () => {
    const task = parseTaskStateChange(fixture);
    expect(task).toMatchObject({
      account: '111111111111',
      taskArn: 'arn:aws:ecs:us-west-2:111111111111:task/FargateCluster/c13b4cb40f1f4fe4a2971f76ae5a47ad',
      clusterArn: 'arn:aws:ecs:us-west-2:111111111111:cluster/FargateCluster',
      lastStatus: 'RUNNING',
    });
    expect(task.containers.map((c) => c.name)).toEqual(['app', 'proxy']);
  });

  test('only the Docker Hub container breaks the policy', () => {
    expect(findViolations(config.policy, parseTaskStateChange(fixture))).toEqual([{
      container: 'proxy',
      image: 'nginx:1.19.2',
      imageDigest: expect.stringMatching(/^sha256:/),
      rule: 'ALLOWED_PREFIX',
      reason: expect.stringContaining('docker.io/library/nginx:1.19.2'),
    }]);
  });

  test.each([
    ['a missing detail', (e: any) => delete e.detail, /detail is missing; expected an object/],
    ['another detail-type', (e: any) => { e['detail-type'] = 'ECS Container Instance State Change'; }, /detail-type is string "ECS Container Instance State Change"; expected "ECS Task State Change"/],
    ['a missing task ARN', (e: any) => delete e.detail.taskArn, /detail\.taskArn is missing; expected a non-empty string/],
    ['containers not a list', (e: any) => { e.detail.containers = {}; }, /detail\.containers is object \{\}; expected an array/],
    ['a container without image', (e: any) => delete e.detail.containers[1].image, /detail\.containers\[1\]\.image is missing/],
    ['a numeric image', (e: any) => { e.detail.containers[0].image = 7; }, /detail\.containers\[0\]\.image is number 7/],
  ])('%s is rejected with the field named, and nothing is published', async (_name, mutate, message) => {
    await expect(processEvent(event(mutate), config, deps())).rejects.toThrow(message);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(db.requestsOf('PutItem')).toHaveLength(0);
  });
});

describe('buildAlert', () => {
  const task = parseTaskStateChange(fixture);
  const alert = buildAlert({ ...config, policy: { ...POLICY, namingPattern: 'team/.+', requireDigest: true } }, task, findViolations(config.policy, task));

  test('names the image, the task, the cluster and the rule', () => {
    expect(alert.subject).toBe('[Image policy] 1 image(s) not allowed in task c13b4cb40f1f4fe4a2971f76ae5a47ad (FargateCluster): ALLOWED_PREFIX');
    expect(alert.text).toContain('Container "proxy"\n  Image:  nginx:1.19.2\n  Digest: sha256:');
    expect(alert.text).toContain('Rule:   ALLOWED_PREFIX');
    expect(alert.text).toContain('Cluster:         FargateCluster');
    expect(alert.text).toContain('Task definition: arn:aws:ecs:us-west-2:111111111111:task-definition/web:3');
    expect(alert.text).toContain('https://us-west-2.console.aws.amazon.com/ecs/v2/clusters/FargateCluster/tasks/c13b4cb40f1f4fe4a2971f76ae5a47ad/configuration?region=us-west-2');
    expect(alert.text).toContain('Repository paths must match: /team/.+/');
    expect(alert.text).not.toMatch(/&#x2F;|&quot;|&amp;/);
    expect(alert.text).not.toContain('Container "app"');
  });

  test('sets the message attributes scan mails use', () => {
    expect(alert.attributes).toEqual({ kind: 'image-policy', severity: 'HIGH', repository: 'library/nginx', account: '111111111111' });
    expect(alert.data).toMatchObject({ kind: 'image-policy', taskArn: task.taskArn, violations: [expect.objectContaining({ container: 'proxy' })] });
  });

  test('lists the rejected prefixes only when the policy has some', () => {
    expect(alert.text).not.toContain('except images starting with');
    const withRejected = buildAlert({ ...config, policy: { ...POLICY, rejectedPrefixes: ['111111111111.dkr.ecr.us-west-2.amazonaws.com/docker-hub/'] } },
      task, findViolations(config.policy, task));
    expect(withRejected.text).toContain('except images starting with:\n  - 111111111111.dkr.ecr.us-west-2.amazonaws.com/docker-hub/\n');
  });

  test('a malformed image gives the repository attribute "unknown"', () => {
    const bad = buildAlert(config, task, [{ container: 'x', image: 'Bad Image', rule: 'REFERENCE_FORMAT', reason: 'r' }]);
    expect(bad.attributes.repository).toBe('unknown');
  });
});

describe('processEvent', () => {
  test('a bad task gives one alert through buildPublishInput', async () => {
    await expect(processEvent(event(), config, deps())).resolves.toBe('published');
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0].args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      MessageStructure: 'json',
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: 'image-policy' },
        severity: { DataType: 'String', StringValue: 'HIGH' },
        repository: { DataType: 'String', StringValue: 'library/nginx' },
        account: { DataType: 'String', StringValue: '111111111111' },
      },
    });
    expect(JSON.parse(input.Message!).email).toContain('nginx:1.19.2');
    const put = db.requestsOf('PutItem')[0];
    expect(put).toMatchObject({
      TableName: 'Dedup-Table_1',
      Item: { pk: { S: `task#${fixture.detail.taskArn}` }, expiresAt: { N: String(Date.UTC(2026, 10, 23, 10) / 1000 + 2592000) } },
      ConditionExpression: 'attribute_not_exists(#pk) OR #ttl < :now',
    });
  });

  test('several state changes and duplicate deliveries of one task give one alert', async () => {
    const pending = event((e) => { e.detail.lastStatus = 'PENDING'; e.id = 'other-id'; });
    const stopped = event((e) => { e.detail.lastStatus = 'STOPPED'; e.id = 'third-id'; });
    const outcomes = [];
    for (const e of [pending, event(), event(), stopped]) outcomes.push(await processEvent(e, config, deps()));
    expect(outcomes).toEqual(['published', 'duplicate', 'duplicate', 'duplicate']);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  test('another bad task gets its own alert', async () => {
    await processEvent(event(), config, deps());
    await processEvent(event((e) => { e.detail.taskArn = `${e.detail.taskArn}0`; }), config, deps());
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  test('a compliant task publishes nothing and writes nothing', async () => {
    const ok = event((e) => { e.detail.containers = [e.detail.containers[0]]; });
    await expect(processEvent(ok, config, deps())).resolves.toBe('compliant');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(db.requestsOf('PutItem')).toHaveLength(0);
  });

  test('an SNS failure throws and releases the claim, so the retry alerts', async () => {
    sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' })).resolves({ MessageId: 'm-2' });
    await expect(processEvent(event(), config, deps())).rejects.toThrow('Rate exceeded');
    expect(db.requestsOf('DeleteItem')).toHaveLength(1);
    expect(await db.keys(config.tableName)).toEqual([]);
    expect(lines.some((l) => JSON.parse(l).message === 'publishing the alert failed')).toBe(true);
    await expect(processEvent(event(), config, deps())).resolves.toBe('published');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  test('a failed release is logged and the publish error still thrown', async () => {
    sns.on(PublishCommand).rejects(new Error('SNS down'));
    db.configure({ fault: (operation) => (operation === 'DeleteItem' ? { status: 500 } : undefined) });
    await expect(processEvent(event(), config, deps())).rejects.toThrow('SNS down');
    expect(lines.map((l) => JSON.parse(l).message)).toContain('releasing the dedup key failed: a retry will not publish this alert');
  });

  test('a DynamoDB failure throws and publishes nothing', async () => {
    db.configure({ fault: (operation) => (operation === 'PutItem' ? { status: 400, errorType: 'ProvisionedThroughputExceededException' } : undefined) });
    await expect(processEvent(event(), config, deps())).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
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

  test('reads its configuration from the environment and publishes', async () => {
    Object.assign(process.env, ENV, db.env());
    await expect(handler(event((e) => { e.detail.taskArn += 'handler'; }))).resolves.toBe('published');
    expect(await db.keys(config.tableName)).toEqual([`task#${fixture.detail.taskArn}handler`]);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.TopicArn).toBe(TOPIC);
    expect(logged.map((l) => l.message)).toEqual(['images not allowed', 'alert published']);
  });

  test('rethrows a malformed event', async () => {
    await expect(handler({ source: 'aws.ecs' })).rejects.toThrow(/detail-type is missing/);
    expect(logged).toEqual([expect.objectContaining({ level: 'ERROR', message: 'event not processed', name: 'InvalidEventError' })]);
  });
});
