import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { FindingTrackerConfig, loadTrackerConfig, processFindingEvent } from '../../../handlers/finding-tracker';
import { fingerprint, materialState, moreUrgent } from '../../../handlers/finding-tracker/material';
import { parseFindingEvent } from '../../../handlers/finding-tracker/event';
import { imageKey, recordScanMailed } from '../../../handlers/shared/finding-state';
import { capturedLogger, FakeSqs, findingEvent, IMAGE, iso, QUEUE_URL, T0, useDynalite } from './support';

const dynalite = useDynalite('state');
const db = { get client() { return dynalite.db().client; } };

async function setup(overrides: Partial<FindingTrackerConfig> = {}) {
  const table = await dynalite.newTable();
  const config: FindingTrackerConfig = { stateTable: table, queueUrl: QUEUE_URL, windowSeconds: 300, notifyClosed: false, ...overrides };
  const sqs = new FakeSqs();
  const log = capturedLogger();
  let now = T0;
  const deps = { dynamodb: db.client, sqs, logger: log.logger, now: () => now };
  return {
    table, config, sqs, log, deps,
    setNow: (minutes: number) => { now = T0 + minutes * 60_000; },
    track: (event: unknown, c: FindingTrackerConfig = config) => processFindingEvent(event, c, deps),
    item: async (sk: string) => (await db.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: imageKey(IMAGE) }, sk: { S: sk } }, ConsistentRead: true }))).Item,
  };
}

