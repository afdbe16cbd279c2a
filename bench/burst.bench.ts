/**
 * Burst bench: 10,000 scan events through the BUILT scan formatter (dist/handlers/scan-formatter)
 * against the local SNS and Inspector2 fakes, which throttle (HTTP 429) 20% of the requests.
 *
 * Models Lambda's asynchronous invocation with reserved concurrency C: C execution environments
 * (each its own copy of the bundle, so its own SDK clients, connection pool and retry quota), each
 * handling one event at a time; an invocation that throws is invoked again (Lambda's 2 retries;
 * Lambda waits a minute or two in between, the bench does not), and after the third failure the
 * event goes to the dead-letter queue. 1% of the events are delivered twice, as EventBridge's
 * at-least-once delivery does. Reports lost events (neither accepted by SNS nor in the DLQ: must
 * be 0), duplicates (accepted by SNS more often than delivered; and redelivered events mailed
 * twice) and throughput.
 *
 * With dedup on (the default, as ScanNotifier deploys it), every environment's handler claims the
 * event id in one shared table, in dynalite (test/support/dynamodb.ts) reached through AWS_ENDPOINT_URL_DYNAMODB,
 * so a redelivered event is mailed once; `--dedup off` runs without the table.
 *
 *   npm run bench -- burst
 *   npx ts-node --transpile-only bench/burst.bench.ts [--events 10000] [--concurrency 10] [--throttle 0.2] [--redeliver 0.01] [--dedup on|off]
 */
import { FakeAws } from '../test/support/fake-aws';
import { LocalDynamoDb } from '../test/support/dynamodb';
import { BuiltHandler, FUNCTION_TIMEOUT_MS, LAMBDA_ATTEMPTS, Ledger, listFindings, loadBuiltHandler, scanEvent, seeded } from '../test/handlers/scan-formatter/faults/support';
import type { BenchReport, BenchRow } from './support';
import { quantile } from './support';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** What one burst measured. */
export interface BurstResult {
  readonly events: number;
  readonly concurrency: number;
  readonly throttle: number;
  readonly seconds: number;
  readonly published: number;
  readonly deadLettered: number;
  readonly lost: number;
  /** Events SNS accepted more than once although EventBridge delivered them once (retries gone wrong). */
  readonly duplicateEvents: number;
  readonly duplicateCopies: number;
  /** Events EventBridge delivered twice (at-least-once delivery), and how many of them were mailed twice. */
  readonly redelivered: number;
  readonly redeliveredMailedTwice: number;
  /** Invocations beyond the first, by Lambda's asynchronous retries. */
  readonly lambdaRetries: number;
  /** Mails sent without findings because Inspector kept throttling. */
  readonly degraded: number;
  readonly durationsMs: number[];
  readonly snsRequests: number;
  readonly inspectorRequests: number;
  readonly tally: Record<string, number>;
  /** Whether the handlers deduplicated through the DynamoDB table (dynalite). */
  readonly dedup: boolean;
  /** Invocations that found their event already notified. */
  readonly skippedDuplicates: number;
}

