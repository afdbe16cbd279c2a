/**
 * Deduplication of the scan formatter: with DEDUP_TABLE set, an event id is claimed in DynamoDB
 * after the skip decision and before the findings lookup, released when publishing fails, and a
 * DynamoDB failure fails open (the mail goes out). Without DEDUP_TABLE, no DynamoDB call at all.
 */
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Inspector2Client, ListFindingsCommand } from '@aws-sdk/client-inspector2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../handlers/scan-formatter';
import { fakeDedupTable } from '../../support/dedup-fake';
import { prepareHandlerTest, restoreHandlerTest, SAMPLE_EVENT, scanEvent } from './support';

const sns = mockClient(SNSClient);
const inspector = mockClient(Inspector2Client);
const table = fakeDedupTable();
const TABLE = 'scan-dedup-table';
const KEY = `scan#${SAMPLE_EVENT.id}`;
let logs: any[] = [];

beforeEach(() => {
  table.reset();
  logs = prepareHandlerTest({ sns, inspector }, { DEDUP_TABLE: TABLE, DEDUP_TTL_SECONDS: '3600' });
});

afterEach(restoreHandlerTest);

const messages = () => logs.map((l) => l.message);

test('a second delivery of the same event publishes nothing and makes no Inspector call', async () => {
  const before = Math.floor(Date.now() / 1000);
  const first = await handler(SAMPLE_EVENT);
  const second = await handler(JSON.parse(JSON.stringify(SAMPLE_EVENT)));
  expect(first).toMatchObject({ published: true, messageId: 'm-1' });
  expect(second).toEqual({ published: false, skipped: `duplicate delivery of event ${SAMPLE_EVENT.id}: already notified` });
  expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  expect(inspector.commandCalls(ListFindingsCommand)).toHaveLength(1);
  const put = table.ddb.commandCalls(PutItemCommand)[0].args[0].input;
  expect(put.TableName).toBe(TABLE);
  expect(put.Item!.pk.S).toBe(KEY);
  const expiresAt = Number(put.Item!.expiresAt.N);
  expect(expiresAt).toBeGreaterThanOrEqual(before + 3600);
  expect(expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3600);
  expect(messages()).toContain('Not notifying: this event was notified before (duplicate delivery)');
});

test('another event (another id) of the same image is notified', async () => {
  await handler(SAMPLE_EVENT);
  const other = await handler(scanEvent({}, { id: 'another-event-id' }));
  expect(other.published).toBe(true);
  expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  expect([...table.items.keys()].sort()).toEqual([KEY, 'scan#another-event-id'].sort());
});

test('the claim comes after the skip decision: a skipped event touches no table', async () => {
  process.env.REPOSITORY_NAMES = '["team/other"]';
  const result = await handler(SAMPLE_EVENT);
  expect(result.published).toBe(false);
  expect(result.skipped).not.toMatch(/duplicate/);
  expect(table.ddb.calls()).toHaveLength(0);
});

test('the claim comes before the findings lookup: a duplicate is stopped before Inspector', async () => {
  table.items.set(KEY, { pk: { S: KEY }, expiresAt: { N: String(Math.floor(Date.now() / 1000) + 600) } });
  const result = await handler(SAMPLE_EVENT);
  expect(result.skipped).toMatch(/^duplicate delivery/);
  expect(inspector.calls()).toHaveLength(0);
  expect(sns.calls()).toHaveLength(0);
});

test('an expired claim that TTL has not deleted yet counts as absent', async () => {
  table.items.set(KEY, { pk: { S: KEY }, expiresAt: { N: String(Math.floor(Date.now() / 1000) - 10) } });
  expect((await handler(SAMPLE_EVENT)).published).toBe(true);
});

test('a failed publish releases the claim and throws, so Lambda\'s retry publishes', async () => {
  sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' })).resolves({ MessageId: 'm-2' });
  await expect(handler(SAMPLE_EVENT)).rejects.toThrow('Rate exceeded');
  expect(table.ddb.commandCalls(DeleteItemCommand)[0].args[0].input).toEqual({ TableName: TABLE, Key: { pk: { S: KEY } } });
  expect(table.items.has(KEY)).toBe(false);
  const retry = await handler(SAMPLE_EVENT);
  expect(retry).toMatchObject({ published: true, messageId: 'm-2' });
  expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  expect(table.items.has(KEY)).toBe(true);
});

test('a failed release is logged as an error, and the publish error is still thrown', async () => {
  sns.on(PublishCommand).rejects(new Error('SNS down'));
  table.ddb.on(DeleteItemCommand).rejects(new Error('DynamoDB down'));
  await expect(handler(SAMPLE_EVENT)).rejects.toThrow('SNS down');
  expect(logs).toContainEqual(expect.objectContaining({ level: 'ERROR', message: expect.stringMatching(/^releasing the dedup key failed/), key: KEY, errorMessage: 'DynamoDB down' }));
});

describe('DynamoDB failing: fail open, the mail goes out', () => {
  test.each([
    ['throttled', Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' })],
    ['an outage', Object.assign(new Error('Internal server error'), { name: 'InternalServerError' })],
    ['access denied', Object.assign(new Error('not authorized to perform dynamodb:PutItem'), { name: 'AccessDeniedException' })],
  ])('%s: published anyway, with a warning', async (_name, error) => {
    table.ddb.on(PutItemCommand).rejects(error);
    const result = await handler(SAMPLE_EVENT);
    expect(result).toMatchObject({ published: true, messageId: 'm-1', findingsStatus: 'ok' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(logs).toContainEqual(expect.objectContaining({
      level: 'WARN', message: expect.stringMatching(/dedup table failed: going on without deduplication/), key: KEY, errorName: error.name,
    }));
  });

  test('when the claim failed and publishing fails too, the key is released anyway (the claim may have been written)', async () => {
    table.ddb.on(PutItemCommand).rejects(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
    sns.on(PublishCommand).rejects(new Error('SNS down'));
    await expect(handler(SAMPLE_EVENT)).rejects.toThrow('SNS down');
    expect(table.ddb.commandCalls(DeleteItemCommand)).toHaveLength(1);
  });
});

test('without DEDUP_TABLE there is no DynamoDB call, and every delivery is published', async () => {
  delete process.env.DEDUP_TABLE;
  delete process.env.DEDUP_TTL_SECONDS;
  await handler(SAMPLE_EVENT);
  await handler(SAMPLE_EVENT);
  expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  expect(table.ddb.calls()).toHaveLength(0);
});

test('DEDUP_TTL_SECONDS defaults to one day', async () => {
  delete process.env.DEDUP_TTL_SECONDS;
  const before = Math.floor(Date.now() / 1000);
  await handler(SAMPLE_EVENT);
  expect(Number(table.ddb.commandCalls(PutItemCommand)[0].args[0].input.Item!.expiresAt.N)).toBeGreaterThanOrEqual(before + 86400);
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
  expect(table.ddb.calls()).toHaveLength(0);
});
