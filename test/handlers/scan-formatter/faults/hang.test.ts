/**
 * Endpoints that never answer: the built handler must still end each invocation below the
 * function timeout. The SDK's connection and request timeouts, the findings budget and the dedup
 * call budget bound it. The bundle runs with small timeouts (SDK_CONNECTION_TIMEOUT_MS,
 * SDK_REQUEST_TIMEOUT_MS, FINDINGS_BUDGET_MS) and a 12 s function timeout, so this file takes a few
 * seconds; the same arithmetic (worstCaseMs) bounds the defaults below 30 s, checked at the end and
 * in test/handlers/scan-formatter/timeouts.test.ts.
 */
import { loadTimeouts, publishReserveMs, SAFETY_MARGIN_MS, worstCaseMs, DEDUP_CALL_BUDGET_MS } from '../../../../handlers/scan-formatter/timeouts';
import { FakeAws } from '../../../support/fake-aws';
import { LocalDynamoDb } from '../../../support/dynamodb';
import { deliver, eventNumberOf, listFindings, loadBuiltHandler } from './support';

/** Small limits for the bundle, and the function timeout they are checked against. */
const LIMITS = { SDK_CONNECTION_TIMEOUT_MS: '200', SDK_REQUEST_TIMEOUT_MS: '1000', FINDINGS_BUDGET_MS: '3000' };
const TIMEOUTS = loadTimeouts(LIMITS);
const FUNCTION_TIMEOUT_MS = 12_000;

let fake: FakeAws;
let table: LocalDynamoDb;
const ENV = { ...process.env };

