/**
 * New-findings bench: a simulated day of continuous scanning for 1,000 images, through the finding
 * tracker and the finding digest (their pure functions, with the real AWS SDK DynamoDB client
 * against dynalite, a DynamoDB implementation, and counting fakes of SQS and SNS), on a virtual
 * clock: digests run when their SQS delay has passed.
 *
 * Before the day, each image had its initial scan mailed and its 10 findings tracked (not
 * counted). During the day 10,000 Finding events arrive: 30 images get a genuinely new CVE, 1%
 * of the events are delivered twice, and the rest are updates that change only timestamps or the
 * EPSS score. Goal: exactly one mail per image with something new (30), none otherwise. The same
 * day with the old behaviour (one mail per Finding event) is reported beside it.
 *
 *   npm run bench -- new-findings
 *   npx ts-node --transpile-only bench/new-findings.bench.ts [--images 1000] [--events 10000] [--new 30]
 */
import './text-templates';
import { AttributeValue, BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PublishCommand } from '@aws-sdk/client-sns';
import type { SendMessageCommand } from '@aws-sdk/client-sqs';
import { processDigestMessage } from '../handlers/finding-digest';
import { processFindingEvent } from '../handlers/finding-tracker';
import { parseFindingEvent } from '../handlers/finding-tracker/event';
import { fingerprint, materialState } from '../handlers/finding-tracker/material';
import { findingItem } from '../handlers/finding-tracker/store';
import { recordScanMailed } from '../handlers/shared/finding-state';
import { createLogger } from '../handlers/shared/logger';
import { findingEvent } from '../test/handlers/finding-tracker/support';
import { startDynalite } from '../test/support/dynalite';
import type { BenchReport, BenchRow } from './support';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

/** List prices, us-east-1, checked December 2026 (on-demand DynamoDB after the November 2024 reduction). */
export const PRICES = {
  lambdaRequest: 0.20 / 1e6,
  /** Arm, per GB-second. */
  lambdaGbSecond: 0.0000133334,
  dynamoRead: 0.125 / 1e6,
  dynamoWrite: 0.625 / 1e6,
  sqsRequest: 0.40 / 1e6,
  snsPublish: 0.50 / 1e6,
  /** Per e-mail delivered, one subscriber. */
  snsEmail: 2.00 / 1e5,
};
/** Memory of both functions (GB). */
const MEMORY_GB = 0.25;
/** Billed duration assumed per invocation (a few DynamoDB calls in the region): 30 ms. */
const ASSUMED_MS = 30;
/** Request units per call: finding items are 1 to 2 KB, the image item small. */
const UNITS = { BatchGetItem: 2, GetItem: 1, Query: 3, PutItem: 2, UpdateItem: 1 } as Record<string, number>;
const READS = new Set(['BatchGetItem', 'GetItem', 'Query']);

/** Tracker invocations running at once. */
const CONCURRENCY = 10;
const DAY_START = Date.parse('2026-12-01T00:00:00Z');
const digestOf = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;

/** A deterministic random number generator (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function inspectorTime(ms: number): string {
  const d = new Date(ms);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${month} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${h % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** What one simulated day measured. */
export interface DayResult {
  readonly events: number;
  readonly mails: number;
  readonly imagesWithNews: number;
  readonly imagesMailed: number;
  readonly imagesMailedTwice: number;
  readonly imagesMailedWithoutNews: number;
  readonly trackerInvocations: number;
  readonly digestInvocations: number;
  readonly dynamoCalls: Record<string, number>;
  readonly sqsSends: number;
  readonly seconds: number;
}

