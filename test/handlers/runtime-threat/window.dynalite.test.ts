/**
 * The repeat window against a real DynamoDB implementation (dynalite): the conditional PutItem
 * of handlers/shared/dedup.ts decides, with the table the construct creates (key `pk`).
 */
import type { AddressInfo } from 'net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig, processEvent } from '../../../handlers/runtime-threat/index';
import { dynamoDedupStore } from '../../../handlers/shared/dedup';
import { createLogger } from '../../../handlers/shared/logger';
import { answerInspector, falcoEvent, fixture } from './support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite');

const sns = mockClient(SNSClient);
const inspector = mockClient(Inspector2Client);
const config = loadConfig({ TOPIC_ARN: 'arn:aws:sns:us-west-2:111111111111:alerts', DEDUP_TABLE: 'runtime-window', AWS_REGION: 'us-west-2' });
let server: any;
let client: DynamoDBClient;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-west-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await client.send(new CreateTableCommand({
    TableName: 'runtime-window',
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
});

afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  answerInspector(inspector);
});

test('one alert per rule and workload within the window, again after it', async () => {
  let now = Date.UTC(2026, 10, 30, 10, 0, 0);
  const deps = () => ({
    sns: new SNSClient({}),
    inspector: new Inspector2Client({ region: 'us-west-2' }),
    dedup: dynamoDedupStore(client, config.tableName, config.windowSeconds, () => now),
    log: createLogger({ write: () => undefined }),
  });
  expect(await processEvent(falcoEvent(), config, deps())).toEqual(['published']);
  now += 60_000;
  expect(await processEvent(falcoEvent((p) => { p.uuid = 'repeat-1'; }), config, deps())).toEqual(['duplicate']);
  expect(await processEvent(fixture('guardduty-runtime-eks.json'), config, deps())).toEqual(['published']);
  expect(await processEvent(fixture('guardduty-runtime-eks.json'), config, deps())).toEqual(['duplicate']);
  now += 900_000;
  expect(await processEvent(falcoEvent((p) => { p.uuid = 'repeat-2'; }), config, deps())).toEqual(['published']);
  expect(sns.commandCalls(PublishCommand)).toHaveLength(3);
});
