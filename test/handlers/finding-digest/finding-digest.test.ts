import { PublishCommand } from '@aws-sdk/client-sns';
import { FindingDigestConfig, loadDigestConfig } from '../../../handlers/finding-digest/config';
import { closureKind, parseDigestMessage, planDigest, processDigestBatch, processDigestMessage } from '../../../handlers/finding-digest';
import type { DigestFinding } from '../../../handlers/finding-digest/store';
import { processFindingEvent } from '../../../handlers/finding-tracker';
import { imageKey, recordScanMailed } from '../../../handlers/shared/finding-state';
import { capturedLogger, FakeSqs, findingEvent, IMAGE, iso, QUEUE_URL, T0, useDynalite, TOPIC_ARN } from '../finding-tracker/support';

const dynalite = useDynalite('digest');
const db = { get client() { return dynalite.db().client; } };
const PK = imageKey(IMAGE);
// The sample's initial scan: findings first observed Dec 3, 2021, 6:02:30 PM, image pushed at 6:02:13 PM.
const SCAN_DONE = Date.parse('2021-12-03T18:02:31Z');
const LATER = { firstObservedAt: 'Dec 20, 2021, 9:00:00 AM' };

class FakeSns {
  public readonly published: PublishCommand['input'][] = [];
  public failNext = 0;
  async send(command: PublishCommand): Promise<{ MessageId: string }> {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('injected SNS failure'), { name: 'InternalErrorException' });
    }
    this.published.push(command.input);
    return { MessageId: `m-${this.published.length}` };
  }
  text(i = 0): string {
    return JSON.parse(this.published[i].Message!).default;
  }
}

async function setup(overrides: Partial<FindingDigestConfig> = {}) {
  const table = await dynalite.newTable();
  const config: FindingDigestConfig = { stateTable: table, queueUrl: QUEUE_URL, windowSeconds: 300, notifyClosed: false, topicArn: TOPIC_ARN, locale: 'en', ...overrides };
  const sqs = new FakeSqs();
  const sns = new FakeSns();
  const log = capturedLogger();
  let now = T0;
  const deps = { dynamodb: db.client, sqs, sns, logger: log.logger, now: () => now };
  let delivered = 0;
  return {
    table, config, sqs, sns, log, deps,
    setNow: (minutes: number) => { now = T0 + minutes * 60_000; },
    track: (event: unknown) => processFindingEvent(event, config, deps),
    scanMailed: () => recordScanMailed(db.client, table, IMAGE, SCAN_DONE, now),
    /** Runs the digests SQS would deliver now (in order), as the digest function. */
    flush: async () => {
      const results = [];
      const due = sqs.sent.length; // messages sent while flushing are delivered by a later flush
      while (delivered < due) results.push(await processDigestMessage(JSON.stringify(sqs.sent[delivered++].body), config, deps));
      return results;
    },
  };
}

