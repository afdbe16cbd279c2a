import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Inspector2Client, ListFindingAggregationsCommand } from '@aws-sdk/client-inspector2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { dedupKey, handler, loadConfig, parseAlerts, processEvent, RuntimeThreatDeps } from '../../../handlers/runtime-threat/index';
import { dynamoDedupStore } from '../../../handlers/shared/dedup';
import { createLogger } from '../../../handlers/shared/logger';
import { LocalDynamoDb } from '../../support/dynamodb';
import { answerInspector, falcoEvent, fixture } from './support';

const TOPIC = 'arn:aws:sns:us-west-2:111111111111:alerts';
const ENV = { TOPIC_ARN: TOPIC, DEDUP_TABLE: 'Dedup-Table_1', AWS_REGION: 'us-west-2' };
const config = loadConfig(ENV);
const sns = mockClient(SNSClient);
const inspector = mockClient(Inspector2Client);
let db: LocalDynamoDb;
let ddb: DynamoDBClient;
const lines: any[] = [];
const NOW = Date.UTC(2026, 10, 30, 10, 0, 0);
const deps = (now = NOW): RuntimeThreatDeps => ({
  sns: new SNSClient({}),
  inspector: new Inspector2Client({ region: 'us-west-2' }),
  dedup: dynamoDedupStore(ddb, config.tableName, config.windowSeconds, () => now),
  log: createLogger({ write: (line) => lines.push(JSON.parse(line)), level: 'debug' }),
});
const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const failure = (name: string) => Object.assign(new Error(name), { name });

beforeAll(async () => {
  db = await LocalDynamoDb.start();
  ddb = db.client();
});

afterAll(() => db.close());

beforeEach(async () => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  answerInspector(inspector);
  db.configure({});
  await db.resetTable(config.tableName);
  lines.length = 0;
});

describe('loadConfig', () => {
  test('defaults: a 15-minute window, LOW and above, 5 findings, no policy', () => {
    expect(config).toEqual({ topicArn: TOPIC, tableName: 'Dedup-Table_1', windowSeconds: 900, minSeverity: 'LOW', topFindings: 5, policy: undefined, region: 'us-west-2' });
    expect(loadConfig({ ...ENV, MIN_SEVERITY: 'HIGH', TOP_FINDINGS: '0', DEDUP_TTL_SECONDS: '60', IMAGE_POLICY: '{"allowedPrefixes":["a.b/"]}' }))
      .toMatchObject({ minSeverity: 'HIGH', topFindings: 0, windowSeconds: 60, policy: { allowedPrefixes: ['a.b/'] } });
  });
  test.each([
    [{ TOPIC_ARN: undefined }, /TOPIC_ARN is not set.*RuntimeThreatAlerts construct sets it/],
    [{ DEDUP_TABLE: 'x' }, /DEDUP_TABLE is "x"/],
    [{ MIN_SEVERITY: 'UNTRIAGED' }, /MIN_SEVERITY is "UNTRIAGED"; expected one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL/],
    [{ TOP_FINDINGS: '21' }, /TOP_FINDINGS is "21"; expected a whole number from 0 to 20/],
    [{ DEDUP_TTL_SECONDS: '0' }, /DEDUP_TTL_SECONDS is "0"; expected a positive integer/],
    [{ IMAGE_POLICY: '{"allowedPrefixes":[]}' }, /IMAGE_POLICY .*allowedPrefixes is not a non-empty list/],
    [{ AWS_REGION: undefined }, /AWS_REGION is not set; expected a region/],
  ])('%j throws a clear error', (change, message) => {
    expect(() => loadConfig({ ...ENV, ...change })).toThrow(message);
  });
});

