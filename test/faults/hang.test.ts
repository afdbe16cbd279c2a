/**
 * Endpoints that never answer: the built handler must still end each invocation well within the
 * function timeout (30 s by default). The SDK's request timeout (5 s per attempt) and the
 * handler's findings budget (a few seconds, less when the invocation has less time left) bound
 * it; the scenarios run side by side, so this file takes about as long as the worst case (21 to
 * 24 s). Shorter timeouts through environment variables would make it faster.
 */
import { FakeAws } from '../support/fake-aws';
import { deliver, eventNumberOf, FUNCTION_TIMEOUT_MS, listFindings, loadBuiltHandler } from './support';

let fake: FakeAws;

beforeAll(async () => {
  fake = await FakeAws.start({ listFindings });
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterAll(async () => {
  jest.restoreAllMocks();
  await fake?.close();
});

test('hanging endpoints: every invocation ends before the function timeout, and only SNS failures throw', async () => {
  // Event 1: Inspector hangs. 2: SNS hangs. 3: both hang (the worst case). 4: Inspector hangs, 23 s left.
  const hangs: Record<number, ReadonlyArray<'sns' | 'inspector2'>> = { 1: ['inspector2'], 2: ['sns'], 3: ['sns', 'inspector2'], 4: ['inspector2'] };
  fake.configure({ listFindings, fault: (r) => (hangs[eventNumberOf(r) ?? 0]?.includes(r.service) ? { hang: true } : undefined) });
  const handler = loadBuiltHandler(fake);

  const [inspectorHangs, snsHangs, bothHang, littleTime] = await Promise.all([
    deliver(handler, 1, { attempts: 1 }),
    deliver(handler, 2, { attempts: 1 }),
    deliver(handler, 3, { attempts: 1 }),
    deliver(handler, 4, { attempts: 1, remainingMs: 23_000 }),
  ]);

  // Inspector hanging degrades the mail: published without findings, after the findings budget.
  expect(inspectorHangs).toMatchObject({ published: true, findingsStatus: 'failed' });
  expect(inspectorHangs.durationsMs[0]).toBeLessThan(10_000);
  // With 23 s left, the lookup gets only what remains beyond the time kept for publishing (at least 1 s).
  expect(littleTime).toMatchObject({ published: true, findingsStatus: 'failed' });
  expect(littleTime.durationsMs[0]).toBeLessThan(3_000);
  // SNS hanging: 3 attempts of 5 s, then a thrown timeout, so Lambda retries and the DLQ keeps the event.
  expect(snsHangs.published).toBe(false);
  expect(snsHangs.errors[0].message).toMatch(/timeout|timed out|socket/i);
  expect(snsHangs.durationsMs[0]).toBeGreaterThan(10_000);
  // The worst case: the whole findings budget, then SNS's attempts; still under the function timeout.
  expect(bothHang.published).toBe(false);
  expect(bothHang.durationsMs[0]).toBeLessThan(FUNCTION_TIMEOUT_MS - 2_000);
  for (const d of [inspectorHangs, snsHangs, bothHang, littleTime]) expect(d.durationsMs[0]).toBeLessThan(FUNCTION_TIMEOUT_MS);

  const published = fake.requestsOf('sns').filter((r) => [1, 4].includes(eventNumberOf(r)!));
  expect(published).toHaveLength(2);
  process.stderr.write(`hang durations (ms): inspector ${inspectorHangs.durationsMs[0].toFixed(0)}, sns ${snsHangs.durationsMs[0].toFixed(0)}, `
    + `both ${bothHang.durationsMs[0].toFixed(0)}, inspector with 23 s left ${littleTime.durationsMs[0].toFixed(0)}\n`);
}, 40_000);