beforeAll(async () => {
  fake = await FakeAws.start({ listFindings });
  table = await LocalDynamoDb.start();
  await table.createTable('hang-dedup');
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterAll(async () => {
  jest.restoreAllMocks();
  process.env = ENV;
  await fake?.close();
  await table?.close();
});

test('hanging endpoints: every invocation ends before the function timeout, and only SNS failures throw', async () => {
  // Event 1: Inspector hangs. 2: SNS hangs. 3: SNS and Inspector hang (the worst case). 4: Inspector hangs, little time left.
  // 5: DynamoDB hangs (the claim is aborted, the mail goes out). 6: DynamoDB fails with HTTP 500 (fail open).
  const hangs: Record<number, ReadonlyArray<'sns' | 'inspector2'>> = { 1: ['inspector2'], 2: ['sns'], 3: ['sns', 'inspector2'], 4: ['inspector2'] };
  fake.configure({ listFindings, fault: (r) => (hangs[eventNumberOf(r) ?? 0]?.includes(r.service) ? { hang: true } : undefined) });
  table.configure({
    fault: (_operation, body) => {
      const key = body.Item?.pk?.S ?? body.Key?.pk?.S;
      return key === 'scan#event-5' ? { hang: true } : key === 'scan#event-6' ? { status: 500 } : undefined;
    },
  });
  const handler = loadBuiltHandler(fake, { ...LIMITS, ...table.env(), DEDUP_TABLE: 'hang-dedup', DEDUP_TTL_SECONDS: '3600' });
  // Little time: the lookup gets only what remains beyond the publish reserve and the margin (here nothing: its 1 s minimum).
  const little = DEDUP_CALL_BUDGET_MS + publishReserveMs(TIMEOUTS, true) + SAFETY_MARGIN_MS;

  const [inspectorHangs, snsHangs, bothHang, littleTime, dynamoHangs, dynamoFails] = await Promise.all([
    deliver(handler, 1, { attempts: 1, remainingMs: FUNCTION_TIMEOUT_MS }),
    deliver(handler, 2, { attempts: 1, remainingMs: FUNCTION_TIMEOUT_MS }),
    deliver(handler, 3, { attempts: 1, remainingMs: FUNCTION_TIMEOUT_MS }),
    deliver(handler, 4, { attempts: 1, remainingMs: little }),
    deliver(handler, 5, { attempts: 1, remainingMs: FUNCTION_TIMEOUT_MS }),
    deliver(handler, 6, { attempts: 1, remainingMs: FUNCTION_TIMEOUT_MS }),
  ]);

  // Inspector hanging degrades the mail: published without findings, after the findings budget (3 s).
  expect(inspectorHangs).toMatchObject({ published: true, findingsStatus: 'failed' });
  expect(inspectorHangs.durationsMs[0]).toBeGreaterThan(TIMEOUTS.findingsBudgetMs - 200);
  expect(inspectorHangs.durationsMs[0]).toBeLessThan(TIMEOUTS.findingsBudgetMs + 1_500);
  // With little time left, the lookup gets its 1 s minimum instead of the 3 s budget.
  expect(littleTime).toMatchObject({ published: true, findingsStatus: 'failed' });
  expect(littleTime.durationsMs[0]).toBeLessThan(TIMEOUTS.findingsBudgetMs - 500);
  // SNS hanging: 3 attempts of 1 s, then a thrown timeout, so Lambda retries and the DLQ keeps the event.
  expect(snsHangs.published).toBe(false);
  expect(snsHangs.errors[0].message).toMatch(/timeout|timed out|socket/i);
  expect(snsHangs.durationsMs[0]).toBeGreaterThan(3 * TIMEOUTS.requestTimeoutMs - 200);
  // The worst case: the whole findings budget, then SNS's attempts; within the computed bound, below the function timeout.
  expect(bothHang.published).toBe(false);
  expect(bothHang.durationsMs[0]).toBeGreaterThan(TIMEOUTS.findingsBudgetMs + 3 * TIMEOUTS.requestTimeoutMs - 400);
  expect(bothHang.durationsMs[0]).toBeLessThan(worstCaseMs(TIMEOUTS, FUNCTION_TIMEOUT_MS, true));
  // DynamoDB hanging: the claim is cut at its 1 s budget and the mail goes out anyway (fail open); a 500 likewise.
  expect(dynamoHangs).toMatchObject({ published: true, findingsStatus: 'ok' });
  expect(dynamoHangs.durationsMs[0]).toBeGreaterThan(DEDUP_CALL_BUDGET_MS - 100);
  expect(dynamoHangs.durationsMs[0]).toBeLessThan(DEDUP_CALL_BUDGET_MS + 1_500);
  expect(dynamoFails).toMatchObject({ published: true, findingsStatus: 'ok' });
  for (const d of [inspectorHangs, snsHangs, bothHang, littleTime, dynamoHangs, dynamoFails]) expect(d.durationsMs[0]).toBeLessThan(FUNCTION_TIMEOUT_MS);

  const published = fake.requestsOf('sns').filter((r) => [1, 4, 5, 6].includes(eventNumberOf(r)!));
  expect(published.map((r) => eventNumberOf(r)).sort()).toEqual([1, 4, 5, 6]);
  expect(table.tally['PutItem 500']).toBeGreaterThanOrEqual(1);
  // The measured durations, for whoever tunes the timeouts (npm test stays quiet).
  if (process.env.SHOW_TIMINGS) process.stderr.write(`hang durations (ms): inspector ${inspectorHangs.durationsMs[0].toFixed(0)}, sns ${snsHangs.durationsMs[0].toFixed(0)}, `
    + `both ${bothHang.durationsMs[0].toFixed(0)}, inspector with little time ${littleTime.durationsMs[0].toFixed(0)}, `
    + `dynamodb hangs ${dynamoHangs.durationsMs[0].toFixed(0)}, dynamodb 500 ${dynamoFails.durationsMs[0].toFixed(0)}\n`);
}, 20_000);

test('the same arithmetic bounds the defaults below the 30 s function timeout', () => {
  for (const dedup of [true, false]) expect(worstCaseMs(loadTimeouts({}), 30_000, dedup)).toBeLessThan(30_000);
});
