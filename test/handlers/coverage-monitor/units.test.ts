import { buildProblemAlert, buildRecoveryAlert, CoverageGroup } from '../../../handlers/coverage-monitor/alert';
import { loadConfig, watches } from '../../../handlers/coverage-monitor/config';
import { parseEcrResource } from '../../../handlers/coverage-monitor/listing';
import { blockingStatements, inspectorRoleArn, partitionOf } from '../../../handlers/coverage-monitor/policy-check';
import { judge, judgeFrequency, reasonView } from '../../../handlers/coverage-monitor/reasons';
import { buildPublishInput } from '../../../handlers/shared/notification';

const TOPIC = 'arn:aws:sns:us-east-1:111111111111:alerts';
const ENV = { TOPIC_ARN: TOPIC, DEDUP_TABLE: 'CoverageState' };
const config = loadConfig(ENV);
const ROLE = inspectorRoleArn('aws', '111111111111');
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const options = { expectContinuousScanning: true, pendingScanThresholdSeconds: 3600 };

describe('loadConfig', () => {
  test('defaults', () => {
    expect(config).toEqual({
      topicArn: TOPIC, tableName: 'CoverageState', recoveredTtlSeconds: 2592000, gracePeriodSeconds: 3600,
      pendingScanThresholdSeconds: 21600, expectContinuousScanning: true, repositoryNames: undefined, maxImages: 50000, severity: 'HIGH',
    });
    expect(watches(config, 'any/thing')).toBe(true);
  });
  test('every variable', () => {
    const c = loadConfig({ ...ENV, EXPECT_CONTINUOUS_SCANNING: 'false', REPOSITORY_NAMES: '["team/app"]', GRACE_PERIOD_SECONDS: '600', SEVERITY: 'LOW' });
    expect(c).toMatchObject({ expectContinuousScanning: false, repositoryNames: ['team/app'], gracePeriodSeconds: 600, severity: 'LOW' });
    expect(watches(c, 'team/app')).toBe(true);
    expect(watches(c, 'team/other')).toBe(false);
  });
  test.each([
    [{ TOPIC_ARN: 'nope' }, /TOPIC_ARN is "nope".*ScanCoverageMonitor construct sets it/],
    [{ DEDUP_TABLE: '' }, /DEDUP_TABLE is ""/],
    [{ REPOSITORY_NAMES: '["Team App"]' }, /REPOSITORY_NAMES .*not a list of repository names/],
    [{ REPOSITORY_NAMES: 'team/app' }, /REPOSITORY_NAMES .*expected JSON/],
    [{ EXPECT_CONTINUOUS_SCANNING: 'yes' }, /EXPECT_CONTINUOUS_SCANNING is "yes"; expected one of true, false/],
    [{ GRACE_PERIOD_SECONDS: '-1' }, /GRACE_PERIOD_SECONDS is "-1"; expected a positive integer/],
    [{ SEVERITY: 'NONE' }, /SEVERITY is "NONE"/],
  ])('%j throws a clear error', (change, message) => {
    expect(() => loadConfig({ ...ENV, ...change })).toThrow(message);
  });
});

describe('judge', () => {
  test.each([
    [{ statusCode: 'ACTIVE', reason: 'SUCCESSFUL' }, {}, { kind: 'scanning' }],
    [{ statusCode: 'INACTIVE', reason: 'ACCESS_DENIED' }, {}, { kind: 'problem', reason: 'ACCESS_DENIED', scope: 'image' }],
    [{ statusCode: 'INACTIVE', reason: 'SCAN_ELIGIBILITY_EXPIRED' }, {}, { kind: 'problem', reason: 'SCAN_ELIGIBILITY_EXPIRED', scope: 'image' }],
    [{ statusCode: 'INACTIVE' }, {}, { kind: 'problem', reason: 'INACTIVE_WITHOUT_REASON', scope: 'image' }],
    [{ statusCode: 'ACTIVE', reason: 'PENDING_INITIAL_SCAN' }, { ageSeconds: 60 }, { kind: 'pending' }],
    [{ statusCode: 'ACTIVE', reason: 'PENDING_INITIAL_SCAN' }, {}, { kind: 'pending' }],
    [{ statusCode: 'ACTIVE', reason: 'PENDING_INITIAL_SCAN' }, { ageSeconds: 7200 }, { kind: 'problem', reason: 'PENDING_INITIAL_SCAN', scope: 'image' }],
    [{ statusCode: 'ACTIVE', reason: 'SCAN_FREQUENCY_SCAN_ON_PUSH' }, {}, { kind: 'problem', reason: 'SCAN_FREQUENCY_SCAN_ON_PUSH', scope: 'repository' }],
    [{ statusCode: 'ACTIVE', reason: 'SCAN_FREQUENCY_SCAN_ON_PUSH' }, { expectContinuousScanning: false }, { kind: 'scanning' }],
    [{ statusCode: 'INACTIVE', reason: 'SCAN_FREQUENCY_MANUAL' }, { expectContinuousScanning: false }, { kind: 'problem', reason: 'SCAN_FREQUENCY_MANUAL', scope: 'repository' }],
    [{ statusCode: 'INACTIVE', reason: 'RESOURCE_TERMINATED' }, {}, { kind: 'gone' }],
  ])('%j %j', (status, extra, verdict) => {
    expect(judge(status, { ...options, ...extra })).toEqual(verdict);
  });

  test('repository scan frequencies', () => {
    expect(judgeFrequency('CONTINUOUS_SCAN', true)).toEqual({ kind: 'scanning' });
    expect(judgeFrequency('SCAN_ON_PUSH', true)).toEqual({ kind: 'problem', reason: 'SCAN_FREQUENCY_SCAN_ON_PUSH', scope: 'repository' });
    expect(judgeFrequency('SCAN_ON_PUSH', false)).toEqual({ kind: 'scanning' });
    expect(judgeFrequency('MANUAL', false)).toEqual({ kind: 'problem', reason: 'SCAN_FREQUENCY_MANUAL', scope: 'repository' });
    expect(judgeFrequency(undefined, true)).toBeUndefined();
  });

  test('reasonView explains known reasons and passes others through', () => {
    expect(reasonView('ACCESS_DENIED')).toEqual({ is: { ACCESS_DENIED: true }, otherReason: undefined });
    expect(reasonView('UNSUPPORTED_MEDIA_TYPE')).toEqual({ is: {}, otherReason: 'UNSUPPORTED_MEDIA_TYPE' });
  });
});