describe('processEvent', () => {
  test('a GuardDuty EKS finding: one message, linked to the image, with the runtime attributes', async () => {
    expect(await processEvent(fixture('guardduty-runtime-eks.json'), config, deps())).toEqual(['published']);
    const [input] = published();
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject).toBe('[Runtime HIGH] image has 2 exploitable CRITICAL | PrivilegeEscalation:Runtime/ContainerMountsHos...');
    expect(input.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'runtime' },
      severity: { DataType: 'String', StringValue: 'HIGH' },
      repository: { DataType: 'String', StringValue: 'payments/api' },
      account: { DataType: 'String', StringValue: '111111111111' },
    });
    const message = JSON.parse(input.Message!);
    expect(message.default).toContain('>>> This pod runs an image with 2 exploitable CRITICAL, 1 exploitable HIGH.');
    expect(message.default).toContain('Active findings: 41 (3 CRITICAL, 9 HIGH, 17 MEDIUM)');
    expect(message.default).toContain('CRITICAL CVE-2024-3094 xz-libs 5.6.0 (fixed in 5.6.1)');
    expect(message.default).toContain('mountTarget: /mnt/host');
    expect(JSON.parse(message.sqs)).toMatchObject({ kind: 'runtime', source: 'guardduty', severity: 'HIGH', workload: { kind: 'pod' }, images: [{ status: 'linked' }] });
  });

  test('a Falco alert through SNS: one message, the account from the topic', async () => {
    expect(await processEvent(falcoEvent(), config, deps())).toEqual(['published']);
    const [input] = published();
    expect(input.Subject).toBe('[Runtime LOW] image has 2 exploitable CRITICAL | Terminal shell in container on payments/payment...');
    expect(input.MessageAttributes?.account?.StringValue).toBe('111111111111');
    expect(JSON.parse(input.Message!).default).toMatch(/^Falco reports Terminal shell in container \(LOW, Notice at the source\)/);
  });

  test('a repeat of the rule on the same pod within the window is not alerted again; another rule, another pod, or after the window is', async () => {
    const d = deps();
    expect(await processEvent(falcoEvent(), config, d)).toEqual(['published']);
    expect(await processEvent(falcoEvent((p) => { p.uuid = 'another-alert'; }), config, d)).toEqual(['duplicate']);
    expect(await processEvent(falcoEvent((p) => { p.rule = 'Write below etc'; }), config, d)).toEqual(['published']);
    expect(await processEvent(falcoEvent((p) => { p.output_fields['k8s.pod.name'] = 'payments-api-7d9f8b6c5-zzzzz'; }), config, d)).toEqual(['published']);
    expect(await processEvent(falcoEvent(), config, deps(NOW + 901_000))).toEqual(['published']);
    expect(published()).toHaveLength(4);
    // The duplicate cost no Inspector lookup.
    expect(inspector.commandCalls(ListFindingAggregationsCommand)).toHaveLength(4);
  });

  test('the key is the source, rule and workload', () => {
    const [alert] = parseAlerts(fixture('guardduty-runtime-ecs.json'));
    expect(dedupKey(alert!)).toBe('runtime#guardduty#CryptoCurrency:Runtime/BitcoinTool.B#arn:aws:ecs:us-west-2:111111111111:task/orders/043de9ab3c6f4a3e9c1b2d3e4f5a6b7c');
  });

  test('below the minimum severity: nothing is published or claimed', async () => {
    expect(await processEvent(falcoEvent(), { ...config, minSeverity: 'MEDIUM' }, deps())).toEqual(['below-minimum']);
    expect(published()).toHaveLength(0);
    expect(await db.keys(config.tableName)).toEqual([]);
  });

  test('a non-runtime GuardDuty finding is ignored', async () => {
    expect(await processEvent(fixture('guardduty-recon-portprobe.json'), config, deps())).toEqual(['not-runtime']);
    expect(published()).toHaveLength(0);
    expect(lines).toContainEqual(expect.objectContaining({ message: 'not a Runtime Monitoring finding: ignored', type: 'Recon:EC2/PortProbeUnprotectedPort' }));
  });

  test('a malformed event throws, and nothing is published', async () => {
    await expect(processEvent({ source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: { type: 'Execution:Runtime/ReverseShell', severity: 'x' } }, config, deps()))
      .rejects.toThrow(/detail.severity is "x"/);
    expect(published()).toHaveLength(0);
  });

  test('Inspector failing: the alert still goes out, saying so, with a warning in the log', async () => {
    inspector.on(ListFindingAggregationsCommand).rejects(failure('AccessDeniedException'));
    expect(await processEvent(fixture('guardduty-runtime-eks.json'), config, deps())).toEqual(['published']);
    expect(JSON.parse(published()[0].Message!).default).toContain('Inspector could not be asked (AccessDeniedException)');
    expect(lines).toContainEqual(expect.objectContaining({ level: 'WARN', errorName: 'AccessDeniedException' }));
  });

  test('the dedup table failing: fails open, the alert goes out', async () => {
    db.configure({ fault: (operation) => (operation === 'PutItem' ? { status: 400, errorType: 'ProvisionedThroughputExceededException' } : undefined) });
    expect(await processEvent(fixture('guardduty-runtime-ecs.json'), config, deps())).toEqual(['published']);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'WARN', message: expect.stringMatching(/dedup table failed/) }));
  });

  test('publishing failing: throws, and the key is released so the retry publishes', async () => {
    sns.on(PublishCommand).rejects(failure('InternalErrorException'));
    await expect(processEvent(fixture('guardduty-runtime-ec2.json'), config, deps())).rejects.toThrow('InternalErrorException');
    expect(db.requestsOf('DeleteItem')).toHaveLength(1);
    expect(await db.keys(config.tableName)).toEqual([]);
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    expect(await processEvent(fixture('guardduty-runtime-ec2.json'), config, deps())).toEqual(['published']);
  });

  test('a host alert has no image section and the repository attribute is unknown', async () => {
    await processEvent(fixture('guardduty-runtime-ec2.json'), config, deps());
    const input = published()[0];
    expect(input.MessageAttributes?.repository?.StringValue).toBe('unknown');
    expect(JSON.parse(input.Message!).default).toContain('No container image is named in the alert');
    expect(input.Subject).toBe('[Runtime HIGH] DefenseEvasion:Runtime/ProcessInjection.Proc on instance i-0fedcba9876543210');
  });

  test('an image the policy rejects is named in the headline when Inspector knows nothing', async () => {
    inspector.on(ListFindingAggregationsCommand).resolves({ responses: [] });
    const policy = { allowedPrefixes: ['111111111111.dkr.ecr.us-west-2.amazonaws.com/'], requireDigest: true };
    await processEvent(falcoEvent(), { ...config, policy }, deps());
    const text = JSON.parse(published()[0].Message!).default;
    expect(text).toContain('>>> This pod runs an image the image policy rejects (DIGEST_PINNING).');
    expect(text).toContain('Image policy: REJECTED (DIGEST_PINNING)');
    expect(published()[0].Subject).toMatch(/^\[Runtime LOW\] image rejected by policy \| Terminal shell/);
  });
});

describe('handler', () => {
  const ORIGINAL = process.env;
  afterEach(() => { process.env = ORIGINAL; jest.restoreAllMocks(); });

  test('reads its configuration, publishes, and logs and rethrows a failure', async () => {
    process.env = { ...ORIGINAL, ...db.env(), ...ENV };
    const out: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((line: any) => { out.push(String(line)); return true; });
    expect(await handler(fixture('guardduty-runtime-ecs.json'), { getRemainingTimeInMillis: () => 29_000 })).toEqual(['published']);
    await expect(handler({ hello: 'world' })).rejects.toThrow(/neither a GuardDuty Finding event/);
    expect(out.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'event not processed', errorName: 'InvalidEventError' }));
  });
});