/** Sends `events` scan events through `concurrency` execution environments of the built handler. */
export async function burst(events: number, concurrency: number, throttle: number, redeliver = 0, seed = 42, dedup = true): Promise<BurstResult> {
  const ledger = new Ledger({ seed, sns: [[throttle, { status: 429 }]], inspector2: [[throttle, { status: 429 }]] });
  const fake = await FakeAws.start({ listFindings, fault: ledger.fault });
  const table = dedup ? await LocalDynamoDb.start() : undefined;
  await table?.createTable('burst-dedup');
  const dedupEnv: Record<string, string> = table
    ? { ...table.env(), DEDUP_TABLE: 'burst-dedup', DEDUP_TTL_SECONDS: '86400' }
    : { DEDUP_TABLE: '', DEDUP_TTL_SECONDS: '' };
  // loadBuiltHandler points process.env at the fakes; restore it, so benches run after this one are not aimed at closed ports.
  const savedEnv = { ...process.env };
  const write = process.stdout.write;
  // The handler logs failed publishes as JSON lines; they would drown the table.
  process.stdout.write = (() => true) as typeof process.stdout.write;
  const trim = setInterval(() => fake.reset(), 2_000); // the fake keeps every request; keep memory flat
  try {
    const environments: BuiltHandler[] = Array.from({ length: concurrency }, () => loadBuiltHandler(fake, dedupEnv));
    const queue: { n: number; attempt: number }[] = Array.from({ length: events }, (_, n) => ({ n, attempt: 1 }));
    // EventBridge delivers at least once: a share of the events arrives a second time, a little later.
    const random = seeded(seed + 1);
    const twice = new Set<number>();
    for (let n = 0; n < events; n++) if (random() < redeliver) twice.add(n);
    for (const n of twice) queue.splice(Math.min(queue.length, n + 1 + Math.floor(random() * 50)), 0, { n, attempt: 1 });
    const durations: number[] = [];
    let published = 0;
    let deadLettered = 0;
    let lambdaRetries = 0;
    let degraded = 0;
    let skippedDuplicates = 0;
    let snsRequests = 0;
    let inspectorRequests = 0;
    const start = performance.now();
    await Promise.all(environments.map(async (handler) => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const t0 = performance.now();
        const deadline = Date.now() + FUNCTION_TIMEOUT_MS;
        try {
          const result = await handler(scanEvent(job.n), { getRemainingTimeInMillis: () => deadline - Date.now() });
          if (result.published) published++;
          if ((result as { skipped?: string }).skipped?.startsWith('duplicate delivery')) skippedDuplicates++;
          if (result.findingsStatus === 'failed') degraded++;
        } catch {
          if (job.attempt < LAMBDA_ATTEMPTS) {
            lambdaRetries++;
            queue.push({ n: job.n, attempt: job.attempt + 1 });
          } else {
            deadLettered++;
          }
        }
        durations.push(performance.now() - t0);
      }
    }));
    const seconds = (performance.now() - start) / 1000;
    for (const [key, count] of Object.entries(ledger.tally)) {
      if (key.startsWith('sns')) snsRequests += count;
      else inspectorRequests += count;
    }
    let duplicateEvents = 0;
    let duplicateCopies = 0;
    let redeliveredMailedTwice = 0;
    for (const [n, accepted] of ledger.accepted) {
      const expected = twice.has(n) ? 2 : 1;
      if (twice.has(n) && accepted >= 2) redeliveredMailedTwice++;
      if (accepted > expected) {
        duplicateEvents++;
        duplicateCopies += accepted - expected;
      }
    }
    let lost = 0;
    for (let n = 0; n < events; n++) if (!ledger.accepted.has(n)) lost++;
    lost -= deadLettered; // kept by the DLQ: not lost
    return {
      events, concurrency, throttle, seconds, published, deadLettered, lost, duplicateEvents, duplicateCopies, redelivered: twice.size, redeliveredMailedTwice,
      lambdaRetries, degraded, durationsMs: durations, snsRequests, inspectorRequests,
      tally: { ...ledger.tally, ...Object.fromEntries(Object.entries(table?.tally ?? {}).map(([k, v]) => [`dynamodb ${k}`, v])) },
      dedup, skippedDuplicates,
    };
  } finally {
    clearInterval(trim);
    process.stdout.write = write;
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    await fake.close();
    await table?.close();
  }
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}