describe('parseEcrResource', () => {
  test('image and repository ARNs, with slashes in the name', () => {
    expect(parseEcrResource(`arn:aws:ecr:us-east-1:111111111111:repository/team/app/${DIGEST}`)).toEqual({ partition: 'aws', account: '111111111111', repositoryName: 'team/app', imageDigest: DIGEST });
    expect(parseEcrResource('arn:aws-cn:ecr:cn-north-1:222222222222:repository/team/app')).toEqual({ partition: 'aws-cn', account: '222222222222', repositoryName: 'team/app' });
    expect(parseEcrResource('i-087d63509b8c97098')).toBeUndefined();
    expect(parseEcrResource('arn:aws:lambda:us-east-1:111111111111:function:f')).toBeUndefined();
  });
});

describe('blockingStatements', () => {
  const deny = (extra: object) => ({ Statement: [{ Sid: 'DenyOutsideVpc', Effect: 'Deny', Principal: '*', Action: 'ecr:*', ...extra }] });
  test('a deny of everyone outside a VPC endpoint, without an Inspector exemption, blocks the role', () => {
    expect(blockingStatements(deny({ Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } } }), ROLE)).toEqual(['DenyOutsideVpc']);
  });
  test('an exemption of the role by aws:PrincipalArn lets it through', () => {
    expect(blockingStatements(deny({ Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' }, ArnNotEquals: { 'aws:PrincipalArn': ROLE } } }), ROLE)).toEqual([]);
  });
  test.each([
    [{ Effect: 'Allow' }, []],
    [{ Action: 'ecr:PutImage' }, []],
    [{ Action: ['ecr:BatchGet*'] }, ['DenyOutsideVpc']],
    [{ Action: undefined, NotAction: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'] }, []],
    [{ Action: undefined, NotAction: 'ecr:PutImage' }, ['DenyOutsideVpc']],
    [{ Principal: { AWS: 'arn:aws:iam::222222222222:root' } }, []],
    [{ Principal: { AWS: ['arn:aws:iam::111111111111:root'] } }, ['DenyOutsideVpc']],
    [{ Principal: undefined, NotPrincipal: { AWS: ROLE } }, []],
    [{ Principal: undefined, NotPrincipal: { AWS: 'arn:aws:iam::111111111111:role/ci' } }, ['DenyOutsideVpc']],
    [{ Sid: undefined }, ['#1']],
  ])('%j -> %j', (extra, expected) => {
    expect(blockingStatements(deny(extra), ROLE)).toEqual(expected);
  });
  test('no statements, one statement object', () => {
    expect(blockingStatements({}, ROLE)).toEqual([]);
    expect(blockingStatements({ Statement: { Effect: 'Deny', Principal: { AWS: '*' }, Action: '*' } }, ROLE)).toEqual(['#1']);
  });
  test('partitions', () => {
    expect(partitionOf('cn-north-1')).toBe('aws-cn');
    expect(partitionOf('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOf('eu-west-1')).toBe('aws');
    expect(ROLE).toBe('arn:aws:iam::111111111111:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2');
  });
});

describe('alerts', () => {
  const group: CoverageGroup = {
    account: '111111111111', region: 'us-east-1', repositoryName: 'team/app', scope: 'image', reason: 'ACCESS_DENIED', source: 'sweep',
    inspectorRole: ROLE,
    images: [{ imageDigest: DIGEST, tags: ['v1'], pushedAt: new Date('2026-11-30T10:00:00Z'), sizeBytes: 45_600_000, lastPulledAt: new Date('2026-12-01T08:00:00Z') }],
    policies: [
      { policy: 'repository policy', state: 'found', blocking: ['DenyOutsideVpc'] },
      { policy: 'registry policy', state: 'none', blocking: [] },
    ],
  };

  test('ACCESS_DENIED names the policy and statement that deny the Inspector role, and the fix', () => {
    const n = buildProblemAlert(config, group);
    expect(n.subject).toBe('[Scan coverage] Not scanned: team/app:v1 (ACCESS_DENIED)');
    expect(n.text).toContain('1 image(s) of repository team/app, so no scan mail will come for it.');
    expect(n.text).toContain('- The repository policy denies the role in statement(s): DenyOutsideVpc.');
    expect(n.text).toContain('- The registry policy: there is none.');
    expect(n.text).toContain(`"ArnNotEquals": { "aws:PrincipalArn": "${ROLE}" }`);
    expect(n.text).toContain('pushed: 2026-11-30T10:00:00.000Z, size: 45.6 MB, last pulled: 2026-12-01T08:00:00.000Z');
    expect(n.text).not.toMatch(/&[a-z#0-9]+;/);
    expect(n.attributes).toEqual({ kind: 'coverage', severity: 'HIGH', repository: 'team/app', account: '111111111111' });
    expect(n.data).toMatchObject({ kind: 'coverage', event: 'not-scanned', reason: 'ACCESS_DENIED', imageCount: 1, images: [{ imageDigest: DIGEST, sizeBytes: 45600000 }] });
  });

  test.each([
    ['UNSUPPORTED_OS', 'operating system'], ['IMAGE_SIZE_EXCEEDED', 'larger than Inspector scans'],
    ['ACCESS_DENIED_TO_ENCRYPTION_KEY', 'KMS key'], ['SCAN_ELIGIBILITY_EXPIRED', 're-scan duration'],
    ['PENDING_INITIAL_SCAN', 'pending for longer than 6 hour(s)'], ['NOT_COVERED', 'does not list the image at all'],
    ['UNSUPPORTED_MEDIA_TYPE', 'Inspector gives the reason UNSUPPORTED_MEDIA_TYPE'],
  ])('%s is explained in plain words', (reason, words) => {
    const n = buildProblemAlert(config, { ...group, reason, policies: undefined });
    expect(n.text).toContain(words);
    expect(n.text).not.toContain('Deny statement');
  });

  test('a repository on scan-on-push names the repository, not images', () => {
    const n = buildProblemAlert(config, { ...group, scope: 'repository', reason: 'SCAN_FREQUENCY_SCAN_ON_PUSH', images: [], policies: undefined });
    expect(n.subject).toBe('[Scan coverage] Not scanned: team/app (SCAN_FREQUENCY_SCAN_ON_PUSH)');
    expect(n.text).toContain('the images of repository team/app');
    expect(n.text).toContain('CONTINUOUS_SCAN rule');
    expect(n.text).not.toContain('Images:');
  });

  test('many images: the text lists 50, the payload 500, and both say how many', () => {
    const images = Array.from({ length: 700 }, (_, i) => ({ imageDigest: `sha256:${String(i).padStart(64, '0')}`, tags: [] }));
    const n = buildProblemAlert(config, { ...group, images, policies: undefined });
    expect(n.subject).toBe('[Scan coverage] Not scanned: team/app (700 images) (ACCESS_DENIED)');
    expect(n.text).toContain('... and 650 more (the JSON payload lists up to 500).');
    expect((n.data.images as unknown[]).length).toBe(500);
    expect(n.data.imageCount).toBe(700);
    const input = buildPublishInput(TOPIC, n);
    expect(input.Subject!.length).toBeLessThan(100);
  });

  test('scanning again', () => {
    const n = buildRecoveryAlert({ ...group, reason: undefined, images: [{ ...group.images[0], previousReason: 'ACCESS_DENIED' }] });
    expect(n.subject).toBe('[Scan coverage] Scanning again: team/app:v1');
    expect(n.text).toContain('Earlier reason: ACCESS_DENIED');
    expect(n.attributes.severity).toBe('INFORMATIONAL');
    expect(n.data).toMatchObject({ event: 'scanning-again', previousReasons: ['ACCESS_DENIED'] });
    const repo = buildRecoveryAlert({ ...group, scope: 'repository', reason: undefined, images: [], previousReason: 'SCAN_FREQUENCY_MANUAL' });
    expect(repo.text).toContain('scanning again the images of repository team/app');
    expect(repo.data).toMatchObject({ previousReasons: ['SCAN_FREQUENCY_MANUAL'] });
  });
});
