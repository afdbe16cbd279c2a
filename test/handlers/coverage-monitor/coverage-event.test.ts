import { DescribeImagesCommand, ECRClient, GetRegistryPolicyCommand, GetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../../handlers/coverage-monitor/config';
import { EventDeps, parseCoverageEvent, processCoverageEvent } from '../../../handlers/coverage-monitor/coverage-event';
import { handler, route } from '../../../handlers/coverage-monitor/index';
import { dynamoCoverageState } from '../../../handlers/coverage-monitor/state';
import { createLogger } from '../../../handlers/shared/logger';
import ec2Coverage from '../../fixtures/inspector2-coverage.json';
// The ECR form of the Coverage event is not documented: this fixture follows the documented EC2
// form with the image named in `resources` as Inspector names ECR images (ListCoverage resourceId).
import ecrCoverage from '../../fixtures/inspector2-coverage-ecr-image.json';
import { LocalDynamo, startDynalite } from '../../support/dynalite';

const TOPIC = 'arn:aws:sns:us-east-1:111111111111:alerts';
const DIGEST = ecrCoverage.resources[0].split('/').pop()!;
const ROLE = 'arn:aws:iam::111111111111:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2';
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'DenyOutsideVpc', Effect: 'Deny', Principal: '*', Action: 'ecr:*', Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-0123456789abcdef0' } } }],
});
const copy = (mutate: (e: any) => void = () => undefined): any => {
  const c = JSON.parse(JSON.stringify(ecrCoverage));
  mutate(c);
  return c;
};
const status = (statusCodeValue: string, reason: string) => copy((e) => { e.detail.scanStatus = { statusCodeValue, reason }; });

const sns = mockClient(SNSClient);
const ecr = mockClient(ECRClient);
const lines: string[] = [];
let dynamo: LocalDynamo;
let tables = 0;
let deps: EventDeps;
const clock = Date.UTC(2026, 10, 30, 12);
let config = loadConfig({ TOPIC_ARN: TOPIC, DEDUP_TABLE: 'unused' });

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
  sns.restore();
  ecr.restore();
});
beforeEach(async () => {
  const table = `events-${++tables}`;
  await dynamo.createTable(table);
  config = loadConfig({ TOPIC_ARN: TOPIC, DEDUP_TABLE: table, PENDING_SCAN_THRESHOLD_SECONDS: '3600' });
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  ecr.reset();
  ecr.on(DescribeImagesCommand).resolves({
    imageDetails: [{ imageDigest: DIGEST, imageTags: ['v1'], imageSizeInBytes: 52_000_000, imagePushedAt: new Date(clock - 3 * 3600_000) }],
  });
  ecr.on(GetRepositoryPolicyCommand).resolves({ policyText: POLICY });
  ecr.on(GetRegistryPolicyCommand).rejects(Object.assign(new Error('no registry policy'), { name: 'RegistryPolicyNotFoundException' }));
  lines.length = 0;
  deps = {
    sns: new SNSClient({}), ecr: new ECRClient({}), now: () => clock,
    state: dynamoCoverageState(dynamo.client, table, 3600, () => clock),
    log: createLogger({ write: (line) => lines.push(line) }),
  };
});

const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);

describe('parseCoverageEvent', () => {
  test('the documented EC2 form has no ECR resource', () => {
    expect(parseCoverageEvent(ec2Coverage)).toEqual({
      id: ec2Coverage.id, account: '111122223333', region: 'us-east-1', ecr: undefined,
      status: { statusCode: 'INACTIVE', reason: 'UNMANAGED_EC2_INSTANCE' },
    });
  });
  test('the ECR image form, and the resource in detail.resourceId with statusCode', () => {
    expect(parseCoverageEvent(ecrCoverage).ecr).toEqual({ partition: 'aws', account: '111111111111', repositoryName: 'team/app', imageDigest: DIGEST });
    const other = copy((e) => {
      e.resources = [];
      e.detail.resourceId = 'arn:aws:ecr:us-east-1:111111111111:repository/team/app';
      e.detail.scanStatus = { statusCode: 'ACTIVE', reason: 'SCAN_FREQUENCY_SCAN_ON_PUSH' };
    });
    expect(parseCoverageEvent(other)).toMatchObject({ ecr: { repositoryName: 'team/app' }, status: { statusCode: 'ACTIVE', reason: 'SCAN_FREQUENCY_SCAN_ON_PUSH' } });
  });
  test.each([
    [(e: any) => { e['detail-type'] = 'Inspector2 Scan'; }, /detail-type is string "Inspector2 Scan"; expected "Inspector2 Coverage"/],
    [(e: any) => { delete e.detail.scanStatus; }, /detail.scanStatus is missing; expected an object/],
    [(e: any) => { e.detail.scanStatus.reason = 7; }, /detail.scanStatus.reason is number 7/],
    [(e: any) => { delete e.account; }, /account is missing/],
  ])('a malformed event throws, naming the field (%#)', (mutate, message) => {
    expect(() => parseCoverageEvent(copy(mutate))).toThrow(message);
  });
});

