import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { dynamoDedupStore } from '../../../handlers/shared/dedup';
import { createLogger } from '../../../handlers/shared/logger';
import { escapeMarkdown, oneLine } from '../../../handlers/shared/markdown';
import { buildAlert, loadConfig, parseApiCall, processEvent } from '../../../handlers/tamper-alert/index';
import setPolicy from '../../fixtures/cloudtrail-set-repository-policy.json';
import { LocalDynamoDb } from '../../support/dynamodb';

const config = loadConfig({ TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:alerts', DEDUP_TABLE: 'TamperDedup' });
const FORGED = 'curl/8.5\n\nLinks:\n- https://evil.example/reset-password\n\r\n## Request parameters\u2028*ok*';
const forged = (): any => {
  const e = JSON.parse(JSON.stringify(setPolicy));
  e.detail.userAgent = FORGED;
  e.detail.errorCode = 'AccessDenied';
  e.detail.errorMessage = 'denied\nLinks:\nhttps://evil.example';
  e.detail.requestParameters.policyText = JSON.stringify({ Statement: [{ Sid: 'x\nLinks:\n[click](https://evil.example)', Effect: 'Allow', Principal: '*', Action: 'ecr:*' }] });
  return e;
};

describe('untrusted text stays text', () => {
  test('oneLine and escapeMarkdown', () => {
    expect(oneLine('a\r\n\nb\u2028c\u0007\td')).toBe('a / b / c d');
    expect(escapeMarkdown('*b* _i_ `c` [l](https://x.example) <!channel> <@U1> a&b # h | ~s~ \\')).toBe(
      '\\*b\\* \\_i\\_ \\`c\\` \\[l\\]\\(https\\://x.example\\) &lt;\\!channel&gt; &lt;@U1&gt; a&amp;b \\# h \\| \\~s\\~ \\\\');
  });

  test('fields of the event cannot start a line, so no "Links" or "Request parameters" section can be forged in the mail', () => {
    const alert = buildAlert(config, parseApiCall(forged()));
    const lines = alert.text.split('\n');
    expect(lines.filter((l) => /^(Links|## Request parameters|- https|https:\/\/evil)/.test(l))).toEqual([]);
    expect(alert.text).toContain('User agent:  curl/8.5 / Links: / - https://evil.example/reset-password / ## Request parameters / *ok*');
    expect(alert.text).toContain('failed: AccessDenied: denied / Links: / https://evil.example');
    // The Sid is in the danger line on one line, and inside the pretty-printed JSON as an escaped string.
    expect(alert.text).toContain('- policyText: Allow "x / Links: / [click](https://evil.example)" to anyone (*) (no condition)');
    expect(alert.text).toContain('"Sid": "x\\nLinks:\\n[click](https://evil.example)"');
  });

  test('in the chat markdown they are escaped: no link, no heading, no bold, no mention', () => {
    const chat = buildAlert(config, parseApiCall(forged())).chatDescription;
    expect(chat).toContain('curl/8.5 / Links: / - https\\://evil.example/reset-password / \\#\\# Request parameters / \\*ok\\*');
    expect(chat).toContain('x / Links: / \\[click\\]\\(https\\://evil.example\\)');
    expect(chat).not.toMatch(/\]\(https:/);
    expect(chat.split('\n').filter((l) => /^(#|Links|- )/.test(l))).toEqual([]);
    // The handler's own formatting is kept.
    expect(chat).toMatch(/^\*Guard tamper:\* ecr\.amazonaws\.com SetRepositoryPolicy \*FAILED\* \(AccessDenied\)$/m);
  });
});

describe('fail open: the alert goes out when the dedup table fails', () => {
  const sns = mockClient(SNSClient);
  let db: LocalDynamoDb;
  let ddb: DynamoDBClient;
  const lines: string[] = [];
  /** The dependencies of processEvent; `tableName` names a table that does not exist to stand for a deleted one. */
  const deps = (tableName = config.tableName) => ({
    sns: new SNSClient({}),
    dedup: dynamoDedupStore(ddb, tableName, config.dedupTtlSeconds),
    log: createLogger({ write: (line: string) => lines.push(line) }),
  });
  beforeAll(async () => {
    db = await LocalDynamoDb.start();
    ddb = db.client();
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    db.configure({});
    await db.resetTable(config.tableName);
    lines.length = 0;
  });
  const logged = () => lines.map((l) => JSON.parse(l));

  test('the table was deleted: published, with a warning', async () => {
    await expect(processEvent(setPolicy, config, deps('DeletedTable'))).resolves.toBe('published');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(logged()).toContainEqual(expect.objectContaining({
      level: 'WARN', message: expect.stringMatching(/dedup table failed: going on without deduplication/), errorName: 'ResourceNotFoundException',
    }));
  });

  test('the table throttles: published too', async () => {
    db.configure({ fault: (operation) => (operation === 'PutItem' ? { status: 400, errorType: 'ProvisionedThroughputExceededException' } : undefined) });
    await expect(processEvent(setPolicy, config, deps())).resolves.toBe('published');
    expect(db.tally['PutItem 400']).toBe(1);
  });

  test('the table and SNS both fail: the publish error is thrown (Lambda retries, then the dead-letter queue) and the lost release is logged', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Topic not found'), { name: 'NotFoundException' }));
    await expect(processEvent(setPolicy, config, deps('DeletedTable'))).rejects.toThrow('Topic not found');
    expect(db.tally).toMatchObject({ 'PutItem 400': 1, 'DeleteItem 400': 1 }); // dynalite's ResourceNotFoundException, both
    expect(logged().map((l) => l.message)).toEqual(expect.arrayContaining([
      expect.stringMatching(/dedup table failed/), 'publishing the alert failed', expect.stringMatching(/releasing the dedup key failed/),
    ]));
  });
});
