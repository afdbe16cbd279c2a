/**
 * Deduplication on the wire: the built handler with its real DynamoDB client against a local
 * DynamoDB (dynalite behind test/support/dynamodb.ts), beside the SNS and Inspector2 fakes.
 */
import { FakeAws } from '../../../support/fake-aws';
import { DynamoFault, LocalDynamoDb } from '../../../support/dynamodb';
import { BuiltHandler, deliver, eventNumberOf, listFindings, loadBuiltHandler } from './support';

let fake: FakeAws;
let table: LocalDynamoDb;
let handler: BuiltHandler;
let tableFault: (key: string) => DynamoFault | undefined = () => undefined;
const ENV = { ...process.env };
const TABLE = 'wire-dedup';

beforeAll(async () => {
  fake = await FakeAws.start({ listFindings });
  table = await LocalDynamoDb.start({ fault: (_operation, body) => tableFault(body.Item?.pk?.S ?? body.Key?.pk?.S) });
  await table.createTable(TABLE);
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  handler = loadBuiltHandler(fake, { ...table.env(), DEDUP_TABLE: TABLE, DEDUP_TTL_SECONDS: '3600' });
});

afterAll(async () => {
  jest.restoreAllMocks();
  process.env = ENV;
  await fake?.close();
  await table?.close();
});

const publishedEvents = () => fake.requestsOf('sns').map((r) => eventNumberOf(r));

test('a redelivered event is published once; the claim is a conditional PutItem keyed by the event id', async () => {
  const first = await deliver(handler, 101);
  const second = await deliver(handler, 101);
  expect(first.published).toBe(true);
  expect(second.published).toBe(false);
  expect(publishedEvents().filter((n) => n === 101)).toHaveLength(1);
  const item = (await table.item(TABLE, 'scan#event-101'))!;
  expect(Number(item.expiresAt.N)).toBeGreaterThan(Date.now() / 1000 + 3500);
  expect(item.claimId.S).toMatch(/^[0-9a-f-]{36}$/);
});

test('a PutItem whose answer is lost: the SDK retries, finds its own claim, and the event is published', async () => {
  let drops = 0;
  tableFault = (key) => (key === 'scan#event-102' && drops++ === 0 ? { dropAnswer: true } : undefined);
  const delivery = await deliver(handler, 102, { attempts: 1 });
  expect(delivery.published).toBe(true);
  expect(table.tally['PutItem answer-lost']).toBe(1);
  expect(table.tally['PutItem conditional-failed']).toBeGreaterThanOrEqual(1);
  expect(publishedEvents().filter((n) => n === 102)).toHaveLength(1);
  // A real second delivery is still a duplicate.
  expect((await deliver(handler, 102, { attempts: 1 })).published).toBe(false);
});

test('DynamoDB throttling every request: the mail goes out anyway (fail open), and a failed publish is retried by Lambda', async () => {
  tableFault = (key) => (key === 'scan#event-103' ? { status: 400 } : undefined);
  let snsFailures = 0;
  fake.configure({ listFindings, fault: (r) => (r.service === 'sns' && eventNumberOf(r) === 104 && snsFailures++ < 3 ? { status: 500 } : undefined) });
  const throttled = await deliver(handler, 103);
  expect(throttled).toMatchObject({ published: true, invocations: 1 });
  // Event 104: SNS fails the 3 attempts of the first invocation; the claim is released, so the second invocation publishes.
  tableFault = () => undefined;
  const retried = await deliver(handler, 104);
  expect(retried).toMatchObject({ published: true, invocations: 2 });
  expect(publishedEvents().filter((n) => n === 103)).toHaveLength(1);
  expect(publishedEvents().filter((n) => n === 104)).toHaveLength(4); // 3 answered 500, then the one accepted
  expect(snsFailures).toBe(4);
  expect(table.tally['DeleteItem ok']).toBeGreaterThanOrEqual(1);
});
