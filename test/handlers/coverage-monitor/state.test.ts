import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { dynamoCoverageState, imageKey, repositoryKey } from '../../../handlers/coverage-monitor/state';
import { LocalDynamo, startDynalite } from '../../support/dynalite';

const DIGEST = `sha256:${'a'.repeat(64)}`;
let dynamo: LocalDynamo;
let table = 0;
let name: string;
let clock = Date.UTC(2026, 11, 1);

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => dynamo.close());
beforeEach(async () => {
  name = `state-${++table}`;
  await dynamo.createTable(name);
});

const store = () => dynamoCoverageState(dynamo.client, name, 3600, () => clock);
const item = (status: string) => ({ key: imageKey('team/app', DIGEST), status, repositoryName: 'team/app', imageDigest: DIGEST });

describe('dynamoCoverageState (on dynalite)', () => {
  test('a problem is a change once per reason, until the reason changes', async () => {
    const state = store();
    await expect(state.transition(item('ACCESS_DENIED'))).resolves.toEqual({ previous: undefined });
    await expect(state.transition(item('ACCESS_DENIED'))).resolves.toBeUndefined();
    await expect(state.transition(item('UNSUPPORTED_OS'))).resolves.toEqual({ previous: item('ACCESS_DENIED') });
  });

  test('scanning again is a change only where a problem was stored, and only once', async () => {
    const state = store();
    await expect(state.transition(item('ACTIVE'))).resolves.toBeUndefined();
    await state.transition(item('ACCESS_DENIED'));
    await expect(state.transition(item('ACTIVE'))).resolves.toEqual({ previous: item('ACCESS_DENIED') });
    await expect(state.transition(item('ACTIVE'))).resolves.toBeUndefined();
    // After scanning again, the same problem is alerted again.
    await expect(state.transition(item('ACCESS_DENIED'))).resolves.toEqual({ previous: item('ACTIVE') });
  });

  test('revert puts back the previous item, or deletes a new one', async () => {
    const state = store();
    const first = await state.transition(item('ACCESS_DENIED'));
    await state.revert(item('ACCESS_DENIED').key, first!.previous);
    await expect(state.transition(item('ACCESS_DENIED'))).resolves.toEqual({ previous: undefined });
    const second = await state.transition(item('UNSUPPORTED_OS'));
    await state.revert(item('UNSUPPORTED_OS').key, second!.previous);
    await expect(state.list(10)).resolves.toEqual([item('ACCESS_DENIED')]);
  });

  test('list pages through the table and stops at the limit; forget deletes', async () => {
    const state = store();
    for (let i = 0; i < 30; i++) {
      await state.transition({ key: repositoryKey(`team/app-${i}`), status: 'SCAN_FREQUENCY_MANUAL', repositoryName: `team/app-${i}` });
    }
    await expect(state.list(1000)).resolves.toHaveLength(30);
    await expect(state.list(7)).resolves.toHaveLength(7);
    await state.forget(repositoryKey('team/app-0'));
    await expect(state.list(1000)).resolves.toHaveLength(29);
  });

  test('a scanning-again mark expires after the TTL', async () => {
    const state = store();
    await state.transition(item('ACCESS_DENIED'));
    await state.transition(item('ACTIVE'));
    const raw = await dynamo.client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: item('ACTIVE').key } } }));
    expect(raw.Item?.expiresAt?.N).toBe(String(Math.floor(clock / 1000) + 3600));
  });
});

describe('dynamoCoverageState (mocked failures)', () => {
  // Created here, not at collection: a mock of the class would also catch the dynalite tests' calls.
  let ddb: ReturnType<typeof mockClient>;
  beforeAll(() => {
    ddb = mockClient(DynamoDBClient);
  });
  afterEach(() => ddb.reset());
  afterAll(() => ddb.restore());

  test('an SDK retry that meets its own write counts as the change', async () => {
    ddb.on(PutItemCommand).callsFake((input: any) => {
      const err: any = new Error('The conditional request failed');
      err.name = 'ConditionalCheckFailedException';
      err.Item = input.Item;
      throw err;
    });
    await expect(dynamoCoverageState(new DynamoDBClient({ region: 'us-east-1' }), 't', 60).transition(item('ACCESS_DENIED'))).resolves.toEqual({});
  });

  test('other errors are thrown', async () => {
    ddb.on(PutItemCommand).rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(dynamoCoverageState(new DynamoDBClient({ region: 'us-east-1' }), 't', 60).transition(item('ACCESS_DENIED'))).rejects.toThrow('slow down');
  });
});
