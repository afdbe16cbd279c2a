/**
 * The scan formatter's hook for the new-findings digest: with STATE_TABLE set, a published scan
 * mail is recorded on the image's item of the finding state table (so the Finding events of the
 * initial scan send no second mail). The record never fails the mail.
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../handlers/scan-formatter';
import { prepareHandlerTest, restoreHandlerTest, SAMPLE_EVENT } from './support';

const sns = mockClient(SNSClient);
const inspector = mockClient(Inspector2Client);
const ddb = mockClient(DynamoDBClient);
let logs: any[] = [];

beforeEach(() => {
  ddb.reset();
  logs = prepareHandlerTest({ sns, inspector }, { STATE_TABLE: 'finding-state' });
});
afterEach(restoreHandlerTest);

test('a published scan mail is recorded on the image item, with the scan\'s completion time', async () => {
  ddb.on(UpdateItemCommand).resolves({});
  expect(await handler(SAMPLE_EVENT)).toMatchObject({ published: true });
  const calls = ddb.commandCalls(UpdateItemCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0].args[0].input;
  expect(input.TableName).toBe('finding-state');
  expect(input.Key).toEqual({
    pk: { S: 'img#123456789012#amazon/amazon-ecs-sample#sha256:36c7b282abd0186e01419f2e58743e1bf635808231049bbc9d77e5EXAMPLE' },
    sk: { S: 'image' },
  });
  expect(input.ExpressionAttributeValues![':completed'].N).toBe(String(Date.parse(SAMPLE_EVENT.time)));
});

test('a failed record only warns: the mail is out', async () => {
  ddb.on(UpdateItemCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
  expect(await handler(SAMPLE_EVENT)).toMatchObject({ published: true });
  expect(logs.some((l) => l.level === 'WARN' && /Could not record the scan mail/.test(l.message))).toBe(true);
});

test('no record when the publish fails, and none without STATE_TABLE', async () => {
  sns.on(PublishCommand).rejects(new Error('SNS down'));
  await expect(handler(SAMPLE_EVENT)).rejects.toThrow(/SNS down/);
  expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
  restoreHandlerTest();
  logs = prepareHandlerTest({ sns, inspector });
  await handler(SAMPLE_EVENT);
  expect(ddb.commandCalls(UpdateItemCommand)).toHaveLength(0);
});