/** Runs the day. */
export async function simulateDay(images: number, events: number, newCves: number, seed = 7): Promise<DayResult> {
  const db = await startDynalite();
  const table = 'bench-state';
  await db.createStateTable(table);
  const calls: Record<string, number> = {};
  let counting = false;
  const dynamodb = {
    send: (command: { constructor: { name: string } }) => {
      if (counting) {
        const op = command.constructor.name.replace(/Command$/, '');
        calls[op] = (calls[op] ?? 0) + 1;
      }
      return db.client.send(command as never);
    },
  } as unknown as DynamoDBClient;
  let now = DAY_START - 86_400_000;
  const queue: { body: string; dueAt: number }[] = [];
  let sqsSends = 0;
  const sqs = { send: async (c: SendMessageCommand) => { sqsSends += counting ? 1 : 0; queue.push({ body: c.input.MessageBody!, dueAt: now + (c.input.DelaySeconds ?? 0) * 1000 }); return {}; } };
  const mailsByImage = new Map<string, number>();
  let mails = 0;
  const sns = {
    send: async (c: PublishCommand) => {
      mails++;
      const repo = c.input.MessageAttributes!.repository.StringValue!;
      mailsByImage.set(repo, (mailsByImage.get(repo) ?? 0) + 1);
      return { MessageId: String(mails) };
    },
  };
  const logger = createLogger({ write: () => undefined });
  const config = { stateTable: table, queueUrl: 'https://sqs.us-east-1.amazonaws.com/111111111111/digests', windowSeconds: 300, notifyClosed: false, topicArn: 'arn:aws:sns:us-east-1:111111111111:scan', locale: 'en' as const };
  const deps = { dynamodb, sqs, sns, logger, now: () => now };
  let trackerInvocations = 0;
  let digestInvocations = 0;
  const runDue = async (until: number) => {
    queue.sort((a, b) => a.dueAt - b.dueAt);
    while (queue.length && queue[0].dueAt <= until) {
      const m = queue.shift()!;
      const saved = now;
      now = Math.max(now, m.dueAt);
      if (counting) digestInvocations++;
      await processDigestMessage(m.body, config, deps);
      now = Math.max(saved, now);
    }
  };

  // Before the day: every image pushed, scanned and mailed; its 10 findings tracked and covered.
  const FINDINGS = 10;
  const event = (image: number, finding: number, timeMs: number, extra: Record<string, unknown> = {}) => findingEvent({
    time: new Date(timeMs).toISOString(),
    findingId: `img${image}-f${finding}`,
    cve: `CVE-2025-${String(image * FINDINGS + finding).padStart(5, '0')}`,
    repositoryName: `team/app-${image}`,
    digest: digestOf(image),
    account: '111111111111',
    firstObservedAt: inspectorTime(DAY_START - 86_400_000),
    pushedAt: inspectorTime(DAY_START - 86_400_000 - 60_000),
    ...extra,
  });
  // Seeded in the state the tracker leaves them in (covered by the scan mail), 25 items a call.
  const seedItems: Record<string, AttributeValue>[] = [];
  for (let i = 0; i < images; i++) {
    await recordScanMailed(db.client, table, { account: '111111111111', repositoryName: `team/app-${i}`, digest: digestOf(i) }, DAY_START - 86_400_000 + 60_000, now);
    for (let f = 0; f < FINDINGS; f++) {
      const parsed = parseFindingEvent(event(i, f, DAY_START - 86_400_000));
      const material = materialState(parsed);
      seedItems.push(findingItem(parsed, { material, fp: fingerprint(material), notified: true, initial: false }, 1, now));
    }
  }
  for (let k = 0; k < seedItems.length; k += 25) {
    await db.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: seedItems.slice(k, k + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }

  // The day: updates of timestamps / EPSS only, 30 new CVEs, 1% delivered twice.
  const random = seeded(seed);
  const newImages = new Set<number>();
  while (newImages.size < newCves) newImages.add(Math.floor(random() * images));
  const duplicates = Math.round(events * 0.01);
  const originals = events - duplicates;
  const day: { at: number; event: unknown }[] = [];
  [...newImages].forEach((image, n) => {
    const at = DAY_START + Math.floor(random() * 86_000_000);
    day.push({ at, event: event(image, 100 + n, at, { firstObservedAt: inspectorTime(at), severity: 'HIGH', epss: 0.3, exploitAvailable: 'YES' }) });
  });
  for (let k = day.length; k < originals; k++) {
    const at = DAY_START + Math.floor(random() * 86_000_000);
    day.push({ at, event: event(Math.floor(random() * images), Math.floor(random() * FINDINGS), at, { updatedAt: inspectorTime(at), epss: Math.round(random() * 1000) / 100000 }) });
  }
  for (let k = 0; k < duplicates; k++) {
    const original = day[Math.floor(random() * originals)];
    day.push({ at: original.at + 1000 + Math.floor(random() * 60_000), event: original.event });
  }
  day.sort((a, b) => a.at - b.at);

  counting = true;
  const started = process.hrtime.bigint();
  // Lambda runs the tracker concurrently: events are handled CONCURRENCY at a time, as they come.
  for (let k = 0; k < day.length; k += CONCURRENCY) {
    const batch = day.slice(k, k + CONCURRENCY);
    await runDue(batch[0].at);
    now = batch[batch.length - 1].at;
    trackerInvocations += batch.length;
    await Promise.all(batch.map(({ event: e }) => processFindingEvent(e, config, deps)));
  }
  await runDue(Number.MAX_SAFE_INTEGER);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await db.close();

  const newRepos = new Set([...newImages].map((i) => `team/app-${i}`));
  return {
    events: day.length,
    mails,
    imagesWithNews: newRepos.size,
    imagesMailed: [...mailsByImage.keys()].filter((r) => newRepos.has(r)).length,
    imagesMailedTwice: [...mailsByImage.values()].filter((n) => n > 1).length,
    imagesMailedWithoutNews: [...mailsByImage.keys()].filter((r) => !newRepos.has(r)).length,
    trackerInvocations,
    digestInvocations,
    dynamoCalls: calls,
    sqsSends,
    seconds,
  };
}

/** Cost of a day at list prices, per 10,000 events. */
export function costPer10k(r: DayResult): { total: number; lambda: number; dynamo: number; sqs: number; sns: number } {
  const scale = 10_000 / r.events;
  const invocations = r.trackerInvocations + r.digestInvocations;
  const lambda = invocations * (PRICES.lambdaRequest + MEMORY_GB * (ASSUMED_MS / 1000) * PRICES.lambdaGbSecond);
  let dynamo = 0;
  for (const [op, n] of Object.entries(r.dynamoCalls)) dynamo += n * (UNITS[op] ?? 1) * (READS.has(op) ? PRICES.dynamoRead : PRICES.dynamoWrite);
  // Each digest message: one send, one receive, one delete.
  const sqs = (r.sqsSends * 3) * PRICES.sqsRequest;
  const sns = r.mails * (PRICES.snsPublish + PRICES.snsEmail);
  return { total: (lambda + dynamo + sqs + sns) * scale, lambda: lambda * scale, dynamo: dynamo * scale, sqs: sqs * scale, sns: sns * scale };
}

/** The old behaviour: one Lambda invocation and one mail per Finding event. */
export function oldCostPer10k(): number {
  return 10_000 * (PRICES.lambdaRequest + MEMORY_GB * (ASSUMED_MS / 1000) * PRICES.lambdaGbSecond + PRICES.snsPublish + PRICES.snsEmail);
}

const usd = (n: number) => `$${n.toFixed(4)}`;

export async function run(): Promise<BenchReport> {
  const images = arg('images', 1000);
  const events = arg('events', 10_000);
  const newCves = arg('new', 30);
  const r = await simulateDay(images, events, newCves);
  const cost = costPer10k(r);
  const dynamoTotal = Object.values(r.dynamoCalls).reduce((a, b) => a + b, 0);
  const perEvent = (n: number) => (n / r.events).toFixed(3);
  const rows: BenchRow[] = [
    { metric: 'Finding events in the day', value: String(r.events), goal: '' },
    { metric: 'mails sent (old behaviour: one per event)', value: `${r.mails} (old: ${r.events})`, goal: `${r.imagesWithNews}`, pass: r.mails === r.imagesWithNews },
    { metric: 'images with something new that got exactly one mail', value: `${r.imagesMailed} of ${r.imagesWithNews}`, goal: 'all', pass: r.imagesMailed === r.imagesWithNews && r.imagesMailedTwice === 0 },
    { metric: 'images mailed without anything new', value: String(r.imagesMailedWithoutNews), goal: '0', pass: r.imagesMailedWithoutNews === 0 },
    { metric: 'Lambda invocations (tracker + digest; old: one per event)', value: `${r.trackerInvocations} + ${r.digestInvocations} (old: ${r.events})`, goal: '' },
    { metric: 'DynamoDB calls per event', value: `${perEvent(dynamoTotal)} (${Object.entries(r.dynamoCalls).map(([k, v]) => `${k} ${v}`).join(', ')})`, goal: '' },
    { metric: 'SNS publishes per event (old: 1)', value: perEvent(r.mails), goal: '' },
    { metric: 'SQS messages sent (digests scheduled)', value: String(r.sqsSends), goal: '' },
    { metric: 'cost per 10,000 events (list prices)', value: `${usd(cost.total)} (Lambda ${usd(cost.lambda)}, DynamoDB ${usd(cost.dynamo)}, SQS ${usd(cost.sqs)}, SNS+e-mail ${usd(cost.sns)})`, goal: '' },
    { metric: 'cost per 10,000 events, old behaviour', value: usd(oldCostPer10k()), goal: '' },
    { metric: 'bench run time of the day (s)', value: r.seconds.toFixed(1), goal: '< 120', pass: r.seconds < 120 },
  ];
  return {
    title: `New findings: a day of ${r.events} Finding events for ${images} images, ${newCves} genuinely new CVEs`,
    rows,
    notes: [
      `Prices: Lambda $0.20/M requests + $0.0000133334/GB-s (arm, 256 MB, ${ASSUMED_MS} ms assumed per invocation); DynamoDB on-demand `
      + '$0.125/M read and $0.625/M write request units (BatchGetItem 2, Query 3, PutItem 2, UpdateItem 1 unit assumed); SQS $0.40/M '
      + 'requests (3 per digest); SNS $0.50/M publishes + $2.00 per 100,000 e-mails (one subscriber). EventBridge delivery of AWS service '
      + 'events to the default bus is free. The old behaviour is counted as one invocation and one e-mail per event, with no DynamoDB.',
    ],
    reproduce: ['npm run bench -- new-findings', `npx ts-node --transpile-only bench/new-findings.bench.ts --images ${images} --events ${events} --new ${newCves}`],
  };
}

if (require.main === module) {
  run().then((report) => {
    for (const row of report.rows) console.log(`${row.metric}: ${row.value}${row.goal ? ` (goal ${row.goal})` : ''}`);
  }).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