describe('finding tracker, against dynalite', () => {
  test('a new ACTIVE finding is recorded and schedules ONE digest for its image, delayed by the window', async () => {
    const t = await setup();
    const r = await t.track(findingEvent({ time: iso(0) }));
    expect(r).toEqual({ outcome: 'recorded', pending: 'new', scheduled: true });
    expect(t.sqs.sent).toEqual([{ queueUrl: QUEUE_URL, delaySeconds: 300, body: { pk: imageKey(IMAGE), dueAt: T0 + 300_000 } }]);
    const item = await t.item('f#arn:aws:inspector2:us-east-2:123456789012:finding/be674aaddd0f75ac632055EXAMPLE');
    expect(item?.pending?.S).toBe('new');
    expect(item?.status?.S).toBe('ACTIVE');
    expect((await t.item('image'))?.flushDueAt?.N).toBe(String(T0 + 300_000));
  });

  test('a duplicate delivery, an update of timestamps only and the delegated administrator\'s copy change nothing', async () => {
    const t = await setup();
    await t.track(findingEvent({ time: iso(0) }));
    expect(await t.track(findingEvent({ time: iso(0) }))).toEqual({ outcome: 'unchanged', pending: 'new', scheduled: false });
    const later = findingEvent({ time: iso(180), updatedAt: 'Dec 4, 2021, 9:15:00 AM', epss: 0.0021 });
    later.detail.lastObservedAt = 'Dec 4, 2021, 9:15:00 AM';
    later.detail.inspectorScore = 6.4;
    expect((await t.track(later)).scheduled).toBe(false);
    expect((await t.track(findingEvent({ time: iso(181), eventAccount: '999999999999' }))).scheduled).toBe(false);
    expect(t.sqs.sent).toHaveLength(1);
  });

  test('a second new finding of the same image joins the scheduled digest; another image gets its own', async () => {
    const t = await setup();
    await t.track(findingEvent({ time: iso(0) }));
    t.setNow(1);
    expect(await t.track(findingEvent({ time: iso(1), findingId: 'second', cve: 'CVE-2026-0001' }))).toEqual({ outcome: 'recorded', pending: 'new', scheduled: false });
    await t.track(findingEvent({ time: iso(1), findingId: 'third', digest: 'sha256:' + 'b'.repeat(64) }));
    expect(t.sqs.sent.map((m) => m.body.pk)).toEqual([imageKey(IMAGE), imageKey({ ...IMAGE, digest: 'sha256:' + 'b'.repeat(64) })]);
  });

  test('an event older than the recorded state is ignored (out-of-order delivery)', async () => {
    const t = await setup();
    await t.track(findingEvent({ time: iso(10), severity: 'HIGH' }));
    expect(await t.track(findingEvent({ time: iso(5), severity: 'LOW' }))).toEqual({ outcome: 'stale', scheduled: false });
    expect((await t.item('f#arn:aws:inspector2:us-east-2:123456789012:finding/be674aaddd0f75ac632055EXAMPLE'))?.severity?.S).toBe('HIGH');
  });

  test('findings of other resource types and of repositories not tracked are ignored before any AWS call', async () => {
    const t = await setup({ repositoryNames: new Set(['team/app']) });
    const ec2 = findingEvent();
    ec2.detail.resources = [{ type: 'AWS_EC2_INSTANCE', id: 'i-0123456789abcdef0', details: {} }];
    expect((await t.track(ec2)).outcome).toBe('ignored');
    expect(await t.track(findingEvent())).toEqual({ outcome: 'ignored', reason: 'repository amazon/amazon-ecs-sample is not in REPOSITORY_NAMES', scheduled: false });
    expect(t.sqs.sent).toHaveLength(0);
  });

  test('below minimumSeverity a finding is tracked but not mailed; when its severity rises it is', async () => {
    const t = await setup({ minSeverity: 'HIGH' });
    expect(await t.track(findingEvent({ time: iso(0) }))).toEqual({ outcome: 'recorded', scheduled: false });
    expect(await t.track(findingEvent({ time: iso(1), severity: 'CRITICAL' }))).toEqual({ outcome: 'recorded', pending: 'new', scheduled: true });
  });

  test('findings of the initial scan, when the scan mail was recorded first, are covered: no digest', async () => {
    const t = await setup();
    // The sample finding was first observed on Dec 3, 2021, 6:02:30 PM; the scan completed then.
    await recordScanMailed(db.client, t.table, IMAGE, Date.parse('2021-12-03T18:02:31Z'), T0);
    expect(await t.track(findingEvent({ time: iso(0) }))).toEqual({ outcome: 'recorded', scheduled: false });
    const item = await t.item('f#arn:aws:inspector2:us-east-2:123456789012:finding/be674aaddd0f75ac632055EXAMPLE');
    expect(item?.notified?.BOOL).toBe(true);
    // A CVE found a day later is new.
    expect((await t.track(findingEvent({ time: iso(1), findingId: 'later', firstObservedAt: 'Dec 4, 2021, 6:02:30 PM' }))).scheduled).toBe(true);
  });

  test('an SQS failure is thrown and releases the schedule; the retry of the event schedules the digest', async () => {
    const t = await setup();
    t.sqs.failNext = 1;
    await expect(t.track(findingEvent({ time: iso(0) }))).rejects.toThrow(/injected SQS failure/);
    expect((await t.item('image'))?.flushDueAt).toBeUndefined();
    expect(t.log.lines.some((l) => l.level === 'ERROR' && /Scheduling the digest failed/.test(l.message))).toBe(true);
    expect(await t.track(findingEvent({ time: iso(0) }))).toEqual({ outcome: 'unchanged', pending: 'new', scheduled: true });
    expect(t.sqs.sent).toHaveLength(1);
  });

  test('a schedule whose digest never ran (stale) is claimed again', async () => {
    const t = await setup();
    await t.track(findingEvent({ time: iso(0) }));
    t.setNow(30);
    expect((await t.track(findingEvent({ time: iso(30), findingId: 'other' }))).scheduled).toBe(true);
    expect(t.sqs.sent).toHaveLength(2);
  });

  test('DynamoDB failures are thrown, so Lambda retries the event and the dead-letter queue keeps it', async () => {
    const t = await setup();
    const failing = { send: async () => { throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }); } };
    await expect(processFindingEvent(findingEvent(), t.config, { ...t.deps, dynamodb: failing as unknown as DynamoDBClient })).rejects.toThrow(/throttled/);
    expect(t.sqs.sent).toHaveLength(0);
  });

  test('a write that loses a race with another writer reads again and retries; endless conflicts are thrown', async () => {
    const t = await setup();
    let puts = 0;
    const racing = {
      send: async (command: any) => {
        if (command.constructor.name === 'PutItemCommand' && puts++ === 0) {
          // Another invocation writes the same finding between our read and our write.
          await db.client.send(command);
        }
        return db.client.send(command);
      },
    };
    const r = await processFindingEvent(findingEvent({ time: iso(0) }), t.config, { ...t.deps, dynamodb: racing as unknown as DynamoDBClient });
    expect(r.outcome === 'recorded' || r.outcome === 'unchanged').toBe(true);
    expect(t.sqs.sent).toHaveLength(1);

    const t2 = await setup();
    const alwaysConflict = {
      send: async (command: any) => {
        if (command.constructor.name === 'PutItemCommand') throw Object.assign(new Error('conflict'), { name: 'ConditionalCheckFailedException' });
        return db.client.send(command);
      },
    };
    await expect(processFindingEvent(findingEvent(), t2.config, { ...t2.deps, dynamodb: alwaysConflict as unknown as DynamoDBClient }))
      .rejects.toThrow(/kept changing under 5 attempts/);
  });

  test('closures: reported only with notifyClosed, and only for findings that were mailed while open', async () => {
    const t = await setup({ notifyClosed: true });
    // Opened and closed before any mail: nothing to report.
    await t.track(findingEvent({ time: iso(0) }));
    expect(await t.track(findingEvent({ time: iso(1), status: 'CLOSED' }))).toEqual({ outcome: 'recorded', scheduled: false });

    const mailed = await setup({ notifyClosed: true });
    await recordScanMailed(db.client, mailed.table, IMAGE, Date.parse('2021-12-03T18:02:31Z'), T0);
    await mailed.track(findingEvent({ time: iso(0) }));
    expect(await mailed.track(findingEvent({ time: iso(1), status: 'CLOSED' }))).toEqual({ outcome: 'recorded', pending: 'closed', scheduled: true });

    const quiet = await setup();
    await recordScanMailed(db.client, quiet.table, IMAGE, Date.parse('2021-12-03T18:02:31Z'), T0);
    await quiet.track(findingEvent({ time: iso(0) }));
    expect(await quiet.track(findingEvent({ time: iso(1), status: 'CLOSED' }))).toEqual({ outcome: 'recorded', scheduled: false });
    // Reopened: new again.
    expect((await quiet.track(findingEvent({ time: iso(2), status: 'ACTIVE' }))).pending).toBe('new');
  });

  test('a mailed finding that gets more urgent (a fix, an exploit, a worse severity) is reported as updated; a milder one is not', async () => {
    const t = await setup();
    await recordScanMailed(db.client, t.table, IMAGE, Date.parse('2021-12-03T18:02:31Z'), T0);
    await t.track(findingEvent({ time: iso(0), fixAvailable: 'NO', exploitAvailable: 'NO' }));
    expect((await t.track(findingEvent({ time: iso(1), fixAvailable: 'NO', exploitAvailable: 'NO', severity: 'LOW' }))).pending).toBeUndefined();
    expect((await t.track(findingEvent({ time: iso(2), fixAvailable: 'YES', exploitAvailable: 'NO', severity: 'LOW', fixedInVersion: '1.4.3-12.amzn2.3' }))).pending).toBe('updated');
  });

  test('suppressed findings are recorded, never reported', async () => {
    const t = await setup();
    expect(await t.track(findingEvent({ time: iso(0), status: 'SUPPRESSED' }))).toEqual({ outcome: 'recorded', scheduled: false });
  });
});

