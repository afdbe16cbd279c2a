/**
 * Deduplication of the scan formatter: with DEDUP_TABLE set, an event id is claimed in DynamoDB
 * after the skip decision and before the findings lookup, released when publishing fails, and a
 * DynamoDB failure fails open (the mail goes out). Without DEDUP_TABLE, no DynamoDB call at all.
 */
import { Inspector2Client, ListFindingsCommand } from '@aws-sdk/client-inspector2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../handlers/scan-formatter';
import { DynamoFault, LocalDynamoDb } from '../../support/dynamodb';
import { prepareHandlerTest, restoreHandlerTest, SAMPLE_EVENT, scanEvent } from './support';

const sns = mockClient(SNSClient);
const inspector = mockClient(Inspector2Client);
const TABLE = 'scan-dedup-table';
const KEY = `scan#${SAMPLE_EVENT.id}`;
let table: LocalDynamoDb;
let logs: any[] = [];

beforeAll(async () => {
  table = await LocalDynamoDb.start();
});

afterAll(() => table.close());

beforeEach(async () => {
  table.configure({});
  await table.resetTable(TABLE);
  logs = prepareHandlerTest({ sns, inspector }, { ...table.env(), DEDUP_TABLE: TABLE, DEDUP_TTL_SECONDS: '3600' });
});

afterEach(restoreHandlerTest);

/** Makes every request of `operation` fail as `fault` says. */
const failing = (operation: string, fault: DynamoFault) => table.configure({ fault: (op) => (op === operation ? fault : undefined) });
const expiresIn = (seconds: number) => ({ N: String(Math.floor(Date.now() / 1000) + seconds) });

const messages = () => logs.map((l) => l.message);

test('a second delivery of the same event publishes nothing and makes no Inspector call', async () => {
  const before = Math.floor(Date.now() / 1000);
  const first = await handler(SAMPLE_EVENT);
  const second = await handler(JSON.parse(JSON.stringify(SAMPLE_EVENT)));
  expect(first).toMatchObject({ published: true, messageId: 'm-1' });
  expect(second).toEqual({ published: false, skipped: `duplicate delivery of event ${SAMPLE_EVENT.id}: already notified` });
  expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(1);
  expect(table.requestsOf('PutItem')).toHaveLength(2);
  const item = (await table.item(TABLE, KEY))!;
  const expiresAt = Number(item.expiresAt.N);
  expect(expiresAt).toBeGreaterThanOrEqual(before + 3600);
  expect(expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3600);
  expect(messages()).toContain('Not notifying: this event was notified before (duplicate delivery)');
});

test('another event (another id) of the same image is notified', async () => {
  await handler(SAMPLE_EVENT);
  const other = await handler(scanEvent({}, { id: 'another-event-id' }));
  expect(other.published).toBe(true);
  expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  expect((await table.keys(TABLE)).sort()).toEqual([KEY, 'scan#another-event-id'].sort());
});

test('the claim comes after the skip decision: a skipped event touches no table', async () => {
  process.env.REPOSITORY_NAMES = '["team/other"]';
  const result = await handler(SAMPLE_EVENT);
  expect(result.published).toBe(false);
  expect(result.skipped).not.toMatch(/duplicate/);
  expect(table.requests).toHaveLength(0);
});

test('the claim comes before the findings lookup: a duplicate is stopped before Inspector', async () => {
  await table.putItem(TABLE, { pk: { S: KEY }, expiresAt: expiresIn(600) });
  const result = await handler(SAMPLE_EVENT);
  expect(result.skipped).toMatch(/^duplicate delivery/);
  expect(inspector.calls()).toHaveLength(0);
  expect(sns.calls()).toHaveLength(0);
});

test('an expired claim that TTL has not deleted yet counts as absent', async () => {
  await table.putItem(TABLE, { pk: { S: KEY }, expiresAt: expiresIn(-10) });
  expect((await handler(SAMPLE_EVENT)).published).toBe(true);
});

test('a failed publish releases the claim and throws, so Lambda\'s retry publishes', async () => {
  sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })).resolves({ MessageId: 'm-2' });
  await expect(handler(SAMPLE_EVENT)).rejects.toThrow('Rate exceeded');
  expect(table.requestsOf('DeleteItem')).toEqual([{ TableName: TABLE, Key: { pk: { S: KEY } } }]);
  expect(await table.item(TABLE, KEY)).toBeUndefined();
  const retry = await handler(SAMPLE_EVENT);
  expect(retry).toMatchObject({ published: true, messageId: 'm-2' });
  expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  expect(await table.item(TABLE, KEY)).toBeDefined();
});

