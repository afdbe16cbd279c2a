/**
 * Fault suite: the BUILT scan formatter (dist/handlers/scan-formatter/index.js, what the construct
 * deploys) with the real AWS SDK against fake SNS and Inspector2 endpoints that throttle (429),
 * fail (5xx), answer slowly and drop connections at set rates.
 *
 * Contract: each invocation either publishes exactly one message and returns, or publishes
 * nothing and throws (so Lambda retries, then the dead-letter queue keeps the event); over
 * Lambda's attempts, every valid event is published exactly once unless SNS loses answers.
 * Inspector failures degrade the mail, never block it. Every invocation ends well within the
 * function timeout.
 */
import { FakeAws } from '../../../support/fake-aws';
import { BuiltHandler, deliver, Delivery, FaultPlan, FUNCTION_TIMEOUT_MS, Ledger, listFindings, loadBuiltHandler, pool } from './support';

let fake: FakeAws;
let handler: BuiltHandler;
let next = 0;

beforeAll(async () => {
  fake = await FakeAws.start({ listFindings });
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  // A fresh execution environment per test: new SDK clients, so one test's spent retry quota
  // (the SDK's token bucket) does not change the next test's odds.
  handler = loadBuiltHandler(fake);
  // The handler logs failures as JSON lines on stdout; keep the test output readable.
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** Sends `count` new events through the handler under a fault plan, `concurrency` at a time. */
async function burst(plan: FaultPlan, count: number, concurrency = 8, attempts?: number): Promise<{ ledger: Ledger; deliveries: Delivery[] }> {
  const ledger = new Ledger(plan);
  fake.reset();
  fake.configure({ listFindings, fault: ledger.fault });
  const events = Array.from({ length: count }, () => next++);
  const deliveries = await pool(events, concurrency, (n) => deliver(handler, n, { attempts }));
  return { ledger, deliveries };
}

/** Every event published exactly once; every failed invocation a clear error; every invocation bounded. */
function expectExactlyOnce(ledger: Ledger, deliveries: Delivery[], boundMs: number): void {
  for (const d of deliveries) {
    expect({ event: d.event, published: d.published }).toEqual({ event: d.event, published: true });
    expect({ event: d.event, accepted: ledger.accepted.get(d.event) }).toEqual({ event: d.event, accepted: 1 });
    for (const e of d.errors) {
      expect(e).toBeInstanceOf(Error);
      expect(e.message.length).toBeGreaterThan(0);
    }
  }
  expect(ledger.accepted.size).toBe(deliveries.length);
  const slowest = Math.max(...deliveries.flatMap((d) => d.durationsMs));
  expect(slowest).toBeLessThan(boundMs);
  expect(slowest).toBeLessThan(FUNCTION_TIMEOUT_MS);
}

test('30% throttling (429) on SNS and Inspector: every event published exactly once', async () => {
  const { ledger, deliveries } = await burst({ seed: 1, sns: [[0.3, { status: 429 }]], inspector2: [[0.3, { status: 429 }]] }, 40, 20);
  expectExactlyOnce(ledger, deliveries, 10_000);
  expect(ledger.tally['sns 429']).toBeGreaterThan(5);
  expect(ledger.tally['inspector2 429']).toBeGreaterThan(5);
});

test('30% server errors (500, 503) on SNS and Inspector: every event published exactly once', async () => {
  const { ledger, deliveries } = await burst({
    seed: 2,
    sns: [[0.15, { status: 500 }], [0.15, { status: 503 }]],
    inspector2: [[0.15, { status: 500 }], [0.15, { status: 503 }]],
  }, 60);
  expectExactlyOnce(ledger, deliveries, 10_000);
  expect((ledger.tally['sns 500'] ?? 0) + (ledger.tally['sns 503'] ?? 0)).toBeGreaterThan(5);
});

test('20% dropped connections on SNS and Inspector: every event published exactly once', async () => {
  const { ledger, deliveries } = await burst({ seed: 3, sns: [[0.2, { drop: true }]], inspector2: [[0.2, { drop: true }]] }, 60);
  expectExactlyOnce(ledger, deliveries, 10_000);
  expect(ledger.tally['sns drop']).toBeGreaterThan(3);
});

test('slow answers (50% of requests take 0.2 to 1.5 s): every event published exactly once, no extra attempt', async () => {
  const { ledger, deliveries } = await burst({
    seed: 4,
    sns: [[0.25, { delayMs: 1_500 }], [0.25, { delayMs: 200 }]],
    inspector2: [[0.25, { delayMs: 1_500 }], [0.25, { delayMs: 200 }]],
  }, 24, 12);
  expectExactlyOnce(ledger, deliveries, 6_000);
  // Slow is not failed: one invocation each, the findings listed.
  expect(deliveries.every((d) => d.invocations === 1 && d.findingsStatus === 'ok')).toBe(true);
});

test('all faults together, 40% of requests: every event published exactly once within Lambda\'s attempts', async () => {
  const mix = [[0.1, { status: 429 }], [0.1, { status: 503 }], [0.1, { drop: true }], [0.1, { delayMs: 300 }]] as const;
  const { ledger, deliveries } = await burst({ seed: 5, sns: mix, inspector2: mix }, 40, 20);
  expectExactlyOnce(ledger, deliveries, 10_000);
});

test('Inspector failing every request (429, 500, dropped): the mail still goes out once, saying the findings are missing', async () => {
  for (const [i, fault] of [{ status: 429 }, { status: 500 }, { drop: true }, { status: 403 }].entries()) {
    const { ledger, deliveries } = await burst({ seed: 10 + i, inspector2: [[1, fault]] }, 4);
    expectExactlyOnce(ledger, deliveries, 10_000);
    expect(deliveries.map((d) => [d.invocations, d.findingsStatus])).toEqual(deliveries.map(() => [1, 'failed']));
    const mail = JSON.parse(fake.requestsOf('sns')[0].form!.Message).email;
    expect(mail).toMatch(/could not be fetched from Amazon Inspector/);
  }
});

test('SNS never recovering: every invocation throws a named error after the SDK retries, nothing is published', async () => {
  for (const [i, fault] of [{ status: 503 }, { status: 429 }, { drop: true }].entries()) {
    const { ledger, deliveries } = await burst({ seed: 20 + i, sns: [[1, fault]] }, 2);
    for (const d of deliveries) {
      expect(d.published).toBe(false);
      expect(d.invocations).toBe(3);
      for (const e of d.errors) {
        expect(e).toBeInstanceOf(Error);
        // An AWS error name (ServiceUnavailable, Throttling), or the SDK's wrapper of a network error
        // ("AWS SDK error wrapper for TimeoutError: socket hang up").
        if (e.name === 'Error') expect(e.message).toMatch(/socket hang up|ECONNRESET/);
        // Up to 3 attempts: fewer once the client's retry quota (a token bucket shared by the
        // invocations of one execution environment) is spent by a long outage.
        const attempts = (e as { $metadata?: { attempts?: number } }).$metadata?.attempts;
        expect(attempts).toBeGreaterThanOrEqual(1);
        expect(attempts).toBeLessThanOrEqual(3);
        expect(e.message).not.toBe('');
      }
    }
    expect(ledger.accepted.size).toBe(0);
    // At most 3 attempts per invocation: 2 events x 3 invocations x 3 attempts.
    expect(fake.requestsOf('sns').length).toBeGreaterThanOrEqual(6);
    expect(fake.requestsOf('sns').length).toBeLessThanOrEqual(18);
    expect(Math.max(...deliveries.flatMap((d) => d.durationsMs))).toBeLessThan(10_000);
  }
});

test('answers lost after SNS accepted a publish: at least once, and the duplicates are what the handler cannot see', async () => {
  // SNS standard topics do not deduplicate: a publish whose answer is lost is retried and arrives twice.
  const { ledger, deliveries } = await burst({ seed: 30, snsLostAnswer: 0.2 }, 60);
  for (const d of deliveries) expect(ledger.accepted.get(d.event)).toBeGreaterThanOrEqual(1);
  const { copies } = ledger.duplicates();
  // Each lost answer makes one extra copy, unless it was the event's last attempt.
  expect(copies).toBeGreaterThan(0);
  expect(copies).toBeLessThanOrEqual(ledger.tally['sns lost-answer']);
});