describe('material state', () => {
  const base = parseFindingEvent(findingEvent());
  test('timestamps, EPSS and the Inspector score are not material; status, severity, packages, fix and exploit are', () => {
    const fp = fingerprint(materialState(base));
    const noise = findingEvent({ updatedAt: 'Jan 1, 2026, 1:00:00 AM', epss: 0.5 });
    noise.detail.inspectorScore = 9.9;
    noise.detail.description = 'changed';
    expect(fingerprint(materialState(parseFindingEvent(noise)))).toBe(fp);
    for (const change of [{ status: 'CLOSED' }, { severity: 'HIGH' }, { fixedInVersion: '1.4.4' }, { fixAvailable: 'YES' }, { exploitAvailable: 'YES' }]) {
      expect(fingerprint(materialState(parseFindingEvent(findingEvent(change))))).not.toBe(fp);
    }
  });

  test('moreUrgent: worse severity, a fix, an exploit or another package; not the reverse', () => {
    const m = materialState(base);
    expect(moreUrgent(m, { ...m, severity: 'CRITICAL' })).toBe(true);
    expect(moreUrgent(m, { ...m, severity: 'LOW' })).toBe(false);
    expect(moreUrgent({ ...m, fixAvailable: 'NO' }, { ...m, fixAvailable: 'PARTIAL' })).toBe(true);
    expect(moreUrgent({ ...m, fixAvailable: 'YES' }, { ...m, fixAvailable: 'NO' })).toBe(false);
    expect(moreUrgent({ ...m, exploitAvailable: 'NO' }, { ...m, exploitAvailable: 'YES' })).toBe(true);
    expect(moreUrgent(m, { ...m, packages: [...m.packages, 'openssl 1.0.2k -> '] })).toBe(true);
  });
});