test('a failed release is logged as an error, and the publish error is still thrown', async () => {
  sns.on(PublishCommand).rejects(new Error('SNS down'));
  failing('DeleteItem', { status: 400, errorType: 'AccessDeniedException' });
  await expect(handler(SAMPLE_EVENT)).rejects.toThrow('SNS down');
  expect(logs).toContainEqual(expect.objectContaining({ level: 'ERROR', message: expect.stringMatching(/^releasing the dedup key failed/), key: KEY, errorName: 'AccessDeniedException' }));
});

describe('DynamoDB failing: fail open, the mail goes out', () => {
  // The SDK retries throttling and 5xx answers; when the retries outlast the claim's 1 s budget,
  // the budget's abort is the error logged.
  test.each([
    ['throttled', { status: 400, errorType: 'ProvisionedThroughputExceededException' }, ['ProvisionedThroughputExceededException', 'AbortError']],
    ['an outage', { status: 500, errorType: 'InternalServerError' }, ['InternalServerError', 'AbortError']],
    ['access denied', { status: 400, errorType: 'AccessDeniedException' }, ['AccessDeniedException']],
  ])('%s: published anyway, with a warning', async (_name, fault, errorNames) => {
    failing('PutItem', fault);
    const result = await handler(SAMPLE_EVENT);
    expect(result).toMatchObject({ published: true, messageId: 'm-1', findingsStatus: 'ok' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(logs).toContainEqual(expect.objectContaining({
      level: 'WARN', message: expect.stringMatching(/dedup table failed: going on without deduplication/), key: KEY,
    }));
    expect(errorNames).toContain(logs.find((l) => l.level === 'WARN').errorName);
    expect(table.tally[`PutItem ${fault.status}`]).toBeGreaterThanOrEqual(1);
  });

  test('when the claim failed and publishing fails too, the key is released anyway (the claim may have been written)', async () => {
    failing('PutItem', { hang: true }); // cut at the claim's time budget
    sns.on(PublishCommand).rejects(new Error('SNS down'));
    await expect(handler(SAMPLE_EVENT)).rejects.toThrow('SNS down');
    expect(table.requestsOf('DeleteItem')).toHaveLength(1);
  });
});

test('without DEDUP_TABLE there is no DynamoDB call, and every delivery is published', async () => {
  delete process.env.DEDUP_TABLE;
  delete process.env.DEDUP_TTL_SECONDS;
  await handler(SAMPLE_EVENT);
  await handler(SAMPLE_EVENT);
  expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  expect(table.requests).toHaveLength(0);
});

test('DEDUP_TTL_SECONDS defaults to one day', async () => {
  delete process.env.DEDUP_TTL_SECONDS;
  const before = Math.floor(Date.now() / 1000);
  await handler(SAMPLE_EVENT);
  expect(Number((await table.item(TABLE, KEY))!.expiresAt.N)).toBeGreaterThanOrEqual(before + 86400);
});

test.each([
  ['DEDUP_TTL_SECONDS', 'abc', /DEDUP_TTL_SECONDS is "abc"; expected a whole number of seconds from 1 to 31622400, such as "86400"/],
  ['DEDUP_TTL_SECONDS', '0', /DEDUP_TTL_SECONDS is "0"; expected a whole number of seconds/],
  ['DEDUP_TTL_SECONDS', '-5', /DEDUP_TTL_SECONDS is "-5"/],
  ['DEDUP_TTL_SECONDS', '1.5', /DEDUP_TTL_SECONDS is "1.5"/],
  ['DEDUP_TTL_SECONDS', '99999999999', /DEDUP_TTL_SECONDS is "99999999999"/],
  ['DEDUP_TABLE', 'a b', /DEDUP_TABLE is "a b"; expected the name of a DynamoDB table/],
  ['DEDUP_TABLE', 'ab', /DEDUP_TABLE is "ab"; expected the name of a DynamoDB table/],
])('%s=%s is a configuration error naming the variable, and nothing is published', async (variable, value, message) => {
  process.env[variable] = value;
  await expect(handler(SAMPLE_EVENT)).rejects.toThrow(message);
  await expect(handler(SAMPLE_EVENT)).rejects.toMatchObject({ name: 'ConfigurationError' });
  expect(sns.calls()).toHaveLength(0);
  expect(table.requests).toHaveLength(0);
});
