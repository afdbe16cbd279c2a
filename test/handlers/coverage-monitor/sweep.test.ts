/**
 * The sweep against local fakes of ECR and Inspector2 (test/support/fake-registry.ts), SNS
 * (test/support/fake-aws.ts) and DynamoDB (dynalite), with the real AWS SDK clients on the wire.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { SNSClient } from '@aws-sdk/client-sns';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { CoverageConfig, loadConfig } from '../../../handlers/coverage-monitor/config';
import { route } from '../../../handlers/coverage-monitor/index';
import { dynamoCoverageState } from '../../../handlers/coverage-monitor/state';
import { sweep, SweepDeps } from '../../../handlers/coverage-monitor/sweep';
import { createLogger } from '../../../handlers/shared/logger';
import { LocalDynamo, startDynalite } from '../../support/dynalite';
import { FakeAws } from '../../support/fake-aws';
import { digestOf, FakeImage, FakeRegistry, FakeRepository } from '../../support/fake-registry';

const ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const NOW = Date.UTC(2026, 11, 1, 12);
const HOUR = 3600_000;
const DENY_ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'DenyAll', Effect: 'Deny', Principal: '*', Action: 'ecr:*' }] });

let sns: FakeAws;
let registry: FakeRegistry;
let dynamo: LocalDynamo;
let tables = 0;
let config: CoverageConfig;
let deps: SweepDeps;
const lines: string[] = [];
const savedEnv = { ...process.env };

const image = (n: number, coverage?: FakeImage['coverage'], ageHours = 48, extra: Partial<FakeImage> = {}): FakeImage => ({
  digest: digestOf(n), tags: [`v${n}`], pushedAt: new Date(NOW - ageHours * HOUR), sizeBytes: 10_000_000 + n, coverage, ...extra,
});
const ACTIVE = { statusCode: 'ACTIVE', reason: 'SUCCESSFUL' };
const DENIED = { statusCode: 'INACTIVE', reason: 'ACCESS_DENIED' };

function clients(): Pick<SweepDeps, 'sns' | 'ecr' | 'inspector'> {
  // Retries after 20 ms for the tests; the handler's clients keep the SDK's backoff.
  const retry = { retryStrategy: new ConfiguredRetryStrategy(8, () => 20) };
  return { sns: new SNSClient({ maxAttempts: 2 }), ecr: new ECRClient(retry), inspector: new Inspector2Client(retry) };
}

async function setUp(repositories: FakeRepository[], env: Record<string, string> = {}, registryPolicyText?: string): Promise<void> {
  registry.repositories = repositories;
  registry.configure({ pageSize: 100, emptyPages: false, fault: undefined, registryPolicyText });
  registry.requests.length = 0;
  sns.reset();
  sns.configure({});
  const table = `sweep-${++tables}`;
  await dynamo.createTable(table);
  config = loadConfig({ TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:alerts', DEDUP_TABLE: table, ...env });
  lines.length = 0;
  deps = {
    ...clients(),
    state: dynamoCoverageState(dynamo.client, table, 30 * 24 * 3600, () => NOW),
    log: createLogger({ write: (line) => lines.push(line) }),
    now: () => NOW,
    remainingMs: () => 10 * 60_000,
  };
}

/** The subjects and e-mail texts published since the last call. */
function takeMessages(): Array<{ subject: string; text: string; data: any }> {
  const out = sns.requestsOf('sns').map((r) => {
    const message = JSON.parse(r.form!.Message);
    return { subject: r.form!.Subject, text: message.email, data: JSON.parse(message.sqs) };
  });
  sns.reset();
  return out;
}

beforeAll(async () => {
  [sns, registry, dynamo] = await Promise.all([FakeAws.start(), FakeRegistry.start(), startDynalite()]);
  Object.assign(process.env, sns.env(REGION), registry.env());
});
afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([sns.close(), registry.close(), dynamo.close()]);
});