describe('processCoverageEvent', () => {
  test('ACCESS_DENIED: one alert naming the statement that denies the Inspector role, with push time and size', async () => {
    await expect(processCoverageEvent(ecrCoverage, config, deps)).resolves.toBe('alerted');
    const [input] = published();
    expect(input.Subject).toBe('[Scan coverage] Not scanned: team/app:v1 (ACCESS_DENIED)');
    expect(input.MessageAttributes).toMatchObject({ kind: { StringValue: 'coverage' }, repository: { StringValue: 'team/app' }, account: { StringValue: '111111111111' } });
    const message = JSON.parse(input.Message!);
    expect(message.default).toContain('The repository policy denies the role in statement(s): DenyOutsideVpc.');
    expect(message.default).toContain('The registry policy: there is none.');
    expect(message.default).toContain(ROLE);
    expect(message.default).toContain('size: 52.0 MB');
    expect(JSON.parse(message.sqs)).toMatchObject({ kind: 'coverage', event: 'not-scanned', source: 'event', images: [{ imageDigest: DIGEST, tags: ['v1'] }] });
    expect(ecr.commandCalls(GetRepositoryPolicyCommand)[0].args[0].input).toEqual({ repositoryName: 'team/app', registryId: '111111111111' });
  });

  test('once per image and reason: a duplicate delivery is not alerted, a new reason is, and recovery once', async () => {
    await processCoverageEvent(ecrCoverage, config, deps);
    await expect(processCoverageEvent(ecrCoverage, config, deps)).resolves.toBe('unchanged');
    await expect(processCoverageEvent(status('INACTIVE', 'UNSUPPORTED_OS'), config, deps)).resolves.toBe('alerted');
    await expect(processCoverageEvent(status('ACTIVE', 'SUCCESSFUL'), config, deps)).resolves.toBe('recovered');
    await expect(processCoverageEvent(status('ACTIVE', 'SUCCESSFUL'), config, deps)).resolves.toBe('unchanged');
    expect(published().map((p) => p.Subject)).toEqual([
      '[Scan coverage] Not scanned: team/app:v1 (ACCESS_DENIED)',
      '[Scan coverage] Not scanned: team/app:v1 (UNSUPPORTED_OS)',
      '[Scan coverage] Scanning again: team/app:v1',
    ]);
    expect(JSON.parse(published()[2].Message!).default).toContain('Earlier reason: UNSUPPORTED_OS');
  });

  test('concurrent duplicate deliveries publish once', async () => {
    const outcomes = await Promise.all([1, 2, 3].map(() => processCoverageEvent(ecrCoverage, config, deps)));
    expect(outcomes.sort()).toEqual(['alerted', 'unchanged', 'unchanged']);
    expect(published()).toHaveLength(1);
  });

  test('an image scanned all along raises no "scanning again"', async () => {
    await expect(processCoverageEvent(status('ACTIVE', 'SUCCESSFUL'), config, deps)).resolves.toBe('unchanged');
    expect(published()).toHaveLength(0);
  });

  test('EC2 events and repositories not watched are ignored', async () => {
    await expect(processCoverageEvent(ec2Coverage, config, deps)).resolves.toBe('not-ecr');
    const watched = { ...config, repositoryNames: ['team/other'] };
    await expect(processCoverageEvent(ecrCoverage, watched, deps)).resolves.toBe('not-watched');
    expect(published()).toHaveLength(0);
    expect(ecr.calls()).toHaveLength(0);
  });

  test('a first scan pending: not alerted while young, alerted past the threshold', async () => {
    const pending = status('ACTIVE', 'PENDING_INITIAL_SCAN');
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST, imagePushedAt: new Date(clock - 600_000) }] });
    await expect(processCoverageEvent(pending, config, deps)).resolves.toBe('pending');
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST, imagePushedAt: new Date(clock - 2 * 3600_000) }] });
    await expect(processCoverageEvent(pending, config, deps)).resolves.toBe('alerted');
    expect(JSON.parse(published()[0].Message!).default).toContain('pending for longer than 1 hour(s)');
  });

  test('a scan-on-push repository is alerted once for the repository, whatever image the event names', async () => {
    await expect(processCoverageEvent(status('ACTIVE', 'SCAN_FREQUENCY_SCAN_ON_PUSH'), config, deps)).resolves.toBe('alerted');
    const other = status('ACTIVE', 'SCAN_FREQUENCY_SCAN_ON_PUSH');
    other.resources = [`arn:aws:ecr:us-east-1:111111111111:repository/team/app/sha256:${'9'.repeat(64)}`];
    await expect(processCoverageEvent(other, config, deps)).resolves.toBe('unchanged');
    expect(published().map((p) => p.Subject)).toEqual(['[Scan coverage] Not scanned: team/app (SCAN_FREQUENCY_SCAN_ON_PUSH)']);
    const intended = { ...config, expectContinuousScanning: false };
    await expect(processCoverageEvent(status('ACTIVE', 'SCAN_FREQUENCY_SCAN_ON_PUSH'), intended, deps)).resolves.toBe('unchanged');
  });

  test('a repository event: recovery of the repository', async () => {
    const repoEvent = (reason: string) => copy((e) => {
      e.resources = ['arn:aws:ecr:us-east-1:111111111111:repository/team/app'];
      e.detail.scanStatus = { statusCodeValue: 'ACTIVE', reason };
    });
    await expect(processCoverageEvent(repoEvent('SCAN_FREQUENCY_MANUAL'), config, deps)).resolves.toBe('alerted');
    await expect(processCoverageEvent(repoEvent('SUCCESSFUL'), config, deps)).resolves.toBe('recovered');
    expect(published()[1].Subject).toBe('[Scan coverage] Scanning again: team/app');
    expect(ecr.commandCalls(DescribeImagesCommand)).toHaveLength(0);
  });

  test('a terminated resource is forgotten, with no message', async () => {
    await processCoverageEvent(ecrCoverage, config, deps);
    await expect(processCoverageEvent(status('INACTIVE', 'RESOURCE_TERMINATED'), config, deps)).resolves.toBe('forgotten');
    await expect(deps.state.list(10)).resolves.toEqual([]);
    expect(published()).toHaveLength(1);
  });

  test('ECR failing degrades quietly: the alert goes out without push time, and without the policies', async () => {
    ecr.reset();
    ecr.rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(processCoverageEvent(ecrCoverage, config, deps)).resolves.toBe('alerted');
    const text = JSON.parse(published()[0].Message!).default;
    expect(text).toContain('pushed: unknown');
    expect(text).toContain('The repository policy could not be read: check it by hand.');
    expect(text).toContain('The registry policy could not be read: check it by hand.');
    expect(lines.filter((l) => JSON.parse(l).level === 'WARN')).toHaveLength(3);
  });

  test('a failed publish throws and reverts the state, so the retry alerts', async () => {
    sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'Throttling' })).resolves({ MessageId: 'm-2' });
    await expect(processCoverageEvent(ecrCoverage, config, deps)).rejects.toThrow('throttled');
    await expect(processCoverageEvent(ecrCoverage, config, deps)).resolves.toBe('alerted');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });

  test('a member account\'s image, seen by a delegated administrator: the registry and the role of the member account', async () => {
    const member = copy((e) => {
      e.account = '999999999999';
      e.resources = [`arn:aws:ecr:us-east-1:222222222222:repository/team/app/${DIGEST}`];
    });
    await expect(processCoverageEvent(member, config, deps)).resolves.toBe('alerted');
    expect(ecr.commandCalls(DescribeImagesCommand)[0].args[0].input.registryId).toBe('222222222222');
    const text = JSON.parse(published()[0].Message!).default;
    expect(text).toContain('arn:aws:iam::222222222222:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2');
    expect(published()[0].MessageAttributes!.account.StringValue).toBe('222222222222');
    expect(ecr.commandCalls(GetRepositoryPolicyCommand)[0].args[0].input.registryId).toBe('222222222222');
    expect(ecr.commandCalls(GetRegistryPolicyCommand)).toHaveLength(0);
    expect(text).toContain('The registry policy could not be read');
  });

  test('a failed revert is logged as lost', async () => {
    sns.on(PublishCommand).rejects(new Error('down'));
    const broken = { ...deps, state: { ...deps.state, revert: async () => { throw new Error('table gone'); } } };
    await expect(processCoverageEvent(ecrCoverage, config, broken)).rejects.toThrow('down');
    expect(lines.some((l) => /reverting the state failed/.test(l))).toBe(true);
  });
});

describe('route and handler', () => {
  test('route refuses other events', async () => {
    await expect(route({ 'detail-type': 'Inspector2 Scan' }, config, { ...deps, inspector: {} as any, remainingMs: () => 1e9 }))
      .rejects.toThrow(/detail-type is string "Inspector2 Scan"; expected "Inspector2 Coverage" or "Scheduled Event"/);
  });

  test('the handler reads its configuration once and handles a Coverage event', async () => {
    const saved = { ...process.env };
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      process.env.TOPIC_ARN = 'not-an-arn';
      await expect(handler(ec2Coverage)).rejects.toThrow(/TOPIC_ARN is "not-an-arn"/);
      process.env.TOPIC_ARN = TOPIC;
      process.env.DEDUP_TABLE = 'CoverageState';
      await expect(handler(ec2Coverage)).resolves.toBe('not-ecr');
      await expect(handler({ 'detail-type': 'Nope' })).rejects.toThrow(/expected "Inspector2 Coverage" or "Scheduled Event"/);
    } finally {
      process.env = saved;
      write.mockRestore();
    }
  });
});