describe('finding digest, tracker and digest together on dynalite', () => {
  test('one mail per image for what is new, worst first, with open counts, kind new-findings and urgency attributes', async () => {
    const t = await setup();
    await t.scanMailed();
    await t.track(findingEvent({ time: iso(0) })); // covered by the scan mail
    await t.track(findingEvent({ time: iso(1), findingId: 'medium', cve: 'CVE-2026-1111', ...LATER, epss: 0.01 }));
    await t.track(findingEvent({ time: iso(2), findingId: 'critical', cve: 'CVE-2026-2222', severity: 'CRITICAL', ...LATER,
      exploitAvailable: 'YES', fixAvailable: 'YES', fixedInVersion: '1.4.3-12.amzn2.3', epss: 0.91 }));
    await t.track(findingEvent({ time: iso(3), findingId: 'critical', cve: 'CVE-2026-2222', severity: 'CRITICAL', ...LATER,
      exploitAvailable: 'YES', fixAvailable: 'YES', fixedInVersion: '1.4.3-12.amzn2.3', epss: 0.92, updatedAt: 'Dec 21, 2021, 1:00:00 AM' }));
    expect(t.sqs.sent).toHaveLength(1);
    t.setNow(5);
    const [result] = await t.flush();
    expect(result).toMatchObject({ outcome: 'published', handled: 2 });
    expect(t.sns.published).toHaveLength(1);
    const input = t.sns.published[0];
    expect(input.Subject).toBe('[Inspector] 2 new findings (worst CRITICAL) - amazon/amazon-ecs-sample:latest');
    expect(input.MessageAttributes).toMatchObject({
      kind: { DataType: 'String', StringValue: 'new-findings' },
      severity: { StringValue: 'CRITICAL' },
      repository: { StringValue: 'amazon/amazon-ecs-sample' },
      account: { StringValue: '123456789012' },
      exploitable: { StringValue: 'YES' },
      fixable: { StringValue: 'YES' },
      // EPSS as of the last material change: an EPSS-only update (0.92) is not written, by design.
      epss: { DataType: 'Number', StringValue: '0.91' },
    });
    const text = t.sns.text();
    expect(text.indexOf('CVE-2026-2222')).toBeLessThan(text.indexOf('CVE-2026-1111'));
    expect(text).not.toContain('CVE-2019-17498'); // covered by the scan mail
    expect(text).toContain('CRITICAL 1, HIGH 0, MEDIUM 2, LOW 0, other 0 (total 3)');
    expect(text).toContain('libssh2 1.4.3-12.amzn2.2, fixed in: 1.4.3-12.amzn2.3');
    const data = JSON.parse(JSON.parse(input.Message!).sqs);
    expect(data.newFindings.map((f: any) => f.id)).toEqual(['CVE-2026-2222', 'CVE-2026-1111']);

    // Nothing pending any more: a timestamp-only update sends nothing, and no digest is scheduled.
    t.setNow(60);
    await t.track(findingEvent({ time: iso(60), findingId: 'medium', cve: 'CVE-2026-1111', ...LATER, updatedAt: 'Dec 22, 2021, 1:00:00 AM' }));
    expect(t.sqs.sent).toHaveLength(1);
  });

  test('Finding events before the Scan event: the digest finds the scan mail recorded meanwhile and mails nothing', async () => {
    const t = await setup();
    await t.track(findingEvent({ time: iso(0) }));
    await t.scanMailed();
    t.setNow(5);
    expect((await t.flush())[0]).toMatchObject({ outcome: 'nothing', handled: 1 });
    expect(t.sns.published).toHaveLength(0);
  });

  test('Finding events of an initial scan with no scan mail yet: the digest waits once, then mails them if the Scan event never came', async () => {
    const t = await setup();
    await t.track(findingEvent({ time: iso(0) }));
    t.setNow(5);
    expect((await t.flush())[0]).toMatchObject({ outcome: 'deferred' });
    expect(t.sqs.sent[1]).toMatchObject({ delaySeconds: 900, body: { pk: PK, deferrals: 1 } });
    t.setNow(20);
    expect((await t.flush())[0]).toMatchObject({ outcome: 'published' });
    expect(t.sns.published).toHaveLength(1);
  });

  test('a reopened finding is mailed as new, though first observed by the initial scan', async () => {
    const t = await setup();
    await t.scanMailed();
    await t.track(findingEvent({ time: iso(0) }));
    await t.track(findingEvent({ time: iso(1), status: 'CLOSED' }));
    await t.track(findingEvent({ time: iso(2), status: 'ACTIVE' }));
    t.setNow(10);
    expect((await t.flush())[0]).toMatchObject({ outcome: 'published' });
    expect(t.sns.text()).toContain('CVE-2019-17498');
  });

  test('notifyClosed: a closure that leaves other findings open is reported as fixed', async () => {
    const t = await setup({ notifyClosed: true });
    await t.scanMailed();
    await t.track(findingEvent({ time: iso(0) }));
    await t.track(findingEvent({ time: iso(0), findingId: 'other', cve: 'CVE-2026-3333' }));
    t.setNow(1);
    await t.track(findingEvent({ time: iso(1), status: 'CLOSED', lastInUseAt: 'Nov 30, 2026, 9:00:00 AM' }));
    t.setNow(6);
    expect((await t.flush())[0]).toMatchObject({ outcome: 'published' });
    expect(t.sns.published[0].Subject).toBe('[Inspector] 1 fixed - amazon/amazon-ecs-sample:latest');
    expect(t.sns.text()).toContain('Fixed: Amazon Inspector no longer reports these for this image');
  });

  test('notifyClosed: every open finding of an image closing together is an expiry, never "fixed"', async () => {
    const t = await setup({ notifyClosed: true });
    await t.scanMailed();
    await t.track(findingEvent({ time: iso(0) }));
    await t.track(findingEvent({ time: iso(0), findingId: 'other', cve: 'CVE-2026-3333' }));
    t.setNow(1);
    await t.track(findingEvent({ time: iso(1), status: 'CLOSED' }));
    await t.track(findingEvent({ time: iso(1), findingId: 'other', cve: 'CVE-2026-3333', status: 'CLOSED' }));
    t.setNow(6);
    await t.flush();
    expect(t.sns.published[0].Subject).toBe('[Inspector] no longer scanned - amazon/amazon-ecs-sample:latest');
    expect(t.sns.text()).toContain('They are NOT fixed');
    expect(t.sns.text()).not.toContain('Fixed:');
  });

  test('a failed publish is thrown, the findings stay pending, and the redelivered digest mails them once', async () => {
    const t = await setup();
    await t.scanMailed();
    await t.track(findingEvent({ time: iso(0), findingId: 'new', ...LATER }));
    t.sns.failNext = 1;
    t.setNow(5);
    const body = JSON.stringify(t.sqs.sent[0].body);
    const batch = await processDigestBatch({ Records: [{ messageId: 'q-1', body }] }, t.config, t.deps);
    expect(batch).toEqual({ batchItemFailures: [{ itemIdentifier: 'q-1' }] });
    expect(t.log.lines.some((l) => l.level === 'ERROR' && /Publishing to SNS failed/.test(l.message))).toBe(true);
    expect(await processDigestBatch({ Records: [{ messageId: 'q-1', body }] }, t.config, t.deps)).toEqual({ batchItemFailures: [] });
    expect(t.sns.published).toHaveLength(1);
  });

  test('DynamoDB failures are thrown (SQS retries, then the dead-letter queue keeps the digest)', async () => {
    const t = await setup();
    const failing = { send: async () => { throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' }); } };
    await expect(processDigestMessage(JSON.stringify({ pk: PK, dueAt: T0 }), t.config, { ...t.deps, dynamodb: failing as any })).rejects.toThrow(/throttled/);
  });

  test('an SQS failure while deferring is thrown, so the digest is delivered again', async () => {
    const t = await setup();
    await t.track(findingEvent({ time: iso(0) }));
    t.sqs.failNext = 1;
    await expect(processDigestMessage(JSON.stringify(t.sqs.sent[0].body), t.config, t.deps)).rejects.toThrow(/injected SQS failure/);
  });

  test('a digest outdated by a later schedule of the same image does nothing', async () => {
    const t = await setup();
    await t.track(findingEvent({ time: iso(0), ...LATER }));
    const result = await processDigestMessage(JSON.stringify({ pk: PK, dueAt: T0 - 60_000 }), t.config, t.deps);
    // dynalite may not return the item on a failed condition; then the digest runs, and the real one finds nothing.
    expect(['superseded', 'deferred', 'published']).toContain(result.outcome);
    await t.flush();
    expect(t.sns.published.length).toBeLessThanOrEqual(1);
  });

  test('Japanese mails keep an ASCII subject', async () => {
    const t = await setup({ locale: 'ja' });
    await t.scanMailed();
    await t.track(findingEvent({ time: iso(0), findingId: 'new', ...LATER }));
    t.setNow(5);
    await t.flush();
    expect(t.sns.published[0].Subject).toMatch(/^[\x20-\x7e]+$/);
    expect(t.sns.text()).toContain('新しい検出結果');
  });
});

describe('digest decisions (pure)', () => {
  const f = (over: Partial<DigestFinding>): DigestFinding => ({
    sk: 'f#a', findingArn: 'a', status: 'ACTIVE', severity: 'HIGH', fp: 'x', notified: true, initial: false, eventTimeMs: T0, finding: {}, tags: [], region: 'us-east-2', ...over,
  });
  const open = (n: number) => ({ critical: 0, high: n, medium: 0, low: 0, other: 0, total: n });

  test('closureKind: fixes while others stay open; an expiry when everything closed together or the image aged out', () => {
    expect(closureKind([f({ status: 'CLOSED' })], open(2))).toBe('fixed');
    expect(closureKind([f({ status: 'CLOSED' }), f({ status: 'CLOSED', findingArn: 'b' })], open(0))).toBe('expired');
    expect(closureKind([f({ status: 'CLOSED', imageActivityMs: T0 - 20 * 86400_000 })], open(0))).toBe('expired');
    expect(closureKind([f({ status: 'CLOSED', imageActivityMs: T0 - 2 * 86400_000 })], open(0))).toBe('fixed');
  });

  test('closures of an aged image that leave findings open wait once for the rest of a possible expiry', () => {
    const aged = f({ status: 'CLOSED', pending: 'closed', imageActivityMs: T0 - 20 * 86400_000 });
    const still = f({ findingArn: 'b', sk: 'f#b' });
    expect(planDigest({}, [aged, still], 0).action).toBe('defer');
    expect(planDigest({}, [aged, still], 1)).toMatchObject({ action: 'mail', closure: 'fixed' });
  });

  test('nothing pending: nothing to mail', () => {
    expect(planDigest({}, [f({})], 0)).toMatchObject({ action: 'none' });
  });

  test.each([
    ['not JSON', 'x', /not JSON/],
    ['no image key', '{"pk":"x","dueAt":1}', /pk is not an image key/],
    ['no due time', JSON.stringify({ pk: PK }), /dueAt is not a number/],
    ['bad deferrals', JSON.stringify({ pk: PK, dueAt: 1, deferrals: -1 }), /deferrals is not a count/],
  ])('a bad message is rejected: %s', (_n, body, message) => {
    expect(() => parseDigestMessage(body)).toThrow(message);
  });

  test('configuration: the tracker\'s, plus TOPIC_ARN and LOCALE', () => {
    const env = { STATE_TABLE: 'state', QUEUE_URL, TOPIC_ARN };
    expect(loadDigestConfig({ ...env, LOCALE: 'ja' })).toMatchObject({ topicArn: TOPIC_ARN, locale: 'ja', windowSeconds: 300 });
    expect(() => loadDigestConfig({ ...env, LOCALE: 'fr' })).toThrow(/LOCALE is "fr"/);
    expect(() => loadDigestConfig({ ...env, TOPIC_ARN: 'ops' })).toThrow(/TOPIC_ARN is "ops"/);
  });
});