describe('sweep', () => {
  test('alerts each image not scanned once per reason, grouped per repository and reason; then scanning again, once', async () => {
    await setUp([
      {
        name: 'team/app',
        policyText: DENY_ALL,
        images: [
          image(1, ACTIVE),
          image(2, DENIED),
          image(3, DENIED),
          image(4), // not listed by Inspector at all
          image(5, undefined, 0.2), // pushed 12 minutes ago: within the grace period
          image(6, { statusCode: 'ACTIVE', reason: 'PENDING_INITIAL_SCAN' }, 8),
          image(7, { statusCode: 'ACTIVE', reason: 'PENDING_INITIAL_SCAN' }, 2),
          image(8, { statusCode: 'INACTIVE', reason: 'UNSUPPORTED_OS' }),
        ],
      },
      { name: 'team/push', scanFrequency: 'SCAN_ON_PUSH', images: [image(20, { statusCode: 'ACTIVE', reason: 'SCAN_FREQUENCY_SCAN_ON_PUSH' })] },
      { name: 'team/fine', scanFrequency: 'CONTINUOUS_SCAN', images: [image(30, ACTIVE)] },
    ]);
    const report = await sweep(config, deps, ACCOUNT, REGION);
    expect(report).toMatchObject({ repositories: 3, images: 10, young: 1, notScanned: 6, alerted: 6, recovered: 0, complete: true });
    const messages = takeMessages();
    expect(messages.map((m) => m.subject).sort()).toEqual([
      '[Scan coverage] Not scanned: team/app (2 images) (ACCESS_DENIED)',
      '[Scan coverage] Not scanned: team/app:v4 (NOT_COVERED)',
      '[Scan coverage] Not scanned: team/app:v6 (PENDING_INITIAL_SCAN)',
      '[Scan coverage] Not scanned: team/app:v8 (UNSUPPORTED_OS)',
      '[Scan coverage] Not scanned: team/push (SCAN_FREQUENCY_SCAN_ON_PUSH)',
    ]);
    const denied = messages.find((m) => m.subject.includes('ACCESS_DENIED'))!;
    expect(denied.text).toContain('The repository policy denies the role in statement(s): DenyAll.');
    expect(denied.text).toContain('The registry policy: there is none.');
    expect(denied.data.images.map((i: any) => i.imageDigest)).toEqual([digestOf(2), digestOf(3)]);
    expect(denied.data.images[0]).toMatchObject({ tags: ['v2'], sizeBytes: 10_000_002, pushedAt: new Date(NOW - 48 * HOUR).toISOString() });

    // Nothing changed: nothing is sent again.
    await expect(sweep(config, deps, ACCOUNT, REGION)).resolves.toMatchObject({ notScanned: 6, alerted: 0, recovered: 0 });
    expect(takeMessages()).toEqual([]);

    // The policy is fixed for one image, another changes reason, the scan-on-push repository goes continuous.
    registry.repositories[0].images[1] = image(2, ACTIVE);
    registry.repositories[0].images[2] = image(3, { statusCode: 'INACTIVE', reason: 'IMAGE_SIZE_EXCEEDED' });
    registry.repositories[1] = { ...registry.repositories[1], scanFrequency: 'CONTINUOUS_SCAN', images: [image(20, ACTIVE)] };
    await expect(sweep(config, deps, ACCOUNT, REGION)).resolves.toMatchObject({ alerted: 1, recovered: 2 });
    const after = takeMessages();
    expect(after.map((m) => m.subject).sort()).toEqual([
      '[Scan coverage] Not scanned: team/app:v3 (IMAGE_SIZE_EXCEEDED)',
      '[Scan coverage] Scanning again: team/app:v2',
      '[Scan coverage] Scanning again: team/push',
    ]);
    expect(after.find((m) => m.subject.endsWith('team/app:v2'))!.text).toContain('Earlier reason: ACCESS_DENIED');
    await sweep(config, deps, ACCOUNT, REGION);
    expect(takeMessages()).toEqual([]);

    // An image deleted, and a repository deleted: forgotten without a message.
    registry.repositories[0].images.splice(7, 1);
    registry.repositories.splice(1, 1);
    await sweep(config, deps, ACCOUNT, REGION);
    expect(takeMessages()).toEqual([]);
    const keys = (await deps.state.list(100)).map((i) => i.key).sort();
    expect(keys).toEqual([
      `image#team/app@${digestOf(2)}`, `image#team/app@${digestOf(3)}`, `image#team/app@${digestOf(4)}`, `image#team/app@${digestOf(6)}`,
    ]);
  });

  test('scan-on-push is not alerted where intended; a repository no rule covers always is', async () => {
    await setUp([
      { name: 'team/push', scanFrequency: 'SCAN_ON_PUSH', images: [image(1, { statusCode: 'INACTIVE', reason: 'SCAN_FREQUENCY_SCAN_ON_PUSH' })] },
      { name: 'team/manual', scanFrequency: 'MANUAL', images: [image(2, { statusCode: 'INACTIVE', reason: 'SCAN_FREQUENCY_MANUAL' })] },
    ], { EXPECT_CONTINUOUS_SCANNING: 'false' });
    await sweep(config, deps, ACCOUNT, REGION);
    expect(takeMessages().map((m) => m.subject)).toEqual(['[Scan coverage] Not scanned: team/manual (SCAN_FREQUENCY_MANUAL)']);
  });

  test('with repository names: only those, a missing one skipped with a warning, Inspector filtered by name', async () => {
    await setUp([
      { name: 'team/app', images: [image(1, DENIED)] },
      { name: 'team/other', images: [image(2, DENIED)] },
    ], { REPOSITORY_NAMES: '["team/app","team/gone"]' });
    await expect(sweep(config, deps, ACCOUNT, REGION)).resolves.toMatchObject({ repositories: 1, alerted: 1 });
    expect(takeMessages().map((m) => m.subject)).toEqual(['[Scan coverage] Not scanned: team/app:v1 (ACCESS_DENIED)']);
    expect(lines.some((l) => /a watched repository does not exist/.test(l) && /team\/gone/.test(l))).toBe(true);
    expect(registry.calls('ListCoverage')[0].body.filterCriteria.ecrRepositoryName).toEqual([
      { comparison: 'EQUALS', value: 'team/app' }, { comparison: 'EQUALS', value: 'team/gone' },
    ]);
  });

  test('pages, empty pages with a nextToken and throttling give the same result', async () => {
    const repositories = () => Array.from({ length: 5 }, (_, r) => ({
      name: `team/app-${r}`, images: Array.from({ length: 23 }, (_, i) => image(r * 100 + i, i % 5 === 0 ? DENIED : ACTIVE)),
    }));
    await setUp(repositories());
    const plain = await sweep(config, deps, ACCOUNT, REGION);
    const plainSubjects = takeMessages().map((m) => m.subject).sort();
    await setUp(repositories());
    let n = 0;
    registry.configure({
      pageSize: 4,
      emptyPages: true,
      fault: (r) => ((n++ % 4 === 1) ? { status: r.service === 'inspector2' ? 429 : 400 } : undefined),
    });
    const paged = await sweep(config, deps, ACCOUNT, REGION);
    expect(paged).toMatchObject({ images: plain.images, alerted: plain.alerted, notScanned: plain.notScanned, complete: true });
    expect(takeMessages().map((m) => m.subject).sort()).toEqual(plainSubjects);
    expect(plain.alerted).toBe(25);
    expect(paged.coveragePages).toBeGreaterThan(2 * Math.ceil(115 / 4) - 2);
  });

  test('thousands of images: one message per repository and reason, in bounded time; the second sweep sends nothing', async () => {
    const repositories: FakeRepository[] = Array.from({ length: 4 }, (_, r) => ({
      name: `fleet/service-${r}`,
      images: Array.from({ length: 1500 }, (_, i) => image(r * 10_000 + i, r === 0 ? DENIED : i % 500 === 0 ? { statusCode: 'INACTIVE', reason: 'UNSUPPORTED_OS' } : ACTIVE)),
    }));
    await setUp(repositories);
    registry.configure({ pageSize: 1000 });
    const started = Date.now();
    const first = await sweep(config, deps, ACCOUNT, REGION);
    const firstMs = Date.now() - started;
    expect(first).toMatchObject({ images: 6000, notScanned: 1509, alerted: 1509, complete: true });
    const messages = takeMessages();
    expect(messages).toHaveLength(4);
    const denied = messages.find((m) => m.subject.includes('service-0'))!;
    expect(denied.subject).toBe('[Scan coverage] Not scanned: fleet/service-0 (1500 images) (ACCESS_DENIED)');
    expect(denied.text).toContain('... and 1450 more');
    const restarted = Date.now();
    await expect(sweep(config, deps, ACCOUNT, REGION)).resolves.toMatchObject({ alerted: 0 });
    const secondMs = Date.now() - restarted;
    expect(takeMessages()).toEqual([]);
    // Bounded: the listing is paged (1000 images, 200 coverage entries a page) and only changes are written.
    expect(registry.calls('DescribeImages')).toHaveLength(2 * 4 * 2);
    expect(registry.calls('ListCoverage')).toHaveLength(2 * 30);
    expect(firstMs).toBeLessThan(60_000);
    expect(secondMs).toBeLessThan(30_000);
    if (process.env.COVERAGE_SWEEP_TIMES) process.stdout.write(`coverage sweep of 6000 images: first ${firstMs} ms (1509 alerted), second ${secondMs} ms (nothing to send)\n`);
  });

  test('maxImages and the time left bound the sweep, which says so and still publishes what it found', async () => {
    await setUp([
      { name: 'team/a', images: Array.from({ length: 30 }, (_, i) => image(i, DENIED)) },
      { name: 'team/b', images: [image(100, DENIED)] },
    ], { MAX_IMAGES: '20' });
    registry.configure({ pageSize: 10 });
    await expect(sweep(config, deps, ACCOUNT, REGION)).resolves.toMatchObject({ images: 20, alerted: 20, complete: false });
    expect(lines.some((l) => /the sweep stopped early/.test(l))).toBe(true);
    // A partial listing forgets nothing.
    await expect(deps.state.list(100)).resolves.toHaveLength(20);

    await setUp([{ name: 'team/a', images: [image(1, DENIED)] }]);
    let left = 10 * 60_000;
    const report = await sweep(config, { ...deps, remainingMs: () => (left -= 200_000) }, ACCOUNT, REGION);
    expect(report.complete).toBe(false);
  });

  test('a failed publish is retried by the next sweep; the other messages go out', async () => {
    await setUp([{ name: 'team/a', images: [image(1, DENIED)] }, { name: 'team/b', images: [image(2, DENIED)] }]);
    sns.configure({ fault: (r) => (r.form?.Message.includes('team/a') ? { status: 500 } : undefined) });
    await expect(sweep(config, deps, ACCOUNT, REGION)).rejects.toThrow();
    expect(takeMessages().filter((m) => m.subject).map((m) => m.subject)).toEqual(expect.arrayContaining(['[Scan coverage] Not scanned: team/b:v2 (ACCESS_DENIED)']));
    sns.configure({});
    await expect(sweep(config, deps, ACCOUNT, REGION)).resolves.toMatchObject({ alerted: 1 });
    expect(takeMessages().map((m) => m.subject)).toEqual(['[Scan coverage] Not scanned: team/a:v1 (ACCESS_DENIED)']);
  });

  test.each([
    ['ListCoverage', 'inspector2', 403, 'AccessDeniedException'],
    ['DescribeRepositories', 'ecr', 400, 'AccessDeniedException'],
    ['DescribeImages', 'ecr', 500, 'ServerException'],
  ])('%s failing fails the sweep (Lambda retries, then the dead-letter queue), with nothing published', async (operation, _service, status, errorCode) => {
    await setUp([{ name: 'team/a', images: [image(1, DENIED)] }]);
    registry.configure({ fault: (r) => (r.operation === operation ? { status, errorCode } : undefined) });
    await expect(sweep(config, deps, ACCOUNT, REGION)).rejects.toThrow();
    expect(takeMessages()).toEqual([]);
  });

  test('the state table failing fails the sweep', async () => {
    await setUp([{ name: 'team/a', images: [image(1, DENIED)] }]);
    const broken = { ...deps, state: { ...deps.state, list: async () => { throw new Error('table unavailable'); } } };
    await expect(sweep(config, broken, ACCOUNT, REGION)).rejects.toThrow('table unavailable');
  });

  test('forgetting failures are only logged', async () => {
    await setUp([{ name: 'team/a', images: [image(1, DENIED)] }]);
    await sweep(config, deps, ACCOUNT, REGION);
    registry.repositories = [];
    const broken = { ...deps, state: { ...deps.state, forget: async () => { throw new Error('throttled'); } } };
    await expect(sweep(config, broken, ACCOUNT, REGION)).resolves.toMatchObject({ repositories: 0 });
    expect(lines.some((l) => /forgetting a removed image failed/.test(l))).toBe(true);
  });

  test('the schedule rule\'s event starts the sweep with its account and region', async () => {
    await setUp([{ name: 'team/a', images: [image(1, DENIED)] }]);
    const scheduled = { 'version': '0', 'id': 'x', 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'account': ACCOUNT, 'region': REGION, 'time': '2026-12-01T12:00:00Z', 'resources': [], 'detail': {} };
    await expect(route(scheduled, config, deps)).resolves.toMatchObject({ alerted: 1 });
    expect(takeMessages()[0].text).toContain('Found by: sweep');
  });
});

describe('sweep of many named repositories', () => {
  test('more than 10 names: Inspector is asked without a name filter (it takes at most 10 values), the function filters', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `team/app-${i}`);
    await setUp([...names, 'team/unwatched'].map((name, i) => ({ name, images: [image(i, DENIED)] })), { REPOSITORY_NAMES: JSON.stringify(names) });
    await expect(sweep(config, deps, ACCOUNT, REGION)).resolves.toMatchObject({ repositories: 12, alerted: 12 });
    expect(takeMessages().some((m) => m.subject.includes('unwatched'))).toBe(false);
    expect(registry.calls('ListCoverage')[0].body.filterCriteria.ecrRepositoryName).toBeUndefined();
  });
});