describe('finding event parsing', () => {
  test('reads the sample: image, account, timestamps that are not ISO 8601', () => {
    const f = parseFindingEvent(findingEvent());
    expect(f.image).toEqual({ ...IMAGE, tags: ['latest'] });
    expect(f.firstObservedAtMs).toBe(Date.parse('2021-12-03T18:02:30Z'));
    expect(f.pushedAtMs).toBe(Date.parse('2021-12-03T18:02:13Z'));
    expect(f.packages).toEqual([{ name: 'libssh2', version: '1.4.3-12.amzn2.2', fixedInVersion: undefined }]);
    expect(JSON.stringify(f.finding)).not.toContain('integer overflow'); // the long description is not stored
  });

  test.each<[string, (e: any) => void, RegExp]>([
    ['no findingArn', (e) => { delete e.detail.findingArn; }, /detail\.findingArn is missing/],
    ['a bad status', (e) => { e.detail.status = 'OPEN'; }, /detail\.status is string "OPEN"/],
    ['no image resource', (e) => { e.detail.resources[0].type = 'AWS_LAMBDA_FUNCTION'; }, /no resource of type "AWS_ECR_CONTAINER_IMAGE"/],
    ['a bad digest', (e) => { e.detail.resources[0].details.awsEcrContainerImage.imageHash = 'latest'; }, /imageHash is "latest"/],
    ['a bad event time', (e) => { e.time = 'yesterday'; }, /time is "yesterday"/],
    ['a bad account', (e) => { e.detail.awsAccountId = '12'; }, /detail\.awsAccountId is "12"/],
  ])('rejects an event with %s, naming the field', (_name, mutate, message) => {
    const e = findingEvent();
    mutate(e);
    expect(() => parseFindingEvent(e)).toThrow(message);
  });
});

describe('tracker configuration', () => {
  const env = { STATE_TABLE: 'state', QUEUE_URL };
  test('defaults: 5 minutes, closures not reported, every severity and repository', () => {
    expect(loadTrackerConfig(env)).toEqual({ stateTable: 'state', queueUrl: QUEUE_URL, windowSeconds: 300, notifyClosed: false, minSeverity: undefined, repositoryNames: undefined });
    expect(loadTrackerConfig({ ...env, NOTIFY_CLOSED: 'true', MIN_SEVERITY: 'HIGH', REPOSITORY_NAMES: '["team/app"]' }))
      .toMatchObject({ notifyClosed: true, minSeverity: 'HIGH', repositoryNames: new Set(['team/app']) });
  });
  test.each<[Record<string, string>, RegExp]>([
    [{ WINDOW_SECONDS: '901' }, /WINDOW_SECONDS is "901"; expected 1 to 900 seconds/],
    [{ QUEUE_URL: 'digests' }, /QUEUE_URL is "digests"/],
    [{ STATE_TABLE: '' }, /STATE_TABLE is ""/],
    [{ NOTIFY_CLOSED: 'yes' }, /NOTIFY_CLOSED is "yes"/],
    [{ MIN_SEVERITY: 'SEVERE' }, /MIN_SEVERITY is "SEVERE"/],
    [{ REPOSITORY_NAMES: '"team/app"' }, /REPOSITORY_NAMES is/],
  ])('a bad variable is named: %p', (bad, message) => {
    expect(() => loadTrackerConfig({ ...env, ...bad })).toThrow(message);
  });
});