/** Runs the burst bench and returns its report for bench/index.ts. */
export async function run(): Promise<BenchReport> {
  const events = Number(arg('events', process.env.BENCH_BURST_EVENTS ?? '10000'));
  const concurrency = Number(arg('concurrency', process.env.BENCH_BURST_CONCURRENCY ?? '10'));
  const throttle = Number(arg('throttle', '0.2'));
  const redeliver = Number(arg('redeliver', '0.01'));
  const dedup = arg('dedup', process.env.BENCH_BURST_DEDUP ?? 'on') !== 'off';
  const r = await burst(events, concurrency, throttle, redeliver, 42, dedup);
  const mean = r.durationsMs.reduce((a, b) => a + b, 0) / r.durationsMs.length;
  const p99 = quantile(r.durationsMs, 0.99);
  const max = Math.max(...r.durationsMs);
  const perEnvironment = 1000 / mean;
  // Reserved concurrency needed to drain a burst of 10,000 events within 15 minutes at the measured latency.
  const drainTarget = 15 * 60;
  const needed = Math.ceil((10_000 * mean) / 1000 / drainTarget);
  const rows: BenchRow[] = [
    { metric: 'events', value: `${r.events} (${(r.throttle * 100).toFixed(0)}% of SNS and Inspector requests answered 429)`, goal: '' },
    { metric: 'lost (neither published nor in the DLQ)', value: String(r.lost), goal: '0', pass: r.lost === 0 },
    { metric: 'published (invocations that returned)', value: String(r.published), goal: '', pass: undefined },
    { metric: 'dead-lettered after 3 invocations', value: String(r.deadLettered), goal: '', pass: undefined },
    { metric: 'duplicates from retries (SNS accepted an event more often than it was delivered)', value: `${r.duplicateEvents} events, ${r.duplicateCopies} extra copies`, goal: '0', pass: r.duplicateCopies === 0 },
    {
      metric: `redeliveries mailed twice (same event delivered twice; dedup ${r.dedup ? 'on' : 'off'})`,
      value: `${r.redeliveredMailedTwice} of ${r.redelivered} redelivered events mailed twice${r.dedup ? `; ${r.skippedDuplicates} deliveries skipped as duplicates` : ''}`,
      goal: r.dedup ? '0' : '',
      pass: r.dedup ? r.redeliveredMailedTwice === 0 : undefined,
    },
    { metric: 'throughput', value: `${(r.events / r.seconds).toFixed(0)} events/s with ${r.concurrency} environments (${r.seconds.toFixed(1)} s)`, goal: '' },
    { metric: 'invocation time mean / p99 / max', value: `${ms(mean)} / ${ms(p99)} / ${ms(max)}`, goal: `max < ${FUNCTION_TIMEOUT_MS / 1000} s timeout`, pass: max < FUNCTION_TIMEOUT_MS },
    { metric: 'Lambda retries (invocations that threw)', value: `${r.lambdaRetries} (${((r.lambdaRetries / r.events) * 100).toFixed(2)}% of events)`, goal: '' },
    { metric: 'mails without findings (Inspector still throttling after 5 attempts or the findings budget)', value: `${r.degraded} (${((r.degraded / r.events) * 100).toFixed(2)}%)`, goal: '' },
    { metric: 'requests per event, SNS / Inspector', value: `${(r.snsRequests / r.events).toFixed(2)} / ${(r.inspectorRequests / r.events).toFixed(2)}`, goal: '' },
  ];
  return {
    title: `Burst: ${r.events} scan events, ${(r.throttle * 100).toFixed(0)}% throttling, reserved concurrency ${r.concurrency}, dedup ${r.dedup ? 'on' : 'off'}`,
    rows,
    notes: [
      `One environment handles ${perEnvironment.toFixed(1)} events/s at this throttling (mean ${ms(mean)} per invocation, mostly the SDK's backoff on 429).`,
      `Draining 10,000 events within 15 minutes needs a reserved concurrency of at least ${needed}; Lambda queues the rest (up to 6 hours), so nothing is lost below it.`,
      `Request outcomes: ${Object.entries(r.tally).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`,
    ],
    reproduce: [
      'node scripts/bundle-handlers.mjs && npx ts-node --transpile-only bench/burst.bench.ts',
      'npx ts-node --transpile-only bench/burst.bench.ts --dedup off   # without the dedup table: every redelivery is mailed twice',
      'npm run bench -- burst',
    ],
  };
}

if (require.main === module) {
  run().then((report) => {
    console.log(`== ${report.title}\n`);
    for (const row of report.rows) console.log(`${row.metric}: ${row.value}${row.goal ? ` (goal ${row.goal}: ${row.pass === false ? 'MISSED' : 'ok'})` : ''}`);
    for (const note of report.notes ?? []) console.log(`\n${note}`);
    process.exitCode = report.rows.some((r) => r.pass === false) ? 1 : 0;
  }).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
