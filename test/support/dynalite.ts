/**
 * dynalite (a DynamoDB implementation on LevelDB, in memory) started in-process on a free port,
 * with the finding state table (`pk`, `sk`) created, for handler tests and benches that need real
 * DynamoDB semantics: conditional writes, consistent reads, queries by partition.
 */
import type { AddressInfo } from 'net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
    },
    async createTable(name) {
      await client.send(new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }));
    },
    async close() {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
