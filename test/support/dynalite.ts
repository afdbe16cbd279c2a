/**
 * dynalite (a DynamoDB implementation on LevelDB, in memory) started in-process on a free port,
 * with the finding state table (`pk`, `sk`) created, for handler tests and benches that need real
 * DynamoDB semantics: conditional writes, consistent reads, queries by partition.
 */
import type { AddressInfo } from 'net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => import('http').Server;

/** A running dynalite with a client aimed at it. */
export interface LocalDynamo {
  readonly client: DynamoDBClient;
  readonly endpoint: string;
  /** Creates a table keyed by `pk` (and `sk`), as `NewFindingsNotifier` does. */
  createStateTable(name: string): Promise<void>;
  /** Creates a table with the string key `pk` alone, as the notification pipeline's table. */
  createTable(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts dynalite on port 0 (a free port). */
export async function startDynalite(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  // As on AWS, a new table is CREATING before it is ACTIVE (in dynalite, until a later tick), and
  // writes to it fail with ResourceNotFoundException until then: wait for ACTIVE.
  const untilActive = async (name: string) => {
    for (let i = 0; i < 200; i++) {
      const described = await client.send(new DescribeTableCommand({ TableName: name }));
      // A test that mocks DynamoDBClient (aws-sdk-client-mock) answers nothing: no table to wait for.
      if (!described?.Table || described.Table.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`dynalite table ${name} did not become ACTIVE`);
  };
  return {
    client,
    endpoint,
    async createStateTable(name) {
      await client.send(new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      }));
      await untilActive(name);
    },
    async createTable(name) {
      await client.send(new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }));
      await untilActive(name);
    },
    async close() {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
